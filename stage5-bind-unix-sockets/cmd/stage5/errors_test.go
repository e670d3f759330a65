package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gunicorn-go/shared/testkit"
)

// TestStartErrors: what stops a start (an address in use or not this
// machine's, a certificate missing or unreadable, a socket directory
// missing or not writable, a user that does not exist or cannot be
// become) is one error line naming the bind or setting, before any worker
// starts, and exit code 1.
func TestStartErrors(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	dir := sharedDir(t)
	inUse, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inUse.Close() }) // the subtests run after this function returns
	garbage := filepath.Join(dir, "garbage.pem")
	secret := filepath.Join(dir, "secret.pem") // root's alone
	rootOnly := filepath.Join(dir, "root-only")
	for path, mode := range map[string]os.FileMode{garbage: 0o644, secret: 0o600} {
		if err := os.WriteFile(path, []byte("not a certificate\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(rootOnly, 0o755); err != nil {
		t.Fatal(err)
	}
	// For the cases run as nobody, a binary nobody may run.
	bin := filepath.Join(dir, "stage5")
	copyFile(t, binary(t), bin)

	tests := []struct {
		name    string
		asUser  bool // run as nobody, not root
		args    []string
		want    string // in the last error line
		retries bool   // "Connection in use" lines come first, as gunicorn logs them
	}{
		{name: "address in use", args: []string{"-b", inUse.Addr().String()},
			want: "bind " + inUse.Addr().String() + ": can't connect: " + inUse.Addr().String() + " is in use", retries: true},
		{name: "address not this machine's", args: []string{"-b", "192.0.2.1:8000"},
			want: "bind 192.0.2.1:8000: cannot assign requested address"},
		{name: "host name unknown", args: []string{"-b", "no-such-host.invalid:8000"},
			want: "bind no-such-host.invalid:8000: lookup no-such-host.invalid"},
		{name: "bind malformed", args: []string{"-b", "host:port"},
			want: "Error: bind: expected HOST, HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N, got 'host:port' (command line)"},
		{name: "fd not open", args: []string{"-b", "fd://9"},
			want: "bind fd://9: descriptor 9 is not open"},
		{name: "certificate missing", args: []string{"--certfile", "/nonexistent/cert.pem"},
			want: "certfile /nonexistent/cert.pem: no such file or directory"},
		{name: "certificate not PEM", args: []string{"--certfile", garbage},
			want: "certfile " + garbage + ": no PEM certificate in it"},
		{name: "certificate unreadable", asUser: true, args: []string{"--certfile", secret},
			want: "certfile " + secret + ": permission denied"},
		{name: "keyfile without certfile", args: []string{"--keyfile", garbage},
			want: "keyfile is set, and certfile is not: HTTPS needs a certificate"},
		{name: "client certificates without ca_certs", args: []string{"--certfile", garbage, "--cert-reqs", "2"},
			want: "cert_reqs 2: ca_certs is not set, and client certificates need it to be checked against"},
		{name: "socket directory missing", args: []string{"-b", "unix:/nonexistent/dir/app.sock"},
			want: "bind unix:/nonexistent/dir/app.sock: the directory /nonexistent/dir does not exist"},
		{name: "socket directory not writable", asUser: true, args: []string{"-b", "unix:" + rootOnly + "/app.sock"},
			want: "bind unix:" + rootOnly + "/app.sock: the directory " + rootOnly + " is not writable by uid"},
		{name: "socket path too long", args: []string{"-b", "unix:/tmp/" + strings.Repeat("x", 120)},
			want: "the path is 125 bytes long; a unix socket's may have at most 107"},
		{name: "user unknown", args: []string{"-u", "no-such-user"},
			want: "Error: user: expected an existing user name or a user id, got 'no-such-user' (command line)"},
		{name: "user switch without root", asUser: true, args: []string{"-u", "root"},
			want: "user root, group root: switching to them needs root, and the server runs as uid"},
		{name: "worker_tmp_dir the user cannot write", args: []string{"-u", "nobody", "--worker-tmp-dir", rootOnly},
			want: "worker_tmp_dir " + rootOnly + ": not writable by nobody"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{"--chdir", testkit.Testdata(t), "-b", "127.0.0.1:0"}, tc.args...), "apps:app")
			name := bin
			if tc.asUser {
				setpriv := testkit.RequireTool(t, "setpriv", "util-linux")
				args = append([]string{"--reuid=nobody", "--regid=nogroup", "--clear-groups", bin}, args...)
				name = setpriv
			}
			p := testkit.Start(t, testkit.StartOptions{Dir: dir}, name, args...)
			if code := p.Wait(waitTimeout); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			lines := p.Lines("[ERROR]")
			if strings.HasPrefix(tc.want, "Error: ") {
				lines = p.Lines("Error: ")
			}
			if tc.retries {
				lines = lines[len(p.Lines("Connection in use"))+len(p.Lines("Retrying in 1 second")):]
			}
			if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("want one error line with %q:\n%s", tc.want, p.Stderr.String())
			}
			if booted := p.Lines("Booting worker"); len(booted) > 0 {
				t.Errorf("a worker started: %q", booted)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(fmt.Errorf("copy %s: %w", from, err))
	}
}

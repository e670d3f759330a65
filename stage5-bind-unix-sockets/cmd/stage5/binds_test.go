package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"gunicorn-go/shared/testkit"
)

// TestManyBinds: two TCP ports, [::1] and a unix socket served at once,
// all to the same workers, and the start-up line lists every one as
// gunicorn does.
func TestManyBinds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sock := filepath.Join(dir, "app.sock")
	s := startServer(t, startOptions{}, "-w", "2", "-b", "127.0.0.1:0", "-b", "127.0.0.1:0", "-b", "[::1]:0", "-b", "unix:"+sock, "apps:app")
	if len(s.addrs) != 4 || !strings.HasPrefix(s.addrs[0], "http://127.0.0.1:") || !strings.HasPrefix(s.addrs[1], "http://127.0.0.1:") ||
		!strings.HasPrefix(s.addrs[2], "http://[::1]:") || s.addrs[3] != "unix:"+sock || s.addrs[0] == s.addrs[1] {
		t.Fatalf("Listening at: %q", s.addrs)
	}
	workers := map[int]bool{}
	for _, pid := range s.waitWorkers(2) {
		workers[pid] = true
	}
	for _, addr := range s.addrs[:3] {
		for range 3 {
			if r := ask(t, addr, nil); !workers[r.Pid] {
				t.Errorf("%s: answered by pid %d, not one of the workers %v", addr, r.Pid, workers)
			}
		}
	}
	out, code := curl(t, "--unix-socket", sock, "http://localhost/")
	if code != 0 {
		t.Fatalf("curl --unix-socket: exit %d: %s", code, out)
	}
	var r reply
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Pid == 0 {
		t.Fatalf("curl --unix-socket: %q: %v", out, err)
	}
	if !workers[r.Pid] {
		t.Errorf("the unix socket's request went to pid %d, not one of the workers %v", r.Pid, workers)
	}
	if n := len(s.workerPids()); n != 2 {
		t.Errorf("%d workers, want 2: every bind shares them", n)
	}
	s.stop()
}

// TestUnixSocketEnvironLikeGunicorn: over a unix socket, REMOTE_ADDR,
// SERVER_NAME, SERVER_PORT and wsgi.url_scheme are what gunicorn gives the
// same requests; the socket's peer is trusted with X-Forwarded-Proto, as
// gunicorn trusts it.
func TestUnixSocketEnvironLikeGunicorn(t *testing.T) {
	t.Parallel()
	gunicorn := testkit.RequireTool(t, "gunicorn", "gunicorn")
	dir := t.TempDir()
	ours, theirs := filepath.Join(dir, "ours.sock"), filepath.Join(dir, "theirs.sock")
	s := startServer(t, startOptions{}, "-b", "unix:"+ours, "apps:app")
	g := testkit.Start(t, testkit.StartOptions{Dir: testkit.Testdata(t)}, gunicorn, "-b", "unix:"+theirs, "apps:app")
	g.WaitLog("Booting worker", startTimeout)

	requests := []struct {
		name string
		args []string
	}{
		{"Host without a port", []string{"http://example.com/"}},
		{"Host with a port", []string{"http://example.com:81/"}},
		{"from a proxy that says https", []string{"-H", "X-Forwarded-Proto: https", "http://example.com/"}},
		{"no Host (HTTP/1.0)", []string{"-0", "-H", "Host:", "http://example.com/"}},
	}
	fields := func(out string) map[string]any {
		var all map[string]any
		if err := json.Unmarshal([]byte(out), &all); err != nil {
			t.Fatalf("%v in %q", err, out)
		}
		keep := map[string]any{}
		for _, k := range []string{"REMOTE_ADDR", "REMOTE_PORT", "HTTP_HOST", "HTTP_X_FORWARDED_PROTO", "wsgi.url_scheme"} {
			keep[k] = all[k]
		}
		for _, k := range []string{"SERVER_NAME", "SERVER_PORT"} {
			v, _ := all[k].(string)
			keep[k] = strings.ReplaceAll(v, theirs, "SOCKET") // the socket's own path
			keep[k] = strings.ReplaceAll(keep[k].(string), ours, "SOCKET")
		}
		return keep
	}
	for _, rq := range requests {
		t.Run(rq.name, func(t *testing.T) {
			got, code := curl(t, append([]string{"--unix-socket", ours}, rq.args...)...)
			want, code2 := curl(t, append([]string{"--unix-socket", theirs}, rq.args...)...)
			if code != 0 || code2 != 0 {
				t.Fatalf("curl: exit %d (ours) %d (gunicorn): %s / %s", code, code2, got, want)
			}
			g, w := fields(got), fields(want)
			if fmt.Sprint(g) != fmt.Sprint(w) {
				t.Errorf("environ:\n ours     %v\n gunicorn %v", g, w)
			}
		})
	}
	s.stop()
}

// TestInheritedDescriptors: fd://N serves a listening socket someone else
// opened and passed as descriptor N, TCP or unix; a unix one's file is not
// the server's to remove.
func TestInheritedDescriptors(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "passed.sock")
	tcp, tcpURL := listenFile(t, "tcp4", "127.0.0.1:0")
	unix, unixURL := listenFile(t, "unix", sock)
	s := startServer(t, startOptions{extraFiles: []*os.File{tcp, unix}}, "-b", "fd://3", "-b", "fd://4", "apps:app")
	if len(s.addrs) != 2 || s.addrs[0] != tcpURL || s.addrs[1] != unixURL {
		t.Fatalf("Listening at: %q, want %s and %s", s.addrs, tcpURL, unixURL)
	}
	ask(t, tcpURL, nil)
	if out, code := curl(t, "--unix-socket", sock, "http://localhost/"); code != 0 {
		t.Fatalf("curl --unix-socket: exit %d: %s", code, out)
	}
	s.stop()
	if _, err := os.Stat(sock); err != nil {
		t.Errorf("the passed socket's file was removed: %v", err)
	}
}

// TestSystemdActivation: the sockets a service manager passes (descriptors
// 3 and on, LISTEN_FDS of them, LISTEN_PID the server's own pid) are served
// instead of the binds, named in the log by LISTEN_FDNAMES, and the
// variables do not reach the workers. Variables meant for another process
// are ignored, and unset too.
func TestSystemdActivation(t *testing.T) {
	t.Parallel()
	t.Run("for us", func(t *testing.T) {
		t.Parallel()
		sock := filepath.Join(t.TempDir(), "systemd.sock")
		tcp, tcpURL := listenFile(t, "tcp4", "127.0.0.1:0")
		unix, unixURL := listenFile(t, "unix", sock)
		s := startServer(t, startOptions{
			extraFiles: []*os.File{tcp, unix},
			env:        []string{"LISTEN_FDS=2", "LISTEN_FDNAMES=web:local"},
			listenPID:  true,
		}, "-b", "127.0.0.1:1", "apps:app") // a bind systemd's sockets replace
		if len(s.addrs) != 2 || s.addrs[0] != tcpURL || s.addrs[1] != unixURL {
			t.Fatalf("Listening at: %q, want %s and %s", s.addrs, tcpURL, unixURL)
		}
		s.WaitLog("Serving the sockets systemd passed (LISTEN_FDS=2: web, local), not the bind setting", waitTimeout)
		for _, addr := range s.addrs {
			if r := ask(t, addr, nil); len(r.ListenEnv) != 0 {
				t.Errorf("the app sees %v", r.ListenEnv)
			}
		}
		s.stop()
		if _, err := os.Stat(sock); err != nil {
			t.Errorf("systemd's socket file was removed: %v", err)
		}
	})
	t.Run("names that do not match", func(t *testing.T) {
		t.Parallel()
		tcp, _ := listenFile(t, "tcp4", "127.0.0.1:0")
		p := testkit.Start(t, testkit.StartOptions{
			Env:        []string{"LISTEN_FDS=1", "LISTEN_FDNAMES=a:b"},
			ExtraFiles: []*os.File{tcp},
		}, "/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" "$@"`, binary(t), "--chdir", testkit.Testdata(t), "apps:app")
		if code := p.Wait(waitTimeout); code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		if !strings.Contains(p.Stderr.String(), `systemd's LISTEN_FDNAMES="a:b" names 2 descriptors, LISTEN_FDS=1`) {
			t.Errorf("stderr:\n%s", p.Stderr.String())
		}
	})
	t.Run("for another process", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, startOptions{env: []string{"LISTEN_FDS=1", "LISTEN_PID=1"}}, "-b", "127.0.0.1:0", "apps:app")
		if len(s.addrs) != 1 || !strings.HasPrefix(s.addrs[0], "http://127.0.0.1:") {
			t.Fatalf("Listening at: %q: the bind, since the sockets were not for this process", s.addrs)
		}
		if r := ask(t, s.addrs[0], nil); len(r.ListenEnv) != 0 {
			t.Errorf("the app sees %v", r.ListenEnv)
		}
		s.stop()
	})
}

// TestBacklogAndReusePort: backlog is the listen queue ss reports for the
// socket, and reuse_port lets another socket bind the same port with
// SO_REUSEPORT, which the kernel refuses unless the first has it too.
func TestBacklogAndReusePort(t *testing.T) {
	t.Parallel()
	ss := testkit.RequireTool(t, "ss", "iproute2")
	sock := filepath.Join(t.TempDir(), "queue.sock")
	s := startServer(t, startOptions{}, "--backlog", "37", "--reuse-port", "-b", "127.0.0.1:0", "-b", "unix:"+sock, "apps:app")
	port := strings.TrimPrefix(s.addrs[0], "http://127.0.0.1:")
	out, code := testkit.Run(t, waitTimeout, "", ss, "-Hltn", "sport = :"+port)
	// State Recv-Q Send-Q Local Peer: Send-Q is a listener's backlog.
	if f := strings.Fields(out); code != 0 || len(f) < 3 || f[2] != "37" {
		t.Errorf("ss -ltn for port %s: %q, want a backlog (Send-Q) of 37", port, out)
	}
	out, code = testkit.Run(t, waitTimeout, "", ss, "-Hlx", "src", sock)
	if f := strings.Fields(out); code != 0 || len(f) < 4 || f[3] != "37" {
		t.Errorf("ss -lx for %s: %q, want a backlog (Send-Q) of 37", sock, out)
	}

	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, 0xf /* SO_REUSEPORT */, 1) })
		if err != nil {
			return err
		}
		return serr
	}}
	second, err := lc.Listen(t.Context(), "tcp4", "127.0.0.1:"+port)
	if err != nil {
		t.Errorf("a second SO_REUSEPORT socket on the server's port: %v", err)
	} else {
		second.Close()
	}
	s.stop()
}

// TestHostName: a host name listens on every address it resolves to, one
// port for all when the port is 0.
func TestHostName(t *testing.T) {
	t.Parallel()
	addrs, err := net.DefaultResolver.LookupHost(t.Context(), "localhost")
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, startOptions{}, "-b", "localhost:0", "apps:app")
	if len(s.addrs) != len(addrs) {
		t.Fatalf("Listening at: %q; localhost is %q here", s.addrs, addrs)
	}
	port := ""
	for _, a := range s.addrs {
		u := strings.TrimPrefix(a, "http://")
		_, p, err := net.SplitHostPort(u)
		if err != nil || (port != "" && p != port) {
			t.Errorf("Listening at: %q: want one port", s.addrs)
		}
		port = p
		ask(t, a, nil)
	}
	if n, _ := strconv.Atoi(port); n == 0 {
		t.Errorf("port %q", port)
	}
	s.stop()
}

// TestCurlOverUnixSocket is the tutorial's experiment: curl --unix-socket,
// with a proxy's X-Forwarded-Proto believed, and POST reaching the app.
func TestCurlOverUnixSocket(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "app.sock")
	s := startServer(t, startOptions{}, "-b", "unix:"+sock, "apps:app")
	out, code := curl(t, "--unix-socket", sock, "-H", "X-Forwarded-Proto: https", "http://example.com/")
	var r reply
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil || r.Scheme != "https" || str(r.ServerPort) != `"443"` {
		t.Errorf("curl: exit %d, %q (%v)", code, out, err)
	}
	s.stop()
}

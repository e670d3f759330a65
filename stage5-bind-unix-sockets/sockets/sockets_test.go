package sockets

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeEnviron is an environment for Activation.
type fakeEnviron struct {
	vars map[string]string
	pid  int
}

func (e *fakeEnviron) Getenv(k string) string { return e.vars[k] }
func (e *fakeEnviron) Unsetenv(k string)      { delete(e.vars, k) }
func (e *fakeEnviron) Getpid() int            { return e.pid }

// TestActivation follows sd_listen_fds(3): sockets only for the process
// LISTEN_PID names, LISTEN_FDS of them from descriptor 3, named by
// LISTEN_FDNAMES or "unknown"; the variables are unset in every case.
func TestActivation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		vars  map[string]string
		fds   []int
		names []string
		err   string
	}{
		{"nothing", map[string]string{}, nil, nil, ""},
		{"for another process", map[string]string{"LISTEN_PID": "1", "LISTEN_FDS": "2"}, nil, nil, ""},
		{"no pid", map[string]string{"LISTEN_FDS": "2"}, nil, nil, ""},
		{"no count", map[string]string{"LISTEN_PID": "42"}, nil, nil, ""},
		{"zero", map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "0"}, nil, nil, ""},
		{"two, unnamed", map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "2"}, []int{3, 4}, []string{"unknown", "unknown"}, ""},
		{"two, named", map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "web:admin"}, []int{3, 4}, []string{"web", "admin"}, ""},
		{"names not matching", map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "web"}, nil, nil, `LISTEN_FDNAMES="web" names 1 descriptors, LISTEN_FDS=2`},
		{"count not a number", map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "two"}, nil, nil, `LISTEN_FDS="two" is not a number`},
		{"pid not a number", map[string]string{"LISTEN_PID": "me", "LISTEN_FDS": "1"}, nil, nil, `LISTEN_PID="me" is not a process id`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := &fakeEnviron{vars: tc.vars, pid: 42}
			fds, names, err := Activation(env)
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("error %v, want %q", err, tc.err)
			}
			if !slices.Equal(fds, tc.fds) || !slices.Equal(names, tc.names) {
				t.Errorf("fds %v names %q, want %v %q", fds, names, tc.fds, tc.names)
			}
			if len(env.vars) != 0 {
				t.Errorf("left set: %v", env.vars)
			}
		})
	}
}

func TestCipherSuites(t *testing.T) {
	t.Parallel()
	tests := []struct {
		list    string
		suites  []uint16
		warning string // in the warning; "" for none
	}{
		{"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305",
			[]uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, ""},
		{"ECDHE-RSA-AES256-GCM-SHA384, TLS_AES_128_GCM_SHA256", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}, ""},
		{"ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256:!aNULL", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
			"skipped DHE-RSA-AES128-GCM-SHA256:!aNULL (OpenSSL keywords or suites Go's crypto/tls does not have); the TLS 1.2 suites are the others it names"},
		{"HIGH:!aNULL:!MD5", nil, "it names no other: Go's own list of secure suites is used"},
		{"AES128-SHA:ECDHE-RSA-AES128-SHA", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}, "AES128-SHA (suites Go counts insecure)"},
	}
	for _, tc := range tests {
		suites, warning := cipherSuites(tc.list)
		if !slices.Equal(suites, tc.suites) || (tc.warning == "") != (warning == "") || !strings.Contains(warning, tc.warning) {
			t.Errorf("%q: %v %q, want %v and a warning with %q", tc.list, suites, warning, tc.suites, tc.warning)
		}
	}
	for name, id := range opensslSuites {
		if !slices.ContainsFunc(tls.CipherSuites(), func(s *tls.CipherSuite) bool { return s.ID == id }) {
			t.Errorf("%s maps to %#x, which Go does not count secure", name, id)
		}
	}
}

func TestSSLVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		max  uint16
		warn bool
	}{
		{"", 0, false}, {"TLS", 0, false}, {"SSLv23", 0, false}, {"TLS_SERVER", 0, false},
		{"TLSv1_2", tls.VersionTLS12, false}, {"TLSv1", 0, true}, {"TLSv1_1", 0, true}, {"TLS_CLIENT", 0, true},
	} {
		if max, w := sslVersion(tc.name); max != tc.max || (w != "") != tc.warn {
			t.Errorf("%q: max %#x, warning %q", tc.name, max, w)
		}
	}
	if _, w := sslVersion("TLSv1_1"); w != "ssl_version TLSv1_1: TLS 1.1 is older than gunicorn-go's TLS 1.2 minimum; serving TLS 1.2 and later" {
		t.Errorf("warning %q", w)
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files in dir; notAfter sets its expiry.
func writeCert(t *testing.T, dir, name string, notAfter time.Time) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestNewTLS: what loads, and the one-line errors and warnings of what
// does not.
func TestNewTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	later := time.Now().Add(24 * time.Hour)
	cert, key := writeCert(t, dir, "a", later)
	other, otherKey := writeCert(t, dir, "b", later)
	old, oldKey := writeCert(t, dir, "old", time.Now().Add(-24*time.Hour))
	both := filepath.Join(dir, "both.pem") // certificate and key in one file
	if err := os.WriteFile(both, []byte(readFile(t, cert)+readFile(t, key)), 0o600); err != nil {
		t.Fatal(err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    TLSOptions
		err  string // "" to load
		warn string
	}{
		{"certificate and key", TLSOptions{CertFile: cert, KeyFile: key}, "", ""},
		{"both in certfile", TLSOptions{CertFile: both}, "", ""},
		{"client certificates", TLSOptions{CertFile: cert, KeyFile: key, CACerts: other, CertReqs: 2}, "", ""},
		{"expired", TLSOptions{CertFile: old, KeyFile: oldKey}, "", "the certificate expired on"},
		{"old version", TLSOptions{CertFile: cert, KeyFile: key, SSLVersion: "TLSv1"}, "", "older than gunicorn-go's TLS 1.2 minimum"},
		{"no certfile", TLSOptions{KeyFile: key}, "keyfile is set, and certfile is not", ""},
		{"missing", TLSOptions{CertFile: filepath.Join(dir, "none.pem")}, "certfile " + dir + "/none.pem: no such file or directory", ""},
		{"missing, relative", TLSOptions{CertFile: "none.pem"}, "certfile none.pem (" + cwd + "/none.pem): no such file or directory", ""},
		{"key missing", TLSOptions{CertFile: cert}, "certfile " + cert + ": no PEM private key in it, and keyfile is not set", ""},
		{"key not PEM", TLSOptions{CertFile: cert, KeyFile: cert}, "keyfile " + cert + ": no PEM private key in it", ""},
		{"key not the certificate's", TLSOptions{CertFile: cert, KeyFile: otherKey}, "certfile " + cert + ", keyfile " + otherKey + ": tls: private key does not match public key", ""},
		{"ca_certs not PEM", TLSOptions{CertFile: cert, KeyFile: key, CACerts: key, CertReqs: 1}, "ca_certs " + key + ": no PEM certificate in it", ""},
		{"cert_reqs without ca_certs", TLSOptions{CertFile: cert, KeyFile: key, CertReqs: 1}, "cert_reqs 1: ca_certs is not set", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tl, warnings, err := NewTLS(tc.o)
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
			if w := strings.Join(warnings, "\n"); (tc.warn == "") != (w == "") || !strings.Contains(w, tc.warn) {
				t.Errorf("warnings %q, want %q", warnings, tc.warn)
			}
			if err == nil && (tl.Config().GetConfigForClient == nil || tl.current.Load().MinVersion != tls.VersionTLS12) {
				t.Errorf("config %+v", tl.current.Load())
			}
		})
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestUnixSocketFile: a stale file is replaced, a live socket and a file
// that is not a socket are refused, and a closing listener removes its
// file but not one another server has put in its place.
func TestUnixSocketFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	path := filepath.Join(dir, "s.sock")

	lns, err := Listen(ctx, Options{Binds: []string{"unix:" + path}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(ctx, Options{Binds: []string{"unix:" + path}}); err == nil || !strings.Contains(err.Error(), "another server is listening on "+path) {
		t.Errorf("a second server on a live socket: %v", err)
	}
	// The first server dies without closing: its file is stale.
	lns[0].(*unixListener).UnixListener.Close()
	var infos []string
	lns2, err := Listen(ctx, Options{Binds: []string{"unix:" + path}, Infof: func(f string, a ...any) { infos = append(infos, f) }})
	if err != nil {
		t.Fatalf("a stale socket file: %v", err)
	}
	if len(infos) != 1 || !strings.HasPrefix(infos[0], "Removed the stale socket file") {
		t.Errorf("logged %q", infos)
	}
	// Another server takes the path (it was told the old file was stale):
	// closing ours leaves its file alone.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	theirs, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer theirs.Close()
	lns2[0].Close()
	if _, err := os.Lstat(path); err != nil {
		t.Errorf("closing our listener removed the other server's file: %v", err)
	}

	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(ctx, Options{Binds: []string{"unix:" + plain}}); err == nil || !strings.Contains(err.Error(), "exists and is not a socket") {
		t.Errorf("a plain file: %v", err)
	}
	mine := filepath.Join(dir, "mine.sock")
	lns3, err := Listen(ctx, Options{Binds: []string{"unix:" + mine}})
	if err != nil {
		t.Fatal(err)
	}
	lns3[0].Close()
	if _, err := os.Lstat(mine); !os.IsNotExist(err) {
		t.Errorf("closing removed no file: %v", err)
	}
}

// TestInheritedNotAListener: a descriptor passed as a socket must be a
// listening stream socket.
func TestInheritedNotAListener(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	udp, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(udp)
	tcp, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(tcp)
	for _, tc := range []struct {
		fd   int
		want string
	}{
		{int(r.Fd()), "is not a socket"},
		{udp, "is not a stream socket"},
		{tcp, "does not listen (systemd's Accept=yes passes connections; use Accept=no)"},
		{1 << 20, "is not open"},
	} {
		if _, err := inherited(tc.fd, "bind fd://N"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("fd %d: %v, want %q", tc.fd, err, tc.want)
		}
	}
}

// TestKeepFileAndAdopt: a master handing its socket over keeps the file
// (KeepFile); the master taking it over (Adopt) removes it as it closes,
// once, and only while it is still the file it was handed.
func TestKeepFileAndAdopt(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.sock")
	lns, err := Listen(context.Background(), Options{Binds: []string{"unix:" + path}, Environ: &fakeEnviron{}})
	if err != nil {
		t.Fatal(err)
	}
	file, err := lns[0].(interface{ File() (*os.File, error) }).File()
	if err != nil {
		t.Fatal(err)
	}
	lns[0].(FileKeeper).KeepFile()
	lns[0].Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("after KeepFile and Close: %v, want the file kept", err)
	}

	inherited, err := net.FileListener(file) // as the new master gets it
	file.Close()
	if err != nil {
		t.Fatal(err)
	}
	adopted := Adopt(inherited, t.Logf)
	if _, ok := adopted.(FileKeeper); !ok {
		t.Fatalf("Adopt returned %T, want a FileKeeper", adopted)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("the socket handed over does not answer: %v", err)
	}
	c.Close()
	adopted.Close()
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Fatalf("after the adopted listener closed: %v, want the file removed", err)
	}

	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	if got := Adopt(tcp, nil); got != tcp {
		t.Errorf("Adopt(a TCP listener) = %T, want it unchanged", got)
	}
}

package main

// Helpers for stage 5's end-to-end tests: each runs the real stage5 binary
// with real Python workers, and talks to it with curl, Go's HTTP client,
// openssl's certificates and nginx, as an operator's tools would.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// Generous limits: they only bound a test that went wrong. No test
// measures time.
const (
	startTimeout = 60 * time.Second
	waitTimeout  = 60 * time.Second
)

func binary(t testing.TB) string {
	t.Helper()
	return testkit.Binary(t, "stage5-bind-unix-sockets/cmd/stage5")
}

// systemPython is Debian's interpreter: a user the server drops to can run
// it (a version manager's python under /root it could not), and it has
// Django when python3-django is installed.
func systemPython(t testing.TB) string {
	t.Helper()
	const p = "/usr/bin/python3"
	if _, err := os.Stat(p); err != nil {
		testkit.Missing(t, p, "python3")
	}
	return p
}

// sharedDir is a temporary directory other users may enter: the workers
// after a privilege drop, and nginx's, reach the socket files in it.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // the test's own directory is 0700
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startOptions are startServer's optional settings.
type startOptions struct {
	env        []string
	extraFiles []*os.File // descriptors 3, 4…
	// listenPID runs the server through sh, which execs it with LISTEN_PID
	// set to its own pid, as systemd sets it after forking.
	listenPID bool
}

// server is a running stage5.
type server struct {
	*testkit.Proc
	t     testing.TB
	addrs []string // the start-up line's addresses: "http://127.0.0.1:PORT", "unix:PATH"
}

// startServer starts stage5 with args (the app last), its workers running
// this package's test apps, and waits until it listens.
func startServer(t testing.TB, o startOptions, args ...string) *server {
	t.Helper()
	all := append([]string{"--python", systemPython(t), "--chdir", testkit.Testdata(t)}, args...)
	bin := binary(t)
	if o.listenPID {
		all = append([]string{"-c", `LISTEN_PID=$$ exec "$0" "$@"`, bin}, all...)
		bin = "/bin/sh"
	}
	p := testkit.Start(t, testkit.StartOptions{
		Env:        append([]string{"PYTHONDONTWRITEBYTECODE=1"}, o.env...),
		ExtraFiles: o.extraFiles,
	}, bin, all...)
	s := &server{Proc: p, t: t}
	line := p.WaitLog("Listening at: ", startTimeout)
	s.addrs = listeningAt(line)
	return s
}

// listeningAt reads the addresses of a "Listening at: A, B (pid)" line.
func listeningAt(line string) []string {
	_, rest, _ := strings.Cut(line, "Listening at: ")
	if i := strings.LastIndex(rest, " ("); i >= 0 {
		rest = rest[:i]
	}
	return strings.Split(rest, ", ")
}

// stop sends TERM and waits for a clean exit.
func (s *server) stop() {
	s.t.Helper()
	s.Signal(syscall.SIGTERM)
	if code := s.Wait(waitTimeout); code != 0 {
		s.t.Fatalf("exit %d after TERM\n%s", code, s.Stderr.String())
	}
}

// reply is what testdata/apps.py answers.
type reply struct {
	RemoteAddr     *string  `json:"REMOTE_ADDR"`
	RemotePort     *string  `json:"REMOTE_PORT"`
	ServerName     *string  `json:"SERVER_NAME"`
	ServerPort     *string  `json:"SERVER_PORT"`
	Host           *string  `json:"HTTP_HOST"`
	ForwardedProto *string  `json:"HTTP_X_FORWARDED_PROTO"`
	Scheme         string   `json:"wsgi.url_scheme"`
	Pid            int      `json:"pid"`
	UID            int      `json:"uid"`
	GID            int      `json:"gid"`
	ListenEnv      []string `json:"listen_env"`
}

// client is an HTTP client for addr, one of the start-up line's: TCP, or a
// unix socket (its requests say Host: localhost).
func client(addr string, tlsConfig *http.Transport) (*http.Client, string) {
	tr := &http.Transport{DisableKeepAlives: true}
	if tlsConfig != nil {
		tr = tlsConfig
	}
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
		return &http.Client{Transport: tr, Timeout: waitTimeout}, "http://localhost"
	}
	return &http.Client{Transport: tr, Timeout: waitTimeout}, addr
}

// ask requests / at addr and decodes the answer; header, when not nil, is
// added to the request.
func ask(t testing.TB, addr string, header http.Header) reply {
	t.Helper()
	c, base := client(addr, nil)
	return askWith(t, c, base, header)
}

func askWith(t testing.TB, c *http.Client, base string, header http.Header) reply {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s/: %v", base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s/: %d %q %v", base, resp.StatusCode, body, err)
	}
	var r reply
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("GET %s/: %v in %q", base, err, body)
	}
	return r
}

// curl runs curl with args and returns its output and exit code.
func curl(t testing.TB, args ...string) (string, int) {
	t.Helper()
	bin := testkit.RequireTool(t, "curl", "curl")
	return testkit.Run(t, waitTimeout, "", bin, append([]string{"-sS", "--max-time", "30"}, args...)...)
}

// workerPids returns the pids of the master's live workers.
func (s *server) workerPids() []int { return testkit.Workers(s.masterPid()) }

// waitWorkers waits until the master has n workers that have loaded the
// app, and returns their pids.
func (s *server) waitWorkers(n int) []int {
	s.t.Helper()
	var pids []int
	testkit.WaitFor(s.t, fmt.Sprintf("%d workers", n), waitTimeout, func() bool {
		pids = s.workerPids()
		return len(pids) == n && len(s.Lines("Booting worker with pid")) >= n
	})
	return pids
}

// masterPid is the master's pid: the process started, which sh replaced
// with exec.
func (s *server) masterPid() int { return s.Pid() }

// socketPair is a listening socket the test makes and passes on, as a
// service manager would: its file, for ExtraFiles, and where it listens.
func listenFile(t testing.TB, network, addr string) (*os.File, string) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	var f *os.File
	switch l := ln.(type) {
	case *net.TCPListener:
		f, err = l.File()
	case *net.UnixListener:
		l.SetUnlinkOnClose(false) // the file stays: as systemd's does
		f, err = l.File()
	}
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // f is a duplicate, and keeps the socket
	t.Cleanup(func() { f.Close() })
	if network == "unix" {
		return f, "unix:" + addr
	}
	return f, "http://" + ln.Addr().String()
}

// freePort returns a TCP port nothing listens on now, on 127.0.0.1.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// str is a pointer's string, "<none>" for nil, for messages.
func str(p *string) string {
	if p == nil {
		return "<none>"
	}
	return fmt.Sprintf("%q", *p)
}

package main

import (
	"bufio"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

// waitServing waits until the server, started with --log-level debug, has
// read the request for path: it is in flight from then on.
func (s *liveServer) waitServing(path string) {
	s.t.Helper()
	s.WaitLog("[DEBUG] GET "+path+"\n", ioTimeout)
}

// TestTermIsGraceful sends TERM while a slow request is in flight: the
// request completes with 200, an idle keep-alive connection is closed, new
// connections are refused, and the process exits 0.
func TestTermIsGraceful(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		body string
	}{
		{"go", []string{"go:slow"}, "done\n"},
		{"python", testApps(t, "slow"), "slow done\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, append([]string{"--log-level", "debug"}, tc.args...)...)

			// An idle keep-alive connection.
			idle := s.dial()
			write(t, idle, "GET /?ms=0 HTTP/1.1\r\nHost: x\r\n\r\n")
			idleBr := bufio.NewReader(idle)
			if resp := readResponse(t, idleBr, "GET"); resp.StatusCode != 200 {
				t.Fatalf("idle connection's request: %d", resp.StatusCode)
			}
			runners := s.children()
			if tc.name == "python" && len(runners) == 0 {
				t.Fatal("no app runner process under the server")
			}

			// A request in flight.
			busy := s.dial()
			write(t, busy, "GET /busy?ms=2000 HTTP/1.1\r\nHost: x\r\n\r\n")
			s.waitServing("/busy")

			s.Signal(syscall.SIGTERM)
			expectClosed(t, idle, idleBr)
			s.WaitLog("Handling signal: term", ioTimeout)
			waitRefused(t, s)

			resp := readResponse(t, bufio.NewReader(busy), "GET")
			if resp.StatusCode != 200 || string(resp.Body) != tc.body {
				t.Errorf("in-flight request: %d %q, want 200 %q", resp.StatusCode, resp.Body, tc.body)
			}
			if !resp.headerLine("Connection", "close") {
				t.Errorf("a response during shutdown must close:\n%s", resp.Head)
			}
			if code := s.Wait(ioTimeout); code != 0 {
				t.Errorf("exit code %d, want 0", code)
			}
			for _, pid := range runners {
				if alive(t, pid) {
					t.Errorf("app runner %s still running after the server exited", pid)
				}
			}
		})
	}
}

// TestQuickStop sends INT or QUIT while a long request is in flight: the
// server exits 0 at once, cutting the request.
func TestQuickStop(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			s := startServer(t, "--log-level", "debug", "go:slow")
			busy := s.dial()
			// Far longer than the test: the server must not wait for it.
			write(t, busy, "GET /busy?ms=600000 HTTP/1.1\r\nHost: x\r\n\r\n")
			s.waitServing("/busy")
			s.Signal(sig)
			if code := s.Wait(ioTimeout); code != 0 {
				t.Errorf("exit code %d, want 0", code)
			}
			br := bufio.NewReader(busy)
			if line, err := br.ReadString('\n'); err == nil {
				t.Errorf("the cut request got an answer: %q", line)
			}
		})
	}
}

// waitRefused dials until the server refuses connections, which it must do
// once TERM has closed its listener, while still finishing requests.
func waitRefused(t *testing.T, s *liveServer) {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for {
		nc, err := net.Dial("tcp", s.Addr)
		if err != nil {
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Fatalf("dial after TERM: %v, want connection refused", err)
			}
			return
		}
		nc.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections after TERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether process pid (as children lists it) still runs.
func alive(t *testing.T, pid string) bool {
	t.Helper()
	n, err := strconv.Atoi(pid)
	if err != nil {
		t.Fatalf("pid %q: %v", pid, err)
	}
	return testkit.Running(n)
}

// TestUSR1ReopensLogs rotates both log files as logrotate does (rename, then
// USR1): the lines after the signal go to new files at the old paths.
func TestUSR1ReopensLogs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	errPath, accessPath := filepath.Join(dir, "error.log"), filepath.Join(dir, "access.log")
	s := startLoggingTo(t, errPath, "--access-logfile", accessPath, "go:hello")
	s.roundTrip("GET /before HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
	waitLines(t, func() string { return readFile(accessPath) }, "GET /before ", 1)
	for _, p := range []string{errPath, accessPath} {
		if err := os.Rename(p, p+".1"); err != nil {
			t.Fatal(err)
		}
	}
	s.Signal(syscall.SIGUSR1)
	waitLines(t, func() string { return readFile(errPath + ".1") }, "[INFO] Handling signal: usr1", 1)
	// Reopening creates the file: it exists once the signal has been handled.
	waitLines(t, func() string {
		if _, err := os.Stat(accessPath); err != nil {
			return ""
		}
		return "reopened"
	}, "reopened", 1)
	s.roundTrip("GET /after HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
	if lines := waitLines(t, func() string { return readFile(accessPath) }, "GET /after ", 1); len(lines) != 1 {
		t.Errorf("the new access log has no line for /after:\n%s", readFile(accessPath))
	}
	if old := readFile(accessPath + ".1"); !strings.Contains(old, "GET /before ") || strings.Contains(old, "GET /after ") {
		t.Errorf("the rotated access log should hold /before only:\n%s", old)
	}
	s.Signal(syscall.SIGTERM)
	if code := s.Wait(ioTimeout); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if lines := waitLines(t, func() string { return readFile(errPath) }, "[INFO] Shutting down: Master", 1); len(lines) != 1 {
		t.Errorf("the new error log has no shutdown line:\n%s", readFile(errPath))
	}
}

// TestWorkerSignalsDoNotStopTheServer: HUP, TTIN, TTOU and USR2, which
// gunicorn's master uses to manage its workers, are logged and ignored by a
// single worker; Go's default would have ended (or stopped) the process.
func TestWorkerSignalsDoNotStopTheServer(t *testing.T) {
	t.Parallel()
	s := startServer(t, "go:hello")
	for _, sig := range []struct {
		sig  syscall.Signal
		name string
	}{{syscall.SIGHUP, "hup"}, {syscall.SIGTTIN, "ttin"}, {syscall.SIGTTOU, "ttou"}, {syscall.SIGUSR2, "usr2"}} {
		s.Signal(sig.sig)
		s.WaitLog("[INFO] Handling signal: "+sig.name, ioTimeout)
		s.WaitLog("[WARNING] "+sig.name+": ", ioTimeout)
		if resp := s.roundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET"); resp.StatusCode != 200 {
			t.Errorf("after %s: GET / = %d, want 200", sig.name, resp.StatusCode)
		}
	}
}

// TestSignalsWhileLoading: signals that come while the app is still being
// imported (a big Django project takes seconds) are handled as when serving:
// HUP and TTIN are logged and ignored, TERM stops the server at once and
// kills the half-loaded app.
func TestSignalsWhileLoading(t *testing.T) {
	t.Parallel()
	mark := filepath.Join(t.TempDir(), "importing")
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	s := startServerWith(t, testkit.StartOptions{Env: []string{"SLOWIMPORT_MARK=" + mark}}, "--chdir", dir, "slowimport:app")
	runner := testkit.WaitPidFile(t, mark, startTimeout)
	for _, sig := range []struct {
		sig  syscall.Signal
		name string
	}{{syscall.SIGHUP, "hup"}, {syscall.SIGTTIN, "ttin"}} {
		s.Signal(sig.sig)
		s.WaitLog("[WARNING] "+sig.name+": ", ioTimeout)
		if state := testkit.ProcState(s.Pid()); state == "T" || state == "" {
			t.Fatalf("after %s the server is in state %q", sig.name, state)
		}
	}
	s.Signal(syscall.SIGTERM)
	if code := s.Wait(ioTimeout); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	s.WaitLog("[INFO] Shutting down: Master", ioTimeout)
	if testkit.Running(runner) {
		t.Errorf("the runner loading the app (pid %d) outlived the server", runner)
	}
}

// TestStopKillsTheApp: when the server stops at once (INT), or when TERM's
// graceful timeout runs out, an app still working is killed, not asked to
// stop and waited for: the app below ignores TERM and would hold the server
// up.
func TestStopKillsTheApp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sig  syscall.Signal
		args []string
	}{
		{syscall.SIGINT, nil},
		{syscall.SIGTERM, []string{"--graceful-timeout", "1"}},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			t.Parallel()
			mark := filepath.Join(t.TempDir(), "serving")
			s := startServer(t, append(tc.args, testApps(t, "stubborn")...)...)
			busy := s.dial()
			write(t, busy, "GET /?mark="+mark+" HTTP/1.1\r\nHost: x\r\n\r\n")
			runner := testkit.WaitPidFile(t, mark, startTimeout)
			s.Signal(tc.sig)
			if code := s.Wait(ioTimeout); code != 0 {
				t.Errorf("exit code %d, want 0", code)
			}
			if testkit.Running(runner) {
				t.Errorf("the app's runner (pid %d) outlived the server", runner)
			}
			if _, err := os.Stat(mark + ".term"); err == nil {
				t.Errorf("the app was sent TERM and waited for; it must be killed")
			}
		})
	}
}

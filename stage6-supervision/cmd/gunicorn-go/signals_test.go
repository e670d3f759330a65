package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"gunicorn-go/shared/testkit"
)

// TestReloadUnderLoad: HUP, while keep-alive clients keep asking and the
// app's code has changed on disk, switches the answers to the new code
// with no request failing, and the master keeps its pid and pid file.
func TestReloadUnderLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidPath := filepath.Join(dir, "app.pid")
	writeFile(t, dir, "versioned.py", versioned("one"))
	s := startServer(t, startOptions{dir: dir}, "-w", "2", "-b", "127.0.0.1:0", "--pid", pidPath, "versioned:app")
	l := startLoad(s.url+"/", 4)
	l.waitFor(t, "answers from the first version", func(l *load) bool { return l.versions["one"] > 20 })
	writeFile(t, dir, "versioned.py", versioned("two-two"))
	s.Signal(syscall.SIGHUP)
	s.WaitLog("Reload done", waitTimeout)
	l.waitFor(t, "answers from the second version", func(l *load) bool { return l.versions["two-two"] > 50 })
	l.end()
	if failed, how := l.failed(); failed {
		t.Errorf("requests failed during the reload: %s", how)
	} else {
		t.Logf("HUP under load: %s", how)
	}
	if got := readPid(pidPath); got != s.Pid() {
		t.Errorf("pid file holds %d after HUP, want %d", got, s.Pid())
	}
	s.Signal(syscall.SIGTERM)
	if code := s.Wait(waitTimeout); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if _, err := os.Stat(pidPath); !os.IsNotExist(err) {
		t.Errorf("pid file left at exit: %v", err)
	}
}

// TestReopenLogs: logrotate moves the log files aside, then USR1 makes the
// master write new ones (error log and access log), while the moved files
// keep what was written before.
func TestReopenLogs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	errLog, accessLog := filepath.Join(dir, "error.log"), filepath.Join(dir, "access.log")
	p := testkit.Start(t, testkit.StartOptions{Dir: dir}, binary(t), "--python", testkit.RealPython(t), "-b", "127.0.0.1:0",
		"--error-logfile", errLog, "--access-logfile", accessLog, "--chdir", testkit.Testdata(t), "apps:app")
	var addr string
	testkit.WaitFor(t, "the server to listen", startTimeout, func() bool {
		b, _ := os.ReadFile(errLog)
		if _, rest, ok := strings.Cut(string(b), "Listening at: "); ok {
			addr, _, _ = strings.Cut(rest, " ")
			return true
		}
		return false
	})
	s := &server{Proc: p, t: t, url: addr}
	s.mustGet("/before")
	for _, f := range []string{errLog, accessLog} {
		if err := os.Rename(f, f+".1"); err != nil {
			t.Fatal(err)
		}
	}
	s.mustGet("/moved") // written to the moved file, which the master still holds
	s.Signal(syscall.SIGUSR1)
	testkit.WaitFor(t, "a new error log", waitTimeout, func() bool { _, err := os.Stat(errLog); return err == nil })
	s.mustGet("/after")
	testkit.WaitFor(t, "the request in the new access log", waitTimeout, func() bool {
		b, _ := os.ReadFile(accessLog)
		return strings.Contains(string(b), "GET /after")
	})
	old, _ := os.ReadFile(accessLog + ".1")
	if !strings.Contains(string(old), "GET /before") || !strings.Contains(string(old), "GET /moved") || strings.Contains(string(old), "GET /after") {
		t.Errorf("the moved access log:\n%s", old)
	}
	s.Signal(syscall.SIGTERM)
	s.Wait(waitTimeout)
	b, _ := os.ReadFile(errLog)
	if !strings.Contains(string(b), "Shutting down: Master") {
		t.Errorf("the new error log:\n%s", b)
	}
}

// TestPidFileRefused: a pid file naming a live process stops the start,
// as gunicorn's does; a stale one is replaced.
func TestPidFileRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidPath := writeFile(t, dir, "app.pid", strconv.Itoa(os.Getpid())+"\n")
	out, code := testkit.Run(t, waitTimeout, dir, binary(t), "-b", "127.0.0.1:0", "--pid", pidPath, "go:hello")
	if want := "Error: pidfile: already running on PID " + strconv.Itoa(os.Getpid()) + " (or pid file " + pidPath + " is stale)"; code != 1 || !strings.Contains(out, want) {
		t.Errorf("exit %d, output:\n%s\nwant exit 1 and %q", code, out, want)
	}
	writeFile(t, dir, "app.pid", "999999999\n")
	s := startServer(t, startOptions{dir: dir}, "-b", "127.0.0.1:0", "--pid", "app.pid", "go:hello")
	if got := readPid(pidPath); got != s.Pid() {
		t.Errorf("a stale pid file: now holds %d, want %d", got, s.Pid())
	}
	s.Signal(syscall.SIGTERM)
	s.Wait(waitTimeout)
}

// TestDaemon: -D returns once the master serves, detached (a session of
// its own, its parent gone), its pid in the pid file; a daemon whose app
// cannot load makes the command fail with the master's exit code.
func TestDaemon(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidPath := filepath.Join(dir, "app.pid")
	errLog := filepath.Join(dir, "error.log")
	out, code := testkit.Run(t, waitTimeout, dir, binary(t), "-D", "--python", testkit.RealPython(t), "-b", "127.0.0.1:0",
		"--pid", pidPath, "--error-logfile", errLog, "--chdir", testkit.Testdata(t), "apps:app")
	pid := readPid(pidPath)
	if pid > 0 {
		killLater(t, pid)
	}
	if code != 0 || pid == 0 {
		t.Fatalf("gunicorn-go -D: exit %d, pid file %d; output:\n%s", code, pid, out)
	}
	if sid, _, _ := syscall.RawSyscall(syscall.SYS_GETSID, uintptr(pid), 0, 0); int(sid) != pid {
		t.Errorf("the daemon's session %d, want its own (%d)", sid, pid)
	}
	b, _ := os.ReadFile(errLog)
	_, rest, _ := strings.Cut(string(b), "Listening at: ")
	addr, _, _ := strings.Cut(rest, " ")
	s := &server{t: t, url: addr}
	if a := s.mustGet("/"); a.Ppid != pid {
		t.Errorf("answered by a worker of %d, want the daemon %d", a.Ppid, pid)
	}
	stopPid(t, pid)

	out, code = testkit.Run(t, waitTimeout, dir, binary(t), "-D", "--python", testkit.RealPython(t), "-b", "127.0.0.1:0",
		"--error-logfile", errLog, "--chdir", testkit.Testdata(t), "apps:nope")
	if code != 4 || !strings.Contains(out, "exited before it was ready: exit status 4; its error log says why") {
		t.Errorf("gunicorn-go -D with an app that does not load: exit %d, output:\n%s", code, out)
	}
}

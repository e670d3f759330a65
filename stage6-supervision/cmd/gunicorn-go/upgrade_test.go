package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"gunicorn-go/shared/testkit"
)

// TestUpgradeUnderLoad: one USR2, while keep-alive clients keep asking, is
// the whole upgrade: a new master from the binary on disk (replaced
// meanwhile, as a deploy replaces it) serves on the same sockets, its pid
// in the pid file (FILE.2 until the old master is gone), the old master
// exits, the unix socket's file stays, and no request fails. The socket
// file goes when the new master stops.
func TestUpgradeUnderLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := copyBinary(t, dir)
	pidPath := filepath.Join(dir, "app.pid")
	sock := filepath.Join(dir, "app.sock")
	writeFile(t, dir, "versioned.py", versioned("one"))
	old := startServer(t, startOptions{bin: bin, dir: dir}, "-w", "2", "-b", "127.0.0.1:0", "-b", "unix:"+sock, "--pid", pidPath, "versioned:app")
	if got := readPid(pidPath); got != old.Pid() {
		t.Fatalf("pid file holds %d, want the master's %d", got, old.Pid())
	}
	l := startLoad(old.url+"/", 4)
	l.waitFor(t, "answers from the first version", func(l *load) bool { return l.versions["one"] > 20 })

	// The deploy: new code, and a new binary written in place of the old.
	writeFile(t, dir, "versioned.py", versioned("two-two"))
	copyBinary(t, dir)
	old.Signal(syscall.SIGUSR2)
	line := old.WaitLog("USR2: started a new master (pid ", waitTimeout)
	newPid, _ := strconv.Atoi(strings.TrimSuffix(strings.Fields(strings.SplitN(line, "(pid ", 2)[1])[0], ")"))
	killLater(t, newPid)
	// The old master exits; its stderr stays open in the new master, so it
	// is waited for by pid, not by its output's end.
	waitGone(t, old.Pid())
	old.WaitLog("["+strconv.Itoa(old.Pid())+"] [INFO] Shutting down: Master", waitTimeout)
	testkit.WaitFor(t, "the new master's pid in FILE, and FILE.2 gone", waitTimeout, func() bool {
		_, err := os.Stat(pidPath + ".2")
		return readPid(pidPath) == newPid && os.IsNotExist(err)
	})
	l.waitFor(t, "answers from the new master", func(l *load) bool { return l.versions["two-two"] > 50 && l.lastPpid != old.Pid() })
	l.end()
	if failed, how := l.failed(); failed {
		t.Errorf("requests failed during the upgrade: %s", how)
	} else {
		t.Logf("USR2 under load: %s; answers by master %v", how, l.masters)
	}
	for _, want := range []string{
		"Serving the 2 socket(s) the old master (pid " + strconv.Itoa(old.Pid()) + ") handed over (USR2), not the bind setting",
		"The new master (pid " + strconv.Itoa(newPid) + ") serves: this master stops accepting and finishes its requests",
		"Master has been promoted",
	} {
		old.WaitLog(want, waitTimeout) // the new master logs to the same stderr
	}
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("the unix socket after the upgrade: %v", err)
	}
	c.Close()
	stopPid(t, newPid)
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("the new master left its socket file at exit: %v", err)
	}
	if _, err := os.Stat(pidPath); !os.IsNotExist(err) {
		t.Errorf("the new master left its pid file at exit: %v", err)
	}
}

// TestUpgradeFails: a new master that cannot serve leaves the old one
// serving, and the log says why: a binary that is not one, and an app that
// no longer loads. USR2 can be tried again after each.
func TestUpgradeFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := copyBinary(t, dir)
	pidPath := filepath.Join(dir, "app.pid")
	writeFile(t, dir, "versioned.py", versioned("one"))
	s := startServer(t, startOptions{bin: bin, dir: dir}, "-b", "127.0.0.1:0", "--pid", pidPath, "versioned:app")
	s.mustGet("/")

	os.Remove(bin)
	if err := os.Chmod(writeFile(t, dir, "gunicorn-go", "not a binary\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.Signal(syscall.SIGUSR2)
	s.WaitLog("USR2: the new master could not be started; this master serves on: upgrade: fork/exec "+bin+": exec format error", waitTimeout)
	if a := s.mustGet("/"); a.Version != "one" || a.Ppid != s.Pid() {
		t.Errorf("after a bad binary: %+v", a)
	}

	copyBinary(t, dir)
	writeFile(t, dir, "versioned.py", "raise ImportError('the new code is broken')\n")
	s.Signal(syscall.SIGUSR2)
	s.WaitLog("ImportError: the new code is broken", waitTimeout)
	s.WaitLog("exited before it was ready: exit status 4; this master serves on", waitTimeout)
	if a := s.mustGet("/"); a.Version != "one" || a.Ppid != s.Pid() {
		t.Errorf("after a broken app: %+v", a)
	}
	if got := readPid(pidPath); got != s.Pid() {
		t.Errorf("pid file holds %d, want the old master's %d", got, s.Pid())
	}
	if _, err := os.Stat(pidPath + ".2"); !os.IsNotExist(err) {
		t.Errorf("the failed master left %s.2: %v", pidPath, err)
	}
	s.Signal(syscall.SIGTERM)
	if code := s.Wait(waitTimeout); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

// TestUpgradeManualAndIgnored: gunicorn's manual sequence, USR2 then WINCH
// and QUIT to the old master, upgrades too; a second USR2 to the old
// master ("Child exists") and a USR2 to the new one while the old one
// finishes a slow request ("Parent exists") are ignored with gunicorn's
// warnings; the slow request is answered.
func TestUpgradeManualAndIgnored(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidPath := filepath.Join(dir, "app.pid")
	old := startServer(t, startOptions{dir: dir}, "-b", "127.0.0.1:0", "--threads", "2", "--keep-alive", "60", "--pid", pidPath, "--chdir", testkit.Testdata(t), "apps:app")
	// An idle keep-alive connection keeps the old master draining (for
	// up to keep-alive) after its last request: QUIT finds it there.
	idle, err := net.Dial("tcp", strings.TrimPrefix(old.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	fmt.Fprintf(idle, "GET / HTTP/1.1\r\nHost: test\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	running := t.TempDir()
	slow := make(chan int, 1)
	go func() {
		status, _, err := get(&http.Client{Timeout: waitTimeout}, old.url+"/sleep?"+running+"&3")
		if err != nil {
			t.Errorf("the slow request: %v", err)
		}
		slow <- status
	}()
	testkit.WaitFor(t, "the slow request to run", waitTimeout, func() bool {
		entries, _ := os.ReadDir(running)
		return len(entries) == 1
	})

	old.Signal(syscall.SIGUSR2)
	old.WaitLog("USR2: started a new master", waitTimeout)
	old.Signal(syscall.SIGUSR2) // a second one: not merged with the first, which the master has taken
	old.WaitLog("USR2 signal ignored. Child exists.", waitTimeout)
	testkit.WaitFor(t, "the new master's pid file", waitTimeout, func() bool { return readPid(pidPath+".2") > 0 })
	newPid := readPid(pidPath + ".2")
	killLater(t, newPid)
	old.WaitLog("["+strconv.Itoa(newPid)+"] [INFO] Telling the old master", waitTimeout)
	old.WaitLog("serves: this master stops accepting", waitTimeout)
	if err := syscall.Kill(newPid, syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	old.WaitLog("["+strconv.Itoa(newPid)+"] [WARNING] USR2 signal ignored. Parent exists.", waitTimeout)
	old.Signal(syscall.SIGWINCH)
	old.WaitLog("WINCH: the new master (pid "+strconv.Itoa(newPid)+") serves; this master is finishing its requests", waitTimeout)
	if status := <-slow; status != 200 {
		t.Errorf("the slow request in flight during the upgrade: %d", status)
	}
	old.Signal(syscall.SIGQUIT)
	waitGone(t, old.Pid())
	testkit.WaitFor(t, "the new master's pid in the pid file", waitTimeout, func() bool { return readPid(pidPath) == newPid })
	s := &server{Proc: old.Proc, t: t, url: old.url}
	if a := s.mustGet("/"); a.Ppid != newPid {
		t.Errorf("after the upgrade, answered by a worker of %d, want %d", a.Ppid, newPid)
	}
	stopPid(t, newPid)
}

// TestUpgradeSystemdSockets: sockets systemd passed (LISTEN_FDS) go to the
// new master like the master's own, and their file stays systemd's: no
// master removes it, not even the new one when it stops.
func TestUpgradeSystemdSockets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "activated.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	f, err := ln.File()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	pidPath := filepath.Join(dir, "app.pid")
	// sh execs the server with LISTEN_PID its own pid, as systemd sets it
	// after forking.
	p := testkit.Start(t, testkit.StartOptions{Dir: dir, Env: []string{"LISTEN_FDS=1"}, ExtraFiles: []*os.File{f}},
		"/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" "$@"`, binary(t), "--pid", pidPath, "go:hello")
	f.Close()
	p.WaitLog("Serving the sockets systemd passed (LISTEN_FDS=1", startTimeout)
	p.WaitLog("Listening at: unix:"+path, startTimeout)
	p.Signal(syscall.SIGUSR2)
	line := p.WaitLog("USR2: started a new master (pid ", waitTimeout)
	_, rest, _ := strings.Cut(line, "(pid ")
	pidText, _, _ := strings.Cut(rest, ")")
	newPid, _ := strconv.Atoi(pidText)
	killLater(t, newPid)
	waitGone(t, p.Pid())
	testkit.WaitFor(t, "the new master's pid in the pid file", waitTimeout, func() bool { return readPid(pidPath) == newPid })
	resp, err := unixClient(path).Get("http://localhost/")
	if err != nil {
		t.Fatalf("systemd's socket after the upgrade: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("systemd's socket after the upgrade: %s", resp.Status)
	}
	stopPid(t, newPid)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("systemd's socket file was removed: %v", err)
	}
}

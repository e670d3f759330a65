package main

import (
	"fmt"
	"gunicorn-go/shared/testkit"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// notifySocket plays systemd's side of sd_notify: a unixgram socket in a
// temp dir, whose datagrams arrive on the channel, WATCHDOG=1 pings left
// out unless watchdog.
func notifySocket(t *testing.T, watchdog bool) (string, <-chan string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	msgs := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if m := string(buf[:n]); watchdog || m != "WATCHDOG=1" {
				msgs <- m
			}
		}
	}()
	return path, msgs
}

// nextMessage waits for the next datagram and checks it against want, a
// regular expression.
func nextMessage(t *testing.T, msgs <-chan string, want string) string {
	t.Helper()
	select {
	case m := <-msgs:
		if !regexp.MustCompile("^" + want + "$").MatchString(m) {
			t.Fatalf("sd_notify: got %q, want %q", m, want)
		}
		return m
	case <-time.After(waitTimeout):
		t.Fatalf("sd_notify: no message after %v, want %q", waitTimeout, want)
		return ""
	}
}

// TestNotify plays systemd: READY=1 once the workers serve, RELOADING=1
// (with MONOTONIC_USEC) and READY=1 around a HUP, MAINPID= of the new
// master after USR2, and STOPPING=1 from it at TERM. The variable reaches
// no worker.
func TestNotify(t *testing.T) {
	t.Parallel()
	sock, msgs := notifySocket(t, false)
	s := startServer(t, startOptions{env: []string{"NOTIFY_SOCKET=" + sock}}, "-w", "2", "-b", "127.0.0.1:0", "--chdir", testkit.Testdata(t), "apps:app")
	at := regexp.QuoteMeta(s.url)
	nextMessage(t, msgs, `READY=1\nSTATUS=Serving apps:app with 2 worker\(s\) at `+at)
	if a := s.mustGet("/"); len(a.Leaked) > 0 {
		t.Errorf("the master's variables reached a worker: %v", a.Leaked)
	}

	s.Signal(syscall.SIGHUP)
	m := nextMessage(t, msgs, `RELOADING=1\nMONOTONIC_USEC=[0-9]+\nSTATUS=Reloading`)
	s.WaitLog("Reload done", waitTimeout)
	nextMessage(t, msgs, `READY=1\nSTATUS=Serving apps:app with 2 worker\(s\) at `+at)
	usec, _ := strconv.ParseInt(strings.Split(strings.Split(m, "MONOTONIC_USEC=")[1], "\n")[0], 10, 64)
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1, uintptr(unsafe.Pointer(&ts)), 0)
	if now := int64(ts.Sec)*1e6 + int64(ts.Nsec)/1e3; usec <= 0 || usec > now {
		t.Errorf("MONOTONIC_USEC=%d is not a past time of CLOCK_MONOTONIC (now %d)", usec, now)
	}

	s.Signal(syscall.SIGUSR2)
	m = nextMessage(t, msgs, `MAINPID=[0-9]+\nSTATUS=Upgraded: the new master \(pid [0-9]+\) serves`)
	newPid, _ := strconv.Atoi(strings.TrimPrefix(strings.Split(m, "\n")[0], "MAINPID="))
	killLater(t, newPid)
	waitGone(t, s.Pid())
	s.WaitLog("Master has been promoted", waitTimeout)
	if a := s.mustGet("/"); a.Ppid != newPid || len(a.Leaked) > 0 {
		t.Errorf("after the upgrade: %+v, want a worker of %d and no leaked variable", a, newPid)
	}
	if err := syscall.Kill(newPid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	nextMessage(t, msgs, `STOPPING=1\nSTATUS=Stopping`)
	waitGone(t, newPid)
	select {
	case m := <-msgs:
		t.Errorf("sd_notify after STOPPING: %q", m)
	default:
	}
}

// TestNotifyWatchdog: with WATCHDOG_USEC, WATCHDOG=1 comes again and again.
func TestNotifyWatchdog(t *testing.T) {
	t.Parallel()
	sock, msgs := notifySocket(t, true)
	s := startServer(t, startOptions{env: []string{"NOTIFY_SOCKET=" + sock, "WATCHDOG_USEC=200000"}}, "-b", "127.0.0.1:0", "go:hello")
	pings := 0
	for pings < 3 {
		if m := nextMessage(t, msgs, `WATCHDOG=1|READY=1\n.*`); m == "WATCHDOG=1" {
			pings++
		}
	}
	s.Signal(syscall.SIGTERM)
	s.Wait(waitTimeout)
}

// TestWatchdogFollowsTheLoop: WATCHDOG=1 comes from the master's loop,
// between its other work, so a loop that is stuck says nothing until it
// turns again, and systemd's watchdog can restart it. Here the loop is stuck
// in a HUP, reading a gunicorn.conf.py that waits for a file. (A goroutine
// of its own, as before, pinged on through it.)
func TestWatchdogFollowsTheLoop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stuck, reading, release := filepath.Join(dir, "stuck"), filepath.Join(dir, "reading"), filepath.Join(dir, "release")
	writeFile(t, dir, "versioned.py", versioned("one"))
	writeFile(t, dir, "gunicorn.conf.py", fmt.Sprintf(`import os, time
if os.path.exists(%q):
    open(%q, "w").close()
    while not os.path.exists(%q):
        time.sleep(0.01)
`, stuck, reading, release))
	sock, msgs := notifySocket(t, true)
	s := startServer(t, startOptions{dir: dir, env: []string{"NOTIFY_SOCKET=" + sock, "WATCHDOG_USEC=200000"}},
		"-w", "1", "-b", "127.0.0.1:0", "versioned:app")
	for pings := 0; pings < 2; {
		if m := nextMessage(t, msgs, `WATCHDOG=1|READY=1\n.*`); m == "WATCHDOG=1" {
			pings++
		}
	}

	writeFile(t, dir, "stuck", "")
	s.Signal(syscall.SIGHUP)
	testkit.WaitFor(t, "the config file read again at HUP", waitTimeout, func() bool { _, err := os.Stat(reading); return err == nil })
	// What was sent before the loop began the reload has arrived by now:
	// 10 pings' time without one is the loop stuck, not the pings late.
	time.Sleep(300 * time.Millisecond)
	for len(msgs) > 0 {
		<-msgs
	}
	quiet := time.After(time.Second)
	for waiting := true; waiting; {
		select {
		case m := <-msgs:
			if m == "WATCHDOG=1" {
				t.Fatalf("WATCHDOG=1 while the loop was stuck reading the config file")
			}
		case <-quiet:
			waiting = false
		}
	}

	writeFile(t, dir, "release", "")
	for pings := 0; pings < 2; { // and READY=1 once the new worker serves
		if m := nextMessage(t, msgs, `WATCHDOG=1|READY=1\n.*`); m == "WATCHDOG=1" {
			pings++
		}
	}
	s.Signal(syscall.SIGTERM)
	s.Wait(waitTimeout)
}

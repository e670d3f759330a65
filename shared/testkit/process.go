package testkit

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gunicorn-go/shared/proc"
)

// ProcState returns process pid's state letter from /proc ("R", "S", "T"
// when stopped, "Z" for a zombie), or "" when there is no such process.
func ProcState(pid int) string { return proc.State(pid) }

// Running reports whether process pid is alive: neither gone nor a zombie.
// kill(pid, 0) cannot tell: it succeeds on a zombie, and an orphan killed in
// a container whose PID 1 does not reap stays one.
func Running(pid int) bool { return proc.Running(pid) }

// WaitFor polls done until it is true, failing the test after timeout with
// "waited in vain for what". The timeout only bounds a test gone wrong.
func WaitFor(t testing.TB, what string, timeout time.Duration, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("waited in vain for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// WaitPidFile waits up to timeout until the file at path holds a process id,
// and returns it. A file opened but not yet written (empty) is waited for too.
func WaitPidFile(t testing.TB, path string, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("testkit: no pid in %s after %v (it holds %q)", path, timeout, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

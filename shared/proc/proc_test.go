package proc_test

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/proc"
)

// waitFor polls done; the timeout only bounds a test gone wrong.
func waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("waited in vain for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startTree starts a shell with two sleeping children, the shape of a
// master with two workers, and returns it once all three exist.
func startTree(t *testing.T) (*proc.Proc, []int) {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	p, err := proc.Start(proc.Options{}, sh, "-c", "sleep 60 & sleep 60 & wait")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Kill() })
	var tree []int
	waitFor(t, "the shell's two children", func() bool {
		tree, err = proc.Tree(p.Pid())
		return err == nil && len(tree) == 3
	})
	return p, tree
}

func TestTreeAndStop(t *testing.T) {
	p, tree := startTree(t)
	if tree[0] != p.Pid() {
		t.Errorf("Tree = %v, want the leader %d first", tree, p.Pid())
	}
	m, err := proc.TreeRSS(p.Pid())
	if err != nil {
		t.Fatal(err)
	}
	if m.Procs != 3 || m.Leader <= 0 || m.Total < m.Leader {
		t.Errorf("TreeRSS = %+v, want 3 processes with Total >= Leader > 0", m)
	}
	if g, err := proc.Group(p.Pid()); err != nil || len(g) != 3 {
		t.Errorf("Group = %v, %v; want the 3 processes", g, err)
	}
	if err := p.Stop(5 * time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	for _, pid := range tree {
		if proc.Running(pid) {
			t.Errorf("pid %d of the group still running after Stop", pid)
		}
	}
	if !p.Exited() || p.Err() == nil {
		t.Errorf("after Stop: Exited %v, Err %v; want exited by a signal", p.Exited(), p.Err())
	}
	if g, err := proc.Group(p.Pid()); err != nil || len(g) != 0 {
		t.Errorf("Group after Stop = %v, %v; want none", g, err)
	}
	// The group is gone: signalling it again is no error.
	if err := proc.SignalGroup(p.Pid(), syscall.SIGKILL); err != nil {
		t.Errorf("SignalGroup on a gone group: %v", err)
	}
}

func TestWaitAndExitCode(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	var out proc.Buffer
	p, err := proc.Start(proc.Options{Dir: t.TempDir(), Env: []string{"PROC_TEST=hi"}, Stdout: &out},
		sh, "-c", "echo $PROC_TEST; pwd; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	code, err := p.Wait(10 * time.Second)
	if err != nil || code != 3 || p.ExitCode() != 3 {
		t.Errorf("Wait = %d, %v; ExitCode %d; want 3, nil, 3", code, err, p.ExitCode())
	}
	if lines := strings.Fields(out.String()); len(lines) != 2 || lines[0] != "hi" {
		t.Errorf("output %q, want the env var then the directory", out.String())
	}

	p, _ = startTree(t)
	if _, err := p.Wait(time.Millisecond); !errors.Is(err, proc.ErrStillRunning) {
		t.Errorf("Wait on a sleeper = %v, want ErrStillRunning", err)
	}
	if p.ExitCode() != -1 || p.Err() != nil {
		t.Errorf("while running: ExitCode %d, Err %v; want -1, nil", p.ExitCode(), p.Err())
	}
}

func TestStartMissing(t *testing.T) {
	if _, err := proc.Start(proc.Options{}, "/nonexistent/server"); err == nil {
		t.Error("Start of a missing binary succeeded")
	}
}

func TestState(t *testing.T) {
	if s := proc.State(os.Getpid()); s != "R" && s != "S" {
		t.Errorf("State(self) = %q, want R or S", s)
	}
	if !proc.Running(os.Getpid()) {
		t.Error("Running(self) = false")
	}
	// Pids stop at 2^22 on Linux.
	const none = 1<<22 + 1
	if proc.State(none) != "" || proc.Running(none) {
		t.Error("a pid that cannot exist has a state")
	}
	if _, err := proc.Tree(none); !errors.Is(err, proc.ErrNoProcess) {
		t.Errorf("Tree(none) = %v, want ErrNoProcess", err)
	}
	if _, err := proc.RSS(none); !errors.Is(err, proc.ErrNoProcess) {
		t.Errorf("RSS(none) = %v, want ErrNoProcess", err)
	}
	tree, err := proc.Tree(1)
	if err != nil || len(tree) == 0 || !slices.Contains(tree, os.Getpid()) {
		t.Errorf("Tree(1) = %d pids, %v; want every process, this one included", len(tree), err)
	}
}

// Package proc starts, watches and stops server processes the way an
// operator's supervisor would, for the benchmark harness (bench/) and the
// tests' kit (shared/testkit), which used to keep a copy each.
//
// A server is started as the leader of its own process group, so that it and
// every process it forks (gunicorn's workers, gunicorn-go's Python runners)
// can be signalled at once with kill(-pgid, sig), and no worker outlives its
// master because the master died first:
//
//	p, err := proc.Start(proc.Options{Dir: root}, "gunicorn", "-w", "2", "hello:app")
//	if err != nil { ... }
//	defer p.Stop(10 * time.Second) // TERM to the group, then KILL
//
// It also reads /proc (Linux): a process's state, its descendants, and their
// resident memory (TreeRSS), which is how the harness reports what a server
// costs, master and workers together.
package proc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Sentinel errors.
var (
	// ErrStillRunning: the process outlived the time it was given.
	ErrStillRunning = errors.New("proc: still running")
)

// killWait bounds the wait for a process group after SIGKILL: the kernel
// reaps it in milliseconds, so running out means something is wrong (a
// process in uninterruptible sleep).
const killWait = 10 * time.Second

// Options are Start's optional settings.
type Options struct {
	Dir    string    // working directory; the caller's when empty
	Env    []string  // KEY=VALUE entries added to (and overriding) ours
	Stdout io.Writer // where the process's stdout goes; discarded when nil
	Stderr io.Writer // where its stderr goes; discarded when nil
	// ExtraFiles are passed as descriptors 3, 4…, as a service manager
	// passes the sockets it made.
	ExtraFiles []*os.File
}

// Proc is a process started by Start, leader of its own process group.
type Proc struct {
	// Cmd is the started command; read it, do not Wait on it (Proc does).
	Cmd *exec.Cmd

	done     chan struct{} // closed once the leader has been reaped
	waitErr  error         // what Cmd.Wait returned; read after done
	exitCode int           // its exit code, -1 if killed by a signal; after done
}

// Start runs name with args as the leader of a new process group and reaps
// it in the background. Its descendants share the group unless they make
// their own (setsid), as daemons do and servers under test do not.
func Start(opts Options, name string, args ...string) (*Proc, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = opts.Dir
	cmd.Env = append(os.Environ(), opts.Env...)
	cmd.Stdout, cmd.Stderr = opts.Stdout, opts.Stderr
	cmd.ExtraFiles = opts.ExtraFiles
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Proc{Cmd: cmd, done: make(chan struct{}), exitCode: -1}
	go func() {
		p.waitErr = cmd.Wait()
		if cmd.ProcessState != nil {
			p.exitCode = cmd.ProcessState.ExitCode()
		}
		close(p.done)
	}()
	return p, nil
}

// Pid returns the process's id, which is also its process group's id.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Done is closed once the process has exited and been reaped.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitCode returns the exit code once the process has exited: -1 while it
// runs or when a signal killed it.
func (p *Proc) ExitCode() int {
	if !p.Exited() {
		return -1
	}
	return p.exitCode
}

// Err returns how the process ended as exec.Cmd.Wait reports it (nil for
// exit status 0, an *exec.ExitError otherwise), or nil while it runs.
func (p *Proc) Err() error {
	if !p.Exited() {
		return nil
	}
	return p.waitErr
}

// Wait waits up to timeout for the process to exit and returns its exit
// code, or an error wrapping ErrStillRunning when the time runs out.
func (p *Proc) Wait(timeout time.Duration) (int, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
		return p.exitCode, nil
	case <-t.C:
		return -1, fmt.Errorf("%w: pid %d after %v", ErrStillRunning, p.Pid(), timeout)
	}
}

// Signal sends sig to the process alone, not its group: a master told to
// stop tells its workers itself.
func (p *Proc) Signal(sig syscall.Signal) error {
	if err := p.Cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal %v to pid %d: %w", sig, p.Pid(), err)
	}
	return nil
}

// Kill sends SIGKILL to the whole process group and to every descendant
// (one that made a group of its own too), then waits for the leader to be
// reaped and for the others to be gone: when Kill returns, nothing of the
// server is left to compete for the CPU or hold its port. A descendant that
// is a zombie counts as gone; reaping it is its new parent's business.
func (p *Proc) Kill() error {
	tree, _ := Tree(p.Pid()) // none once the leader has been reaped
	return p.kill(tree)
}

// kill is Kill with the tree taken beforehand: once the leader has exited
// its children are no longer found under it.
func (p *Proc) kill(tree []int) error {
	errs := []error{SignalGroup(p.Pid(), syscall.SIGKILL)}
	for _, pid := range tree[min(1, len(tree)):] {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("kill pid %d: %w", pid, err))
		}
	}
	if _, err := p.Wait(killWait); err != nil {
		return errors.Join(append(errs, err)...)
	}
	deadline := time.Now().Add(killWait)
	for _, pid := range tree[min(1, len(tree)):] {
		for Running(pid) {
			if time.Now().After(deadline) {
				return errors.Join(append(errs, fmt.Errorf("%w: pid %d, a child of %d, after SIGKILL", ErrStillRunning, pid, p.Pid()))...)
			}
			time.Sleep(time.Millisecond)
		}
	}
	return errors.Join(errs...)
}

// Stop asks the process group to stop with SIGTERM, as an operator stops
// gunicorn, and waits up to grace for the leader; then SIGKILL reaches
// whatever of the group is left, also after a clean exit, because a worker
// must not outlive its master. It returns an error when a signal cannot be
// sent or the leader outlives even SIGKILL.
func (p *Proc) Stop(grace time.Duration) error {
	tree, _ := Tree(p.Pid())
	errTerm := SignalGroup(p.Pid(), syscall.SIGTERM)
	if errTerm == nil {
		p.Wait(grace) // running out of grace is what SIGKILL is for
	}
	return errors.Join(errTerm, p.kill(tree))
}

// SignalGroup signals every process of group pgid. A group already gone
// (ESRCH) is what stopping wants, not an error.
func SignalGroup(pgid int, sig syscall.Signal) error {
	err := syscall.Kill(-pgid, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal %v to process group %d: %w", sig, pgid, err)
	}
	return nil
}

// Buffer is a goroutine-safe bytes.Buffer that collects a process's output:
// the process writes while the caller reads.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

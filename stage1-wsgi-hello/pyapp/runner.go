package pyapp

import (
	"bufio"
	"context"
	_ "embed" // runner.py
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// runnerSource is the Python side. It reaches the interpreter through an
// environment variable that bootstrap removes at once: the command line stays
// short in ps, and the app's own children do not inherit it.
//
//go:embed runner.py
var runnerSource string

// runnerFile is the file name runner.py's frames carry in tracebacks; the
// runner drops those frames from the app's tracebacks.
const runnerFile = "gunicorn-go/pyapp/runner.py"

const bootstrap = "import os;exec(compile(os.environ.pop('GUNICORN_GO_RUNNER'),'" + runnerFile + "','exec'))"

// stopGrace is how long a runner may take to exit once its socket is closed,
// and again after SIGTERM, before it is killed.
const stopGrace = 2 * time.Second

// runner is one Python process serving one request at a time, with up to
// pipelineDepth requests in flight (see pipeline.go).
type runner struct {
	cmd  *exec.Cmd
	pid  int
	conn *os.File // our end of the socketpair

	// Writing: Q frames from any Call, D and C frames from the baton holder.
	wmu    sync.Mutex
	wbuf   []byte // guarded by wmu: the Q frame being written
	nextID uint32 // guarded by wmu: the id of the next request

	// Reading: the read baton.
	qmu   sync.Mutex
	queue []*body       // guarded by qmu: requests sent and not answered, oldest first
	br    *bufio.Reader // reads conn; used only by the request at the head of queue
	obuf  []byte        // D and C frames being built; used only by the head of queue

	state atomic.Int32 // runnerOK, runnerDied or runnerKilled

	// Guarded by App.mu.
	inflight  int  // requests picked for this runner and not yet done with it
	replacing bool // a Call is starting this runner's replacement

	exited  chan struct{} // closed once the process has exited
	waitErr error         // how it exited; set before exited is closed

	stopOnce sync.Once
	stopped  chan struct{} // closed once stop has finished
}

// startRunner starts a runner for spec and waits until it has imported the
// app. It returns a *LoadError when the runner could not load the app, and an
// error wrapping ctx.Err() when ctx ended first (the runner is killed).
func startRunner(ctx context.Context, spec string, o *Options) (*runner, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("start app runner: socketpair: %w", err)
	}
	// Ours is non-blocking, so that reads can poll (see spinReader) and park
	// in the netpoller; the runner's stays blocking.
	if err := syscall.SetNonblock(fds[0], true); err != nil {
		syscall.Close(fds[0])
		syscall.Close(fds[1])
		return nil, fmt.Errorf("start app runner: %w", err)
	}
	ours := os.NewFile(uintptr(fds[0]), "pyapp-runner")
	theirs := os.NewFile(uintptr(fds[1]), "pyapp-runner-end")
	defer theirs.Close() // the child has its own copy once started

	args := append([]string{"-c", bootstrap, spec}, o.PythonPath...)
	cmd := exec.Command(o.Python, args...)
	cmd.Dir = o.Chdir
	cmd.Env = append(append(os.Environ(), o.Env...), "GUNICORN_GO_RUNNER="+runnerSource)
	cmd.ExtraFiles = []*os.File{theirs} // fd 3 in the child
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if o.CaptureOutput {
		cmd.Stdout, cmd.Stderr = o.ErrorLog, o.ErrorLog
	}
	cmd.WaitDelay = stopGrace // do not wait forever for output copiers
	reader, err := newSpinReader(ours)
	if err != nil {
		ours.Close()
		return nil, fmt.Errorf("start app runner: %w", err)
	}
	if err := cmd.Start(); err != nil {
		ours.Close()
		return nil, fmt.Errorf("start app runner %s: %w", o.Python, err)
	}
	r := &runner{
		cmd:     cmd,
		pid:     cmd.Process.Pid,
		conn:    ours,
		br:      bufio.NewReaderSize(reader, readBufferSize),
		exited:  make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go func() {
		r.waitErr = cmd.Wait()
		close(r.exited)
		// A process the app forked may still hold the runner's end of the
		// socket (runner.py closes it in forked children, but a child made
		// otherwise may not): our reads would then never see EOF. Shutting
		// down our reading side ends them once what the runner wrote has
		// been read, so its death is noticed.
		if raw, err := ours.SyscallConn(); err == nil {
			_ = raw.Control(func(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RD) }) // best effort: fails only if stop closed it
		}
	}()
	abort := context.AfterFunc(ctx, func() { r.stop(true) }) // unblocks the handshake
	err = r.handshake(spec, o.Python)
	if !abort() { // ctx ended: the runner is being killed, whatever the handshake said
		r.stop(true)
		return nil, fmt.Errorf("load %s: %w", spec, context.Cause(ctx))
	}
	if err != nil {
		r.stop(false)
		return nil, err
	}
	return r, nil
}

// handshake reads the runner's first frame: R when the app is loaded, F with
// the reason when not.
func (r *runner) handshake(spec, python string) error {
	kind, payload, err := readFrame(r.br)
	if err != nil {
		r.stop(false) // it is exiting: let it, to learn its exit status
		return fmt.Errorf("app runner %s (pid %d) exited before loading %s (%s): %w", python, r.pid, spec, r.exitStatus(), err)
	}
	switch kind {
	case kindReady:
		pid, _, _ := strings.Cut(string(payload), "\x00")
		if n, err := strconv.Atoi(pid); err == nil && n != r.pid {
			return fmt.Errorf("%w: runner says pid %d, we started %d", ErrProtocol, n, r.pid)
		}
		return nil
	case kindFailed:
		f := strings.SplitN(string(payload), "\x00", 5)
		if len(f) != 5 || loadErrorKinds[f[0]] == nil {
			return fmt.Errorf("%w: bad failure report %q", ErrProtocol, payload)
		}
		return &LoadError{Kind: loadErrorKinds[f[0]], Spec: spec, Summary: f[1], Traceback: f[2], Interpreter: f[3], SysPath: f[4]}
	}
	return fmt.Errorf("%w: frame %q before the runner was ready", ErrProtocol, kind)
}

// hasExited reports whether the process is gone.
func (r *runner) hasExited() bool {
	select {
	case <-r.exited:
		return true
	default:
		return false
	}
}

// exitStatus describes how the process ended ("signal: killed"), waiting for
// it if need be: call it only once the process is known to be ending.
func (r *runner) exitStatus() string {
	<-r.exited
	if r.waitErr == nil {
		return "exit status 0"
	}
	var exit *exec.ExitError
	if errors.As(r.waitErr, &exit) {
		return exit.ProcessState.String()
	}
	return r.waitErr.Error()
}

// stop ends the process and waits for it. Politely (kill false): close the
// socket, which makes the runner return from its loop, then SIGTERM and SIGKILL
// if it takes longer than stopGrace each. At once (kill true): SIGKILL. Later
// calls wait for the first to finish.
func (r *runner) stop(kill bool) {
	r.stopOnce.Do(func() {
		defer close(r.stopped)
		// Shutdown tells the runner we are done (it reads EOF) even if it or
		// its children hold other copies of the socket.
		if raw, err := r.conn.SyscallConn(); err == nil {
			_ = raw.Control(func(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RDWR) }) // best effort: the kill below is the guarantee
		}
		if !kill && !r.waitExit(stopGrace) {
			_ = r.cmd.Process.Signal(syscall.SIGTERM) // fails only if it just exited
			kill = !r.waitExit(stopGrace)
		}
		if kill {
			_ = r.cmd.Process.Kill() // fails only if it already exited
		}
		<-r.exited
		_ = r.conn.Close() // the process is gone; nothing is lost if this fails
	})
	<-r.stopped
}

// waitExit waits up to d for the process to exit and reports whether it did.
func (r *runner) waitExit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.exited:
		return true
	case <-t.C:
		return false
	}
}

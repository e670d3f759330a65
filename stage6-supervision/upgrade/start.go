package upgrade

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"gunicorn-go/stage2-single-worker/server"
)

// ErrExited: the process started exited before it said it was ready.
var ErrExited = errors.New("exited before it was ready")

// Options say what Start passes to the new process.
type Options struct {
	// Listeners are handed over, in order, as descriptors 3, 4, ….
	Listeners []net.Listener
	// Env is added to the new process's environment (the service
	// manager's NOTIFY_SOCKET, say).
	Env []string
	// Daemon starts it detached: a session of its own (setsid), standard
	// input, output and error on /dev/null, and no GUNICORN_PID: it is not
	// an upgrade, and has no parent master.
	Daemon bool
}

// Child is a process Start started: a new master, or a daemon.
type Child struct {
	Pid   int
	ready chan error    // one value: nil once it is ready, or why it is not
	done  chan struct{} // closed once it has exited and been reaped
	conn  *os.File      // our end of the socket pair; held while we live
	state *os.ProcessState
}

// Start starts o's command again, from o.Path as it is on disk now, with
// the listeners and a socket pair to tell its readiness on. It returns once
// the process runs; Ready says when it serves, or that it died first.
// Outcomes: the Child; or an error when a descriptor cannot be passed or
// the binary cannot be started (missing, not executable), and nothing runs.
func Start(o Origin, opts Options) (*Child, error) {
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close() // the child has its own copies
		}
	}()
	var fds, owned []string
	for i, ln := range opts.Listeners {
		f, err := listenerFile(ln)
		if err != nil {
			return nil, fmt.Errorf("upgrade: listener %s: %w", ln.Addr(), err)
		}
		files = append(files, f)
		fd := strconv.Itoa(3 + i)
		fds = append(fds, fd)
		if _, ok := ln.(interface{ KeepFile() }); ok {
			owned = append(owned, fd)
		}
	}
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("upgrade: socketpair: %w", err)
	}
	ours := newFile(pair[0], "handover")
	theirs := os.NewFile(uintptr(pair[1]), "handover")
	files = append(files, theirs)
	readyFD := strconv.Itoa(3 + len(opts.Listeners))

	set := []string{EnvReadyFD + "=" + readyFD}
	if !opts.Daemon {
		set = append(set, EnvPID+"="+strconv.Itoa(os.Getpid()))
	}
	if len(fds) > 0 {
		set = append(set, EnvFD+"="+strings.Join(fds, ","))
	}
	if len(owned) > 0 {
		set = append(set, EnvSocketFiles+"="+strings.Join(owned, ","))
	}
	cmd := &exec.Cmd{
		Path: o.Path, Args: o.Args, Dir: o.Dir,
		Env:    o.environ(append(set, opts.Env...)...),
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		// The listeners at 3…, the socket pair's end after them.
		ExtraFiles: files,
	}
	if opts.Daemon {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil // /dev/null
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	}
	if err := cmd.Start(); err != nil {
		ours.Close()
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	c := &Child{Pid: cmd.Process.Pid, ready: make(chan error, 1), done: make(chan struct{}), conn: ours}
	go func() {
		c.state, _ = cmd.Process.Wait() // its exit status is in state
		close(c.done)
	}()
	go c.waitReady()
	return c, nil
}

// waitReady reads the child's one byte, or the end of file that says it
// has exited.
func (c *Child) waitReady() {
	var b [1]byte
	n, err := c.conn.Read(b[:])
	if n == 1 {
		c.ready <- nil
		return
	}
	<-c.done
	if err == nil || errors.Is(err, io.EOF) {
		c.ready <- fmt.Errorf("%w: %s", ErrExited, c.state)
		return
	}
	c.ready <- fmt.Errorf("%w: %s (reading its word: %v)", ErrExited, c.state, err)
}

// Ready receives one value: nil once the child has said its workers serve,
// or an error wrapping ErrExited, with its exit status, once it has exited
// without saying so.
func (c *Child) Ready() <-chan error { return c.ready }

// Done is closed once the child has exited.
func (c *Child) Done() <-chan struct{} { return c.done }

// ExitCode is the child's exit code once Done is closed (-1 when a signal
// killed it).
func (c *Child) ExitCode() int {
	select {
	case <-c.done:
		return c.state.ExitCode()
	default:
		return -1
	}
}

// listenerFile returns a duplicate of ln's descriptor (a TLS listener's is
// its TCP listener's: the new master makes its own TLS).
func listenerFile(ln net.Listener) (*os.File, error) {
	if t, ok := ln.(*server.TLSListener); ok {
		ln = t.Listener
	}
	f, ok := ln.(interface{ File() (*os.File, error) })
	if !ok {
		return nil, fmt.Errorf("a %T has no descriptor to pass", ln)
	}
	return f.File()
}

// newFile wraps fd, made non-blocking so that reads wait in Go's poller,
// not in a thread of their own.
func newFile(fd int, name string) *os.File {
	syscall.SetNonblock(fd, true)
	return os.NewFile(uintptr(fd), name)
}

package pyapp

import (
	"bufio"
	"context"
	_ "embed" // runner.py
	"encoding/json"
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

	"gunicorn-go/stage1-wsgi-hello/rawio"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
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

// stopGrace is how long a runner may take to exit once its socket is closed
// before it is killed. (A runner ignores TERM: see runner.py's
// ignore_master_signals.)
const stopGrace = 2 * time.Second

// dumpSignal makes a runner write the traceback of every thread to its dump
// pipe (runner.py's dump_tracebacks).
const dumpSignal = syscall.SIGUSR2

// Worker is one app runner: a Python process that has imported the app and
// runs up to Options.Threads requests at once. It implements wsgi.App, and
// gives a supervisor what it needs to watch and replace it: its pid, how
// busy it is, how long its oldest request has run, a ping, its threads'
// tracebacks, and ways to stop it.
//
// A Worker does not queue: Call sends the request at once. Whoever
// dispatches (App, or stage 4's arbiter) calls it only while Busy() is below
// Threads, and learns that a thread is free again from OnFree.
type Worker struct {
	spec string
	// interpreter is what the runner said it runs on, once ready:
	// sys.executable and the version ("/usr/bin/python3 3.11.2").
	interpreter string
	opts        *Options
	cmd         *exec.Cmd
	pid         int
	conn        *os.File      // our end of the socketpair
	wio         *rawio.Conn   // writes conn (package rawio), under wmu
	br          *bufio.Reader // reads conn; used by the reader goroutine only
	dump        *dumpPipe

	// OnFree, when set before the first Call, is called once for every
	// Call or Send, when the runner is done with the request: it ended (E,
	// X or N), the runner died, or it never reached the runner (the
	// Request is then nil). It must not block: it may run on the worker's
	// reader goroutine.
	OnFree func(*Worker, *Request)

	wmu  sync.Mutex
	wbuf []byte // guarded by wmu: the frame being written

	gmu    sync.Mutex
	grants []byte        // guarded by gmu: W frames for writeGrants to send
	gkick  chan struct{} // poked when grants has frames

	mu     sync.Mutex
	calls  map[uint32]*call         // guarded by mu: sent, not yet ended in the runner
	pings  map[uint32]chan struct{} // guarded by mu: pings awaiting their answer
	nextID uint32                   // guarded by mu
	dead   error                    // guarded by mu: why the conversation ended

	served   atomic.Int64  // requests the runner has ended
	inflight atomic.Int32  // requests sent and not ended: the reader spins only for one
	reading  atomic.Bool   // the reader goroutine runs (after the handshake)
	done     chan struct{} // closed when the conversation has ended (dead is set)

	exited  chan struct{} // closed once the process has exited
	waitErr error         // how it exited; set before exited is closed

	stopOnce sync.Once
	stopped  chan struct{}
}

// runnerConfig is what runner.py is told at start, as JSON.
type runnerConfig struct {
	Threads int    `json:"threads"`
	Window  int64  `json:"window"`
	Title   string `json:"title"`
}

// StartWorker starts a runner for spec (gunicorn's syntax, see Load) and
// returns once it has imported the app. Outcomes:
//   - a *LoadError (errors.Is ErrImport, ErrNoAttribute, …, and
//     wsgi.ErrAppLoad) when the app cannot be loaded;
//   - an error wrapping ErrBoot when Python could not be started or died
//     before saying whether it loaded the app;
//   - an error wrapping ctx's when ctx ended first: the runner is killed.
func StartWorker(ctx context.Context, spec string, opts Options) (*Worker, error) {
	o := opts.withDefaults()
	return startWorker(ctx, spec, &o)
}

func startWorker(ctx context.Context, spec string, o *Options) (*Worker, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: socketpair: %w", ErrBoot, err)
	}
	// Ours is non-blocking, so that reads can poll (see spinReader) and park
	// in the netpoller; the runner's stays blocking.
	if err := syscall.SetNonblock(fds[0], true); err != nil {
		syscall.Close(fds[0])
		syscall.Close(fds[1])
		return nil, fmt.Errorf("%w: %w", ErrBoot, err)
	}
	ours := os.NewFile(uintptr(fds[0]), "pyapp-runner")
	theirs := os.NewFile(uintptr(fds[1]), "pyapp-runner-end")
	defer theirs.Close() // the child has its own copy once started
	dump, dumpEnd, err := newDumpPipe()
	if err != nil {
		ours.Close()
		return nil, fmt.Errorf("%w: %w", ErrBoot, err)
	}
	defer dumpEnd.Close()

	conf, _ := json.Marshal(runnerConfig{Threads: o.Threads, Window: o.firstWindow(), Title: o.Title}) // cannot fail: plain fields
	args := append([]string{"-c", bootstrap, spec}, o.PythonPath...)
	cmd := exec.Command(o.Python, args...)
	cmd.Dir = o.Chdir
	cmd.Env = append(append(os.Environ(), o.Env...), "GUNICORN_GO_RUNNER="+runnerSource, "GUNICORN_GO_RUNNER_CONFIG="+string(conf))
	cmd.ExtraFiles = []*os.File{theirs, dumpEnd} // fds 3 and 4 in the child
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if o.CaptureOutput {
		cmd.Stdout, cmd.Stderr = o.ErrorLog, o.ErrorLog
	}
	// If we die, even by SIGKILL, the kernel kills the runner: nothing is
	// left behind to serve nobody. (Its socket's EOF would tell it too, but
	// only once the app returns.)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Credential: o.Credential}
	cmd.WaitDelay = stopGrace // do not wait forever for output copiers
	reader, err := newSpinReader(ours)
	if err != nil {
		ours.Close()
		dump.Close()
		return nil, fmt.Errorf("%w: %w", ErrBoot, err)
	}
	if err := cmd.Start(); err != nil {
		ours.Close()
		dump.Close()
		return nil, fmt.Errorf("%w: start %s: %w", ErrBoot, o.Python, err)
	}
	if o.OnStart != nil {
		o.OnStart(cmd.Process.Pid)
	}
	w := &Worker{
		spec:    spec,
		opts:    o,
		cmd:     cmd,
		pid:     cmd.Process.Pid,
		conn:    ours,
		wio:     rawio.New(reader.rc),
		br:      bufio.NewReaderSize(reader, readBufferSize),
		dump:    dump,
		calls:   map[uint32]*call{},
		pings:   map[uint32]chan struct{}{},
		nextID:  1,
		done:    make(chan struct{}),
		gkick:   make(chan struct{}, 1),
		exited:  make(chan struct{}),
		stopped: make(chan struct{}),
	}
	reader.spinning = func() bool { return w.inflight.Load() <= 1 }
	go func() {
		w.waitErr = cmd.Wait()
		close(w.exited)
		// A process the app forked may still hold the runner's end of the
		// socket (runner.py closes it in forked children, but a child made
		// otherwise may not): our reads would then never see EOF. Shutting
		// down our reading side ends them once what the runner wrote has
		// been read, so its death is noticed.
		shutdown(w.conn, syscall.SHUT_RD)
	}()
	abort := context.AfterFunc(ctx, func() { w.stop(true) }) // unblocks the handshake
	err = w.handshake()
	if !abort() { // ctx ended: the runner is being killed, whatever the handshake said
		w.stop(true)
		return nil, fmt.Errorf("load %s: %w", spec, context.Cause(ctx))
	}
	if err != nil {
		w.stop(false)
		return nil, err
	}
	w.reading.Store(true)
	go w.read()
	go w.writeGrants()
	return w, nil
}

// grant queues a W frame giving request id n more body bytes. Grants are
// written by their own goroutine, so that neither the reader goroutine nor
// a server goroutine holding a call's lock ever waits for the runner to
// read: a runner busy writing would wait for them in turn.
func (w *Worker) grant(id uint32, n int64) {
	w.gmu.Lock()
	w.grants = appendWindow(w.grants, id, n)
	w.gmu.Unlock()
	select {
	case w.gkick <- struct{}{}:
	default:
	}
}

// writeGrants sends the queued W frames until the conversation ends.
func (w *Worker) writeGrants() {
	var frames []byte
	for {
		select {
		case <-w.done:
			return
		case <-w.gkick:
		}
		w.gmu.Lock()
		frames, w.grants = w.grants, frames[:0]
		w.gmu.Unlock()
		if err := w.write(frames); err != nil {
			w.breakDown(err)
			return
		}
	}
}

// handshake reads the runner's first frame: R when the app is loaded, F with
// the reason when not.
func (w *Worker) handshake() error {
	kind, _, payload, err := readFrame(w.br)
	if err != nil {
		w.stop(false) // it is exiting: let it, to learn its exit status
		return fmt.Errorf("%w: app runner %s (pid %d) exited before loading %s (%s): %w",
			ErrBoot, w.opts.Python, w.pid, w.spec, w.ExitStatus(), err)
	}
	switch kind {
	case kindReady:
		pid, where, _ := strings.Cut(string(payload), "\x00")
		if n, err := strconv.Atoi(pid); err == nil && n != w.pid {
			return fmt.Errorf("%w: %w: runner says pid %d, we started %d", ErrBoot, ErrProtocol, n, w.pid)
		}
		w.interpreter = where
		return nil
	case kindFailed:
		f := strings.SplitN(string(payload), "\x00", 5)
		if len(f) != 5 || loadErrorKinds[f[0]] == nil {
			return fmt.Errorf("%w: %w: bad failure report %q", ErrBoot, ErrProtocol, payload)
		}
		return &LoadError{Kind: loadErrorKinds[f[0]], Spec: w.spec, Summary: f[1], Traceback: f[2], Interpreter: f[3], SysPath: f[4]}
	}
	return fmt.Errorf("%w: %w: frame %q before the runner was ready", ErrBoot, ErrProtocol, kind)
}

// Interpreter returns the Python the runner runs on, as it said once it had
// loaded the app: its sys.executable and version, "/usr/bin/python3 3.11.2".
func (w *Worker) Interpreter() string { return w.interpreter }

// Pid returns the runner's process id.
func (w *Worker) Pid() int { return w.pid }

// Threads returns how many requests the runner runs at once.
func (w *Worker) Threads() int { return w.opts.Threads }

// Busy returns how many requests the runner is running now.
func (w *Worker) Busy() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.calls)
}

// Active returns how many requests the runner is running that have not
// been given up on (see Expire): those that may still end well.
func (w *Worker) Active() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, c := range w.calls {
		if !c.expired {
			n++
		}
	}
	return n
}

// Served returns how many requests the runner has finished.
func (w *Worker) Served() int64 { return w.served.Load() }

// Oldest returns how long the oldest request the runner is running has
// been running; 0 when it runs none.
func (w *Worker) Oldest() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	var first time.Time
	for _, c := range w.calls {
		if !c.expired && (first.IsZero() || c.started.Before(first)) {
			first = c.started
		}
	}
	if first.IsZero() {
		return 0
	}
	return time.Since(first)
}

// Silence returns how long the app has been silent in the request it has
// been silent in longest: no part of its answer came since, although it had
// room to send (a request whose answer waits for its client is not
// silent). 0 when it runs none. This is what a worker timeout measures: a
// request that streams its answer for an hour is alive, one that said
// nothing for the timeout is stuck.
func (w *Worker) Silence() time.Duration {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	var longest time.Duration
	for _, c := range w.calls {
		if !c.expired {
			longest = max(longest, c.silence(now))
		}
	}
	return longest
}

// Expire gives up on every request that has been silent (see Silence) for
// age or longer: each fails now with err (its client gets the status
// wsgi.StatusOf gives err, or a cut connection if its response had begun),
// although the runner's thread may still be stuck in it. It returns how
// many it gave up on.
func (w *Worker) Expire(age time.Duration, err error) int {
	now := time.Now()
	w.mu.Lock()
	var expired []*call
	for _, c := range w.calls {
		if !c.expired && c.silence(now) >= age {
			c.expired = true
			expired = append(expired, c)
		}
	}
	w.mu.Unlock()
	for _, c := range expired {
		c.finish(err)
	}
	return len(expired)
}

// Done is closed once the conversation with the runner has ended: it died,
// broke the protocol, or was stopped. Requests in flight have failed then.
func (w *Worker) Done() <-chan struct{} { return w.done }

// Gone reports whether the runner can take no more requests: it died, or
// could not be written to.
func (w *Worker) Gone() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dead != nil
}

// Err says why the conversation ended (nil while it goes on).
func (w *Worker) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dead
}

// Exited is closed once the runner process has exited.
func (w *Worker) Exited() <-chan struct{} { return w.exited }

// ExitStatus describes how the process ended ("exit status 1", "signal:
// killed"), waiting for it if need be: call it only once the process is
// known to be ending.
func (w *Worker) ExitStatus() string {
	<-w.exited
	return describeExit(w.waitErr)
}

// ProcessState returns the exited process's state, or nil while it runs.
func (w *Worker) ProcessState() *os.ProcessState {
	select {
	case <-w.exited:
		return w.cmd.ProcessState
	default:
		return nil
	}
}

func describeExit(err error) string {
	if err == nil {
		return "exit status 0"
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ProcessState.String()
	}
	return err.Error()
}

// Ping asks the runner's main thread to answer, and waits for the answer
// until ctx ends. A runner that cannot answer is stuck (or dead).
func (w *Worker) Ping(ctx context.Context) error {
	ch := make(chan struct{})
	w.mu.Lock()
	if w.dead != nil {
		w.mu.Unlock()
		return fmt.Errorf("ping: %w", w.dead)
	}
	id := w.nextID
	w.nextID++
	w.pings[id] = ch
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.pings, id)
		w.mu.Unlock()
	}()
	if err := w.write(appendFrameHeader(nil, kindPing, id, 0)); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	select {
	case <-ch:
		return nil
	case <-w.done:
		return fmt.Errorf("ping: %w", w.Err())
	case <-ctx.Done():
		return fmt.Errorf("ping: no answer from pid %d: %w", w.pid, ctx.Err())
	}
}

// DumpTracebacks has the runner write the traceback of each of its threads,
// on a signal, and returns what it wrote within wait. A runner stuck in C
// code that holds the interpreter's lock cannot answer: the text says so.
func (w *Worker) DumpTracebacks(wait time.Duration) string {
	mark := w.dump.mark()
	if err := w.cmd.Process.Signal(dumpSignal); err != nil {
		return fmt.Sprintf("(no traceback: signal pid %d: %v)\n", w.pid, err)
	}
	if tb := w.dump.since(mark, wait); tb != "" {
		return tb
	}
	return fmt.Sprintf("(no traceback within %v: the worker is stuck outside Python, in code that holds the interpreter's lock)\n", wait)
}

// Close stops the runner politely (see stop) and waits for it to exit.
func (w *Worker) Close() error {
	w.stop(false)
	return nil
}

// Kill kills the runner at once (SIGKILL) and waits for it to exit.
func (w *Worker) Kill() { w.stop(true) }

// stop ends the process and waits for it. Politely (kill false): close the
// socket, which makes the runner return from its loop once the request it
// runs (if any) returns, then SIGKILL if that takes longer than stopGrace.
// At once (kill true): SIGKILL. Later calls wait for the first to finish,
// but a kill hurries a polite stop.
func (w *Worker) stop(kill bool) {
	if kill {
		_ = w.cmd.Process.Kill() // fails only if it already exited
	}
	w.stopOnce.Do(func() {
		defer close(w.stopped)
		// Shutdown tells the runner we are done (it reads EOF) even if it or
		// its children hold other copies of the socket.
		shutdown(w.conn, syscall.SHUT_RDWR)
		if kill || !w.waitExit(stopGrace) {
			_ = w.cmd.Process.Kill() // fails only if it already exited
		}
		<-w.exited
		if w.reading.Load() {
			<-w.done // the reader goroutine has failed what was in flight
		}
		w.dump.Close() // nothing more can come
	})
	<-w.stopped
}

// waitExit waits up to d for the process to exit and reports whether it did.
func (w *Worker) waitExit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-w.exited:
		return true
	case <-t.C:
		return false
	}
}

// shutdown shuts a socket down, best effort: it fails only when the socket
// is already closed, and then there is nothing to shut.
func shutdown(f *os.File, how int) {
	if raw, err := f.SyscallConn(); err == nil {
		_ = raw.Control(func(fd uintptr) { _ = syscall.Shutdown(int(fd), how) })
	}
}

// write sends frames, whole, under wmu so that they never interleave.
func (w *Worker) write(frames []byte) error {
	w.wmu.Lock()
	_, err := w.wio.Write(frames)
	w.wmu.Unlock()
	if err != nil {
		return fmt.Errorf("write to app runner (pid %d): %w", w.pid, err)
	}
	return nil
}

// Call runs one request in the runner (see wsgi.App): Send, then Respond.
// It returns once the app has produced its head, which it hands to
// startResponse, or failed: an *AppError when the app raised, an error
// wrapping ErrRunnerDied when the runner died with the request, or
// ErrNotSent when the runner was gone before the request reached it
// (another worker may take it). The Body streams the rest of the response
// from Go's buffer.
func (w *Worker) Call(env *wsgi.Environ, startResponse wsgi.StartResponse) (wsgi.Body, error) {
	r, err := w.Send(env)
	if err != nil {
		return nil, err
	}
	return r.Respond(startResponse)
}

// Request is a request sent to a runner (Send), whose answer is yet to be
// taken (Respond).
type Request struct{ c *call }

// TakeBack asks the runner to give r back if it has not started it: Respond
// then returns ErrTakenBack, and the request may go to another worker. One
// that has started is not taken back, and ends as usual. It returns at once.
func (w *Worker) TakeBack(r *Request) {
	if err := w.write(appendFrameHeader(nil, kindTake, r.c.id, 0)); err != nil {
		return // the runner is dying: the request fails or was not sent anyway
	}
	if w.opts.Threads == 1 {
		// Its main thread runs the app: the signal makes it read the T.
		_ = w.cmd.Process.Signal(syscall.SIGURG) // fails only if it exited
	}
}

// Send writes a request to the runner and returns at once: the answer is
// Respond's to take. Splitting the two lets a dispatcher send a waiting
// request the moment a thread frees, on whatever goroutine learns of it,
// and leave the request's own goroutine to wake only for the answer. The
// error is ErrNotSent (wrapped) when the runner is gone, or one of reading
// the request's body; OnFree has been called then.
func (w *Worker) Send(env *wsgi.Environ) (*Request, error) {
	in, cleanup, err := bufferInput(env, w.opts.TempDir)
	if err != nil {
		w.free(nil)
		return nil, err
	}
	c := newCall(w, env, cleanup)
	w.mu.Lock()
	if w.dead != nil {
		err := w.dead
		w.mu.Unlock()
		cleanup()
		w.free(nil)
		return nil, fmt.Errorf("%w (pid %d: %w)", ErrNotSent, w.pid, err)
	}
	c.id = w.nextID
	w.nextID++
	w.calls[c.id] = c
	w.inflight.Store(int32(len(w.calls)))
	w.mu.Unlock()

	w.wmu.Lock()
	buf, err := appendRequest(w.wbuf[:0], c.id, env, in)
	if err == nil {
		_, err = w.wio.Write(buf)
		if err != nil {
			err = fmt.Errorf("%w (pid %d): %w", ErrNotSent, w.pid, err)
		}
	}
	w.wbuf = buf
	w.wmu.Unlock()
	if err != nil {
		if errors.Is(err, ErrNotSent) {
			// It cannot be written to: it is dying, or we kill it. Nothing
			// more is sent to it, even before the reader notices.
			w.mu.Lock()
			if w.dead == nil {
				w.dead = err
			}
			w.mu.Unlock()
		}
		if w.forget(c) && errors.Is(err, ErrNotSent) {
			w.breakDown(err)
		}
		c.release()
		return nil, err
	}
	return &c.Request, nil
}

// Respond waits for the request's head and hands it to startResponse; the
// Body streams the rest. Its outcomes are Call's.
func (r *Request) Respond(startResponse wsgi.StartResponse) (wsgi.Body, error) {
	c := r.c
	status, headers, err := c.waitHead()
	if err != nil {
		c.release()
		return nil, err
	}
	if _, err := startResponse(status, headers, nil); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	return c, nil
}

// forget takes a call that never reached the runner off the books, and
// reports whether it was still there.
func (w *Worker) forget(c *call) bool {
	w.mu.Lock()
	_, ok := w.calls[c.id]
	delete(w.calls, c.id)
	w.inflight.Store(int32(len(w.calls)))
	w.mu.Unlock()
	if ok {
		w.free(nil)
	}
	return ok
}

// free calls OnFree, if set.
func (w *Worker) free(r *Request) {
	if w.OnFree != nil {
		w.OnFree(w, r)
	}
}

// breakDown ends the conversation after a failure: the runner is killed
// unless it is exiting by itself, and what was in flight fails.
func (w *Worker) breakDown(cause error) {
	if !isDeath(cause) {
		_ = w.cmd.Process.Kill() // fails only if it already exited
	}
	shutdown(w.conn, syscall.SHUT_RDWR) // the reader goroutine sees the end
}

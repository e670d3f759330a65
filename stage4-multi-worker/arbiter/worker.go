package arbiter

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"time"

	"gunicorn-go/stage1-wsgi-hello/pyapp"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// worker is the arbiter's view of one worker process: a pyapp.Worker
// (nil while it boots), the generation it belongs to, and where it is in
// its life. The fields the pool guards are marked; the others belong to
// the arbiter's goroutine.
type worker struct {
	*pyapp.Worker

	gen   int       // the generation (HUP starts a new one)
	state state     // where it is in its life
	pid   int       // known once the process has started
	since time.Time // when the state began

	// replacement is the worker started to take over from this one (it had
	// its share of requests); it retires once that one serves.
	replacement *worker
	// deadline is when a retiring worker is killed, done or not.
	deadline time.Time
	// reason says why it retires, for the log.
	reason string
	// killed: the arbiter killed it (its death is no news).
	killed bool
	// stuck: a request in it ran past the timeout (see arbiter.timeout).
	stuck bool
	// closing: it was told to exit (see arbiter.close).
	closing bool
	// noted: its autorestart was logged.
	noted bool
	// pinging: a ping is on its way; pinged: when the last one was sent.
	pinging bool
	pinged  time.Time

	// Guarded by pool.mu.
	busy        int            // requests dispatched and not yet freed
	dispatched  int64          // requests dispatched in all
	maxRequests int64          // its share (max_requests plus jitter); 0: no limit
	ahead       *pyapp.Request // sent ahead: waiting in the runner behind its busy threads
	aheadEnv    *wsgi.Environ  // that request's environ, from before it is sent
	takingBack  bool           // ahead is being taken back
	aheadTimer  *time.Timer    // takes ahead back if it waits too long
}

// state is where a worker is in its life.
type state int

const (
	booting  state = iota // started, loading the app
	serving               // in the pool, taking requests
	retiring              // out of the pool, finishing what it has
)

// event is news from a worker's goroutines to the arbiter's loop.
type event struct {
	w    *worker
	kind eventKind
	err  error
	pw   *pyapp.Worker // booted: the worker
	pid  int           // started: its pid
}

type eventKind int

const (
	started eventKind = iota // the process started (pid)
	booted                   // the worker loaded the app (pw), or could not (err)
	exited                   // the worker's process ended
	pinged                   // a ping came back (err nil) or did not
)

// spawn starts a worker of the current generation and returns at once:
// booting goes on in a goroutine, which reports booted, then exited.
func (a *arbiter) spawn() *worker {
	w := &worker{gen: a.gen, state: booting, since: time.Now()}
	if n := a.cfg.MaxRequests; n > 0 {
		w.maxRequests = int64(n)
		if j := a.cfg.MaxRequestsJitter; j > 0 {
			w.maxRequests += int64(rand.IntN(j + 1))
		}
	}
	a.workers[w] = true
	opts := a.appOpts
	opts.OnStart = func(pid int) { a.events <- event{w: w, kind: started, pid: pid} }
	ctx := a.ctx
	go func() {
		pw, err := pyapp.StartWorker(ctx, a.cfg.App, opts)
		if err != nil {
			a.events <- event{w: w, kind: booted, err: err}
			return
		}
		pw.OnFree = func(_ *pyapp.Worker, r *pyapp.Request) { a.pool.release(w, r) }
		a.events <- event{w: w, kind: booted, pw: pw}
		<-pw.Done()
		a.events <- event{w: w, kind: exited}
	}()
	return w
}

// ping asks a worker's main thread to answer within the timeout, in a
// goroutine; the answer comes back as a pinged event.
func (a *arbiter) ping(w *worker) {
	w.pinging, w.pinged = true, time.Now()
	timeout := a.cfg.WorkerTimeout
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		a.events <- event{w: w, kind: pinged, err: w.Ping(ctx)}
	}()
}

// describeExit says how a worker's process ended, in gunicorn's words:
// "Worker (pid:N) exited with code 1", "Worker (pid:N) was sent SIGKILL!
// Perhaps out of memory?"
func describeExit(w *worker) string {
	state := w.ProcessState()
	if state == nil {
		return fmt.Sprintf("Worker (pid:%d) stopped answering", w.pid)
	}
	ws, ok := state.Sys().(syscall.WaitStatus)
	switch {
	case ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL:
		return fmt.Sprintf("Worker (pid:%d) was sent SIGKILL! Perhaps out of memory?", w.pid)
	case ok && ws.Signaled():
		return fmt.Sprintf("Worker (pid:%d) was sent %s!", w.pid, signalName(ws.Signal()))
	}
	return fmt.Sprintf("Worker (pid:%d) exited with code %d", w.pid, state.ExitCode())
}

// signalName is a signal as Python names it: SIGSEGV.
func signalName(s syscall.Signal) string {
	names := map[syscall.Signal]string{
		syscall.SIGSEGV: "SIGSEGV", syscall.SIGABRT: "SIGABRT", syscall.SIGTERM: "SIGTERM",
		syscall.SIGINT: "SIGINT", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE",
		syscall.SIGILL: "SIGILL", syscall.SIGQUIT: "SIGQUIT", syscall.SIGHUP: "SIGHUP",
	}
	if n, ok := names[s]; ok {
		return n
	}
	return s.String()
}

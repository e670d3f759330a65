package pyapp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// App is a Python WSGI app served by a pool of runner processes. It implements
// wsgi.App and is safe for concurrent Calls: each is sent to a runner at once,
// an idle one if there is one, else the least busy (see pick), and reads its
// answer when the requests sent there before it have been answered.
type App struct {
	spec string
	opts Options

	done chan struct{} // closed by Close

	mu      sync.Mutex
	runners []*runner      // guarded by mu: every runner, for pick, Pids and Close
	waiting []chan *runner // guarded by mu: Calls waiting for room, oldest first (see pick)
	closed  bool           // guarded by mu
	closing []*runner      // guarded by mu: the runners Close or Kill stops
}

// Load starts opts.Runners runners for the app spec (gunicorn's syntax:
// "module", "module:name", "module:obj.attr", "module:factory('x', debug=True)")
// and returns once every runner has imported the app. The error is a
// *LoadError (errors.Is ErrImport, ErrNoAttribute, ErrNotCallable, ErrBadSpec
// or ErrFactory) when the app cannot be loaded, or another error when Python
// itself cannot be started.
func Load(spec string, opts Options) (*App, error) {
	return LoadContext(context.Background(), spec, opts)
}

// LoadContext is Load that gives up when ctx is done: a server told to stop
// while a slow app (Django) is still importing. The runners started so far
// are killed, and the error wraps ctx.Err().
func LoadContext(ctx context.Context, spec string, opts Options) (*App, error) {
	o := opts.withDefaults()
	a := &App{
		spec: spec,
		opts: o,
		done: make(chan struct{}),
	}
	runners := make([]*runner, o.Runners)
	errs := make([]error, o.Runners)
	var wg sync.WaitGroup
	for i := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runners[i], errs[i] = startRunner(ctx, spec, &a.opts)
		}()
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		for _, r := range runners {
			if r != nil {
				r.stop(false)
			}
		}
		return nil, err
	}
	a.runners = runners
	return a, nil
}

// firstError returns the first non-nil error: every runner fails the same way.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Call runs one request through a runner (see wsgi.App). It returns once the
// app has produced its head, which it hands to startResponse, or raised (an
// *AppError). The Body streams the rest; when it ends or is closed, the next
// request on that runner reads its answer.
func (a *App) Call(environ *wsgi.Environ, startResponse wsgi.StartResponse) (wsgi.Body, error) {
	b := &body{app: a, env: environ, turn: make(chan struct{}, 1)}
	if err := b.start(); err != nil {
		return nil, err
	}
	status, headers, err := b.head()
	if err != nil {
		return nil, err
	}
	if _, err := startResponse(status, headers, nil); err != nil {
		if cerr := b.Close(); cerr != nil {
			return nil, errors.Join(err, cerr)
		}
		return nil, err
	}
	return b, nil
}

// Close stops every runner (see runner.stop) and waits for them to exit.
// Calls in flight fail; later Calls return ErrClosed.
func (a *App) Close() error {
	a.shut(false)
	return nil
}

// Kill is Close without the courtesy: every runner is killed at once (SIGKILL),
// whatever it is doing. A server uses it for a quick stop (INT, QUIT), or
// when its graceful timeout has run out with requests still in the app.
func (a *App) Kill() {
	a.shut(true)
}

// shut marks the app closed and stops its runners, killing them if kill.
// Kill may follow a Close that is still waiting for runners to exit: it
// hurries them.
func (a *App) shut(kill bool) {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.done) // waiting Calls return ErrClosed
		a.closing = a.runners
		a.runners = nil
	}
	runners := a.closing
	a.mu.Unlock()

	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if kill {
				_ = r.cmd.Process.Kill() // fails only if it already exited
			}
			r.stop(kill)
		}()
	}
	wg.Wait()
}

// Pids returns the process ids of the current runners.
func (a *App) Pids() []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	pids := make([]int, len(a.runners))
	for i, r := range a.runners {
		pids[i] = r.pid
	}
	return pids
}

// pick chooses the runner for a request and counts the request in flight
// there: an idle runner if there is one, so that a slow request never delays
// another while a runner is free; else the least busy one with room in its
// pipeline. When every runner is full, Calls wait in line, and whoever frees
// room hands it to the oldest (handOutLocked): with a condition variable
// instead, a Call that has just finished and calls again would take the room
// first, and some Calls could wait for ever. A runner that died is replaced,
// once no request uses it any more, by the Call that finds it.
func (a *App) pick() (*runner, error) {
	a.mu.Lock()
	front := false // woken to look again: first in line
	for {
		if a.closed {
			a.mu.Unlock()
			return nil, ErrClosed
		}
		if front || len(a.waiting) == 0 {
			r, dead := a.chooseLocked()
			if r == nil && dead != nil {
				var err error
				if r, err = a.replaceLocked(dead); err != nil {
					a.mu.Unlock()
					return nil, err
				}
			}
			if r != nil {
				r.inflight++
				a.handOutLocked() // a new runner has room for others too
				a.mu.Unlock()
				return r, nil
			}
		}
		wake := make(chan *runner, 1)
		if front {
			a.waiting = slices.Insert(a.waiting, 0, wake)
		} else {
			a.waiting = append(a.waiting, wake)
		}
		a.mu.Unlock()
		select {
		case r := <-wake:
			if r != nil {
				return r, nil // counted in flight by handOutLocked
			}
			front = true // a dead runner to replace: look again
		case <-a.done:
			return nil, ErrClosed
		}
		a.mu.Lock()
	}
}

// chooseLocked returns the runner a request should go to (nil if every one
// is full), or else a dead runner nobody uses any more, to replace.
func (a *App) chooseLocked() (best, dead *runner) {
	for _, r := range a.runners {
		switch {
		case r.replacing:
		case r.broken() || r.inflight == 0 && r.hasExited():
			if r.inflight == 0 { // else its requests are still leaving it
				dead = r
			}
		case best == nil || r.inflight < best.inflight:
			best = r
		}
	}
	switch {
	case best != nil && best.inflight == 0:
		return best, nil
	case dead != nil:
		return nil, dead
	case best != nil && best.inflight < pipelineDepth:
		return best, nil
	}
	return nil, nil
}

// handOutLocked gives the room there is to the Calls waiting for it, oldest
// first, counting each in flight on its runner. A dead runner to replace
// wakes the oldest with nil: it replaces it.
func (a *App) handOutLocked() {
	for len(a.waiting) > 0 {
		r, dead := a.chooseLocked()
		if r == nil && dead == nil {
			return
		}
		wake := a.waiting[0]
		a.waiting = slices.Delete(a.waiting, 0, 1)
		if r == nil {
			wake <- nil
			return
		}
		r.inflight++
		wake <- r // never blocks: buffered, and sent to once
	}
}

// leave says a request is done with r: answered, failed, or about to be sent
// elsewhere. Its room goes to the oldest waiting Call.
func (a *App) leave(r *runner) {
	a.mu.Lock()
	r.inflight--
	a.handOutLocked()
	a.mu.Unlock()
}

// replaceLocked stops old and starts a fresh runner in its place. It is
// called with a.mu held and returns with it held, but releases it meanwhile:
// starting Python takes a while. Other Calls skip old in the meantime.
func (a *App) replaceLocked(old *runner) (*runner, error) {
	old.replacing = true
	a.mu.Unlock()
	old.stop(true)
	if !old.broken() {
		a.logf("app runner (pid %d) exited while idle (%s); starting a new one", old.pid, old.exitStatus())
	}
	r, err := startRunner(context.Background(), a.spec, &a.opts)
	a.mu.Lock()
	old.replacing = false
	if err != nil {
		a.handOutLocked() // old is still dead: the next waiting Call tries again
		return nil, fmt.Errorf("restart app runner: %w", err)
	}
	if a.closed {
		a.mu.Unlock()
		r.stop(false)
		a.mu.Lock()
		return nil, ErrClosed
	}
	for i := range a.runners {
		if a.runners[i] == old {
			a.runners[i] = r
		}
	}
	return r, nil
}

func (a *App) isClosed() bool {
	select {
	case <-a.done:
		return true
	default:
		return false
	}
}

// logf hands one note to Options.Log, or writes it to the error log. A
// failing error log has nowhere to report to, so its error is dropped.
func (a *App) logf(format string, args ...any) {
	if a.opts.Log != nil {
		a.opts.Log(fmt.Sprintf(format, args...))
		return
	}
	_, _ = fmt.Fprintf(a.opts.ErrorLog, "pyapp: "+format+"\n", args...)
}

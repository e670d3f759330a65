package pyapp

import (
	"errors"
	"fmt"
	"sync"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// App is a Python WSGI app served by a pool of runner processes. It implements
// wsgi.App and is safe for concurrent Calls: each takes a free runner (waiting
// for one if all are busy) and gives it back when its Body ends or is closed.
type App struct {
	spec string
	opts Options

	idle chan *runner  // free runners; a broken one is replaced by whoever takes it
	done chan struct{} // closed by Close

	mu      sync.Mutex
	runners []*runner // guarded by mu: every runner, busy or idle, for Close
	closed  bool      // guarded by mu
}

// Load starts opts.Runners runners for the app spec (gunicorn's syntax:
// "module", "module:name", "module:obj.attr", "module:factory('x', debug=True)")
// and returns once every runner has imported the app. The error is a
// *LoadError (errors.Is ErrImport, ErrNoAttribute, ErrNotCallable, ErrBadSpec
// or ErrFactory) when the app cannot be loaded, or another error when Python
// itself cannot be started.
func Load(spec string, opts Options) (*App, error) {
	o := opts.withDefaults()
	a := &App{
		spec: spec,
		opts: o,
		idle: make(chan *runner, o.Runners),
		done: make(chan struct{}),
	}
	runners := make([]*runner, o.Runners)
	errs := make([]error, o.Runners)
	var wg sync.WaitGroup
	for i := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runners[i], errs[i] = startRunner(spec, &a.opts)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, r := range runners {
			if r != nil {
				r.stop(false)
			}
		}
		return nil, firstError(errs)
	}
	a.runners = runners
	for _, r := range runners {
		a.idle <- r
	}
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
// *AppError). The Body streams the rest; its Close gives the runner back.
func (a *App) Call(environ *wsgi.Environ, startResponse wsgi.StartResponse) (wsgi.Body, error) {
	r, err := a.acquire()
	if err != nil {
		return nil, err
	}
	b := &body{app: a, r: r, env: environ}
	if err := b.send(); err != nil {
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
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	close(a.done)
	runners := a.runners
	a.runners = nil
	a.mu.Unlock()

	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.stop(false)
		}()
	}
	wg.Wait()
	return nil
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

// acquire takes a free runner, replacing it first if it died or broke.
func (a *App) acquire() (*runner, error) {
	var r *runner
	select {
	case r = <-a.idle:
	case <-a.done:
		return nil, ErrClosed
	}
	if a.isClosed() {
		a.idle <- r
		return nil, ErrClosed
	}
	if r.broken || r.hasExited() {
		nr, err := a.replace(r)
		if err != nil {
			a.idle <- r // still broken: the next Call tries again
			return nil, err
		}
		r = nr
	}
	return r, nil
}

// release gives a runner back to the pool.
func (a *App) release(r *runner) {
	a.idle <- r // never blocks: the pool has room for every runner
}

// replace stops old and starts a fresh runner in its place.
func (a *App) replace(old *runner) (*runner, error) {
	old.stop(true)
	if !old.broken {
		a.logf("app runner (pid %d) exited while idle (%s); starting a new one", old.pid, old.exitStatus())
	}
	r, err := startRunner(a.spec, &a.opts)
	if err != nil {
		return nil, fmt.Errorf("restart app runner: %w", err)
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		r.stop(false)
		return nil, ErrClosed
	}
	for i := range a.runners {
		if a.runners[i] == old {
			a.runners[i] = r
		}
	}
	a.mu.Unlock()
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

// logf writes one line to the error log. A failing error log has nowhere to
// report to, so its error is dropped.
func (a *App) logf(format string, args ...any) {
	_, _ = fmt.Fprintf(a.opts.ErrorLog, "pyapp: "+format+"\n", args...)
}

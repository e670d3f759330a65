package pyapp

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// App is a Python WSGI app served by one runner, replaced when it dies: what
// stages 1 to 3 serve with. It implements wsgi.App and is safe for
// concurrent Calls: up to Options.Threads run at once in the runner, the
// others wait here, first come first served. (Stage 4's arbiter runs many
// Workers itself, with its own dispatching and supervision.)
type App struct {
	spec string
	opts Options

	slots chan struct{} // a token per request the runner may run at once
	done  chan struct{} // closed by Close

	mu      sync.Mutex // also held while a dead runner is replaced
	w       *Worker    // guarded by mu
	closed  bool       // guarded by mu
	stopped *Worker    // guarded by mu: the runner Close is stopping, for Kill
}

// Load starts a runner for the app spec (gunicorn's syntax: "module",
// "module:name", "module:obj.attr", "module:factory('x', debug=True)") and
// returns once it has imported the app. The error is a *LoadError
// (errors.Is ErrImport, ErrNoAttribute, ErrNotCallable, ErrBadSpec or
// ErrFactory) when the app cannot be loaded, or one wrapping ErrBoot when
// Python itself cannot be started.
func Load(spec string, opts Options) (*App, error) {
	return LoadContext(context.Background(), spec, opts)
}

// LoadContext is Load that gives up when ctx is done: a server told to stop
// while a slow app (Django) is still importing. The runner is killed, and
// the error wraps ctx.Err().
func LoadContext(ctx context.Context, spec string, opts Options) (*App, error) {
	a := &App{spec: spec, opts: opts.withDefaults(), done: make(chan struct{})}
	a.slots = make(chan struct{}, a.opts.Threads)
	w, err := a.start(ctx)
	if err != nil {
		return nil, err
	}
	a.w = w
	return a, nil
}

func (a *App) start(ctx context.Context) (*Worker, error) {
	w, err := startWorker(ctx, a.spec, &a.opts)
	if err != nil {
		return nil, err
	}
	w.OnFree = func(*Worker, *Request) { <-a.slots } // never blocks: the Call took it
	return w, nil
}

// Call runs one request (see wsgi.App and Worker.Call). When the runner has
// died, the Call that finds it starts a new one first; if that one cannot
// load the app any more (its code changed on disk and broke), the error is
// its *LoadError, which matches wsgi.ErrAppLoad.
func (a *App) Call(environ *wsgi.Environ, startResponse wsgi.StartResponse) (wsgi.Body, error) {
	for tries := 0; ; tries++ {
		select {
		case a.slots <- struct{}{}: // given back by Worker.OnFree
		case <-a.done:
			return nil, ErrClosed
		}
		w, err := a.worker()
		if err != nil {
			<-a.slots
			return nil, err
		}
		body, err := w.Call(environ, startResponse)
		if errors.Is(err, ErrNotSent) && tries < 2 {
			continue // it died before the request reached it: a fresh runner can take it
		}
		return body, err
	}
}

// worker returns the live runner, replacing a dead one.
func (a *App) worker() (*Worker, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, ErrClosed
	}
	if !a.w.Gone() {
		return a.w, nil
	}
	old := a.w
	old.stop(true)
	a.logf("app runner (pid %d) exited (%s); starting a new one", old.pid, old.ExitStatus())
	w, err := a.start(context.Background())
	if err != nil {
		return nil, fmt.Errorf("restart app runner: %w", err)
	}
	a.w = w
	return w, nil
}

// Pids returns the process id of the current runner.
func (a *App) Pids() []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.w == nil {
		return nil
	}
	return []int{a.w.pid}
}

// Close stops the runner (see Worker.Close) and waits for it to exit.
// Requests in flight fail; later Calls return ErrClosed.
func (a *App) Close() error {
	a.shut(false)
	return nil
}

// Kill is Close without the courtesy: the runner is killed at once
// (SIGKILL), whatever it is doing. A server uses it for a quick stop (INT,
// QUIT), or when its graceful timeout has run out with requests in the app.
// Kill may follow a Close still waiting for the runner to exit: it hurries it.
func (a *App) Kill() {
	a.shut(true)
}

func (a *App) shut(kill bool) {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.done)
		a.stopped = a.w
	}
	w := a.stopped
	a.mu.Unlock()
	if w != nil {
		w.stop(kill)
	}
}

func (a *App) logf(format string, args ...any) {
	if a.opts.Log != nil {
		a.opts.Log(fmt.Sprintf(format, args...))
		return
	}
	_, _ = fmt.Fprintf(a.opts.ErrorLog, "pyapp: "+format+"\n", args...) // nowhere to report a failing log
}

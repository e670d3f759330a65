package arbiter

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"gunicorn-go/stage1-wsgi-hello/pyapp"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// pool is the wsgi.App the master's server calls: it dispatches each
// request to a worker with a free thread, the least busy first. When every
// thread is busy the request waits here, in the master, first come first
// served, and goes to whichever worker frees a thread first: so a slow
// request never delays a fast one while a thread is free anywhere, and a
// client's connection does not care which worker, old or new, answers it.
//
// The pool only dispatches: which workers exist is the arbiter's business.
// It adds a worker once it has loaded the app (add) and removes it when the
// worker retires or dies (remove).
type pool struct {
	wait   time.Duration // how long a request may wait for a thread: 503 after
	notify chan struct{} // poked (never blocks) when the arbiter should look: a worker used up its requests, or a retiring one went idle

	mu      sync.Mutex
	workers []*worker // guarded by mu: the workers taking requests, oldest first
	waiting []*waiter // guarded by mu: requests waiting for a thread, oldest first
	closed  bool      // guarded by mu: no worker will come any more
}

// waiter is one request waiting for a thread.
type waiter struct {
	ch chan *worker // receives the worker, counted busy, or nil: the pool closed
}

func newPool(wait time.Duration) *pool {
	return &pool{wait: wait, notify: make(chan struct{}, 1)}
}

// errNoWorker is a request that waited too long for a free thread.
var errNoWorker = fmt.Errorf("no worker had a free thread in time: %w", wsgi.ErrUnavailable)

// errStopping is a request that came while the server has no worker left to
// run it (it is stopping).
var errStopping = fmt.Errorf("the workers are stopping: %w", wsgi.ErrUnavailable)

// Call runs a request in a worker (see wsgi.App). A request that did not
// reach its worker, because it had just died, goes to another one.
func (p *pool) Call(env *wsgi.Environ, startResponse wsgi.StartResponse) (wsgi.Body, error) {
	for tries := 0; ; tries++ {
		w, err := p.acquire()
		if err != nil {
			return nil, err
		}
		body, err := w.Call(env, startResponse)
		if errors.Is(err, pyapp.ErrNotSent) && tries < 3 {
			// It died before the request reached it: another worker takes
			// the request, and none is sent to this one any more. (The
			// thread it held was given back by release.)
			p.remove(w)
			continue
		}
		return body, err
	}
}

// acquire returns a worker with a free thread, counting the request busy
// there; it waits for one up to p.wait.
func (p *pool) acquire() (*worker, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errStopping
	}
	if w := p.pickLocked(); w != nil {
		p.countLocked(w)
		p.mu.Unlock()
		return w, nil
	}
	wt := &waiter{ch: make(chan *worker, 1)}
	p.waiting = append(p.waiting, wt)
	p.mu.Unlock()

	timer := time.NewTimer(p.wait)
	defer timer.Stop()
	select {
	case w := <-wt.ch:
		if w == nil {
			return nil, errStopping
		}
		return w, nil
	case <-timer.C:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := slices.Index(p.waiting, wt); i >= 0 {
		p.waiting = slices.Delete(p.waiting, i, i+1)
		return nil, errNoWorker
	}
	// Handed a worker just as the time ran out: take it.
	if w := <-wt.ch; w != nil {
		return w, nil
	}
	return nil, errStopping
}

// pickLocked returns the least busy worker with a free thread, or nil. A
// worker that has had its share of requests (max_requests) takes no more.
func (p *pool) pickLocked() *worker {
	var best *worker
	for _, w := range p.workers {
		if w.busy < w.Threads() && !w.usedUpLocked() && !gone(w) && (best == nil || w.busy < best.busy) {
			best = w
		}
	}
	return best
}

func (w *worker) usedUpLocked() bool {
	return w.maxRequests > 0 && w.dispatched >= w.maxRequests
}

// dueLocked reports whether w is near the end of its share: its replacement
// should start now, so that it has loaded the app by the time w stops
// taking requests, and no request waits for it.
func (w *worker) dueLocked() bool {
	return w.maxRequests > 0 && w.dispatched >= w.maxRequests-w.maxRequests/4
}

// countLocked counts one more request running on w, and tells the arbiter
// when w's replacement is due.
func (p *pool) countLocked(w *worker) {
	w.busy++
	w.dispatched++
	if w.dueLocked() {
		p.poke()
	}
}

// release is a Worker's OnFree: a thread of w is free. It goes to the
// oldest waiting request, if any.
func (p *pool) release(w *worker) {
	p.mu.Lock()
	w.busy--
	p.handOutLocked()
	idle := w.busy == 0
	p.mu.Unlock()
	if idle {
		p.poke() // a retiring worker may be done
	}
}

// handOutLocked gives the free threads to the waiting requests, oldest first.
func (p *pool) handOutLocked() {
	for len(p.waiting) > 0 {
		w := p.pickLocked()
		if w == nil {
			return
		}
		p.countLocked(w)
		wt := p.waiting[0]
		p.waiting = slices.Delete(p.waiting, 0, 1)
		wt.ch <- w // never blocks: buffered, and sent to once
	}
}

// add makes w take requests.
func (p *pool) add(w *worker) {
	p.mu.Lock()
	p.workers = append(p.workers, w)
	p.handOutLocked()
	p.mu.Unlock()
}

// remove stops w taking requests; those it runs go on.
func (p *pool) remove(w *worker) {
	p.mu.Lock()
	if i := slices.Index(p.workers, w); i >= 0 {
		p.workers = slices.Delete(p.workers, i, i+1)
	}
	p.mu.Unlock()
}

// busy returns how many requests w runs, as the pool counts them.
func (p *pool) busy(w *worker) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return w.busy
}

// due reports whether w's replacement should start (see dueLocked), and
// whether w has had its whole share of requests.
func (p *pool) due(w *worker) (due, usedUp bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return w.dueLocked(), w.usedUpLocked()
}

// close makes the waiting requests, and those that come later, fail with 503.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	for _, wt := range p.waiting {
		wt.ch <- nil
	}
	p.waiting = nil
	p.mu.Unlock()
}

func (p *pool) poke() {
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

// gone reports whether w's runner has died: until the arbiter reaps it, it
// is still in the pool, but takes nothing.
func gone(w *worker) bool {
	select {
	case <-w.Done():
		return true
	default:
		return false
	}
}

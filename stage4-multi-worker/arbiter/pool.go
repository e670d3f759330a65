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
// A request that waits does not wake to be sent: whoever frees a thread
// (the goroutine that read the runner's answer) sends the oldest waiting
// request to it at once, and the waiting request's goroutine wakes only for
// its answer.
//
// Sending ahead. When every thread is busy, one request may be sent ahead
// to a worker whose requests are all young: it waits in the runner, which
// takes it the moment a thread frees, without waiting for Go. On 2 cores
// with hello.py this is most of the speed (the runner never sleeps between
// two requests; see bench/README.md). It must not strand the request behind
// a slow one, so it is taken back (pyapp's TakeBack) if it has waited in the
// runner for aheadLimit, and goes back to the front of the line here, for
// the first thread that frees anywhere.
//
// The pool only dispatches: which workers exist is the arbiter's business.
// It adds a worker once it has loaded the app (add) and removes it when the
// worker retires or dies (remove).
type pool struct {
	wait   time.Duration // how long a request may wait for a thread: 503 after
	notify chan struct{} // poked (never blocks) when the arbiter should look: a worker used up its requests, or a retiring one went idle

	mu      sync.Mutex
	workers []*worker              // guarded by mu: the workers taking requests, oldest first
	waiting []*waiter              // guarded by mu: requests waiting for a thread, oldest first
	closed  bool                   // guarded by mu: no worker will come any more
	orphans map[*wsgi.Environ]bool // guarded by mu: sent ahead to a worker that died before starting them
}

// waiter is one request waiting for a thread.
type waiter struct {
	env   *wsgi.Environ
	ch    chan sent   // receives the request as sent, or why it was not
	timer *time.Timer // stopped while the waiter is not in use
}

// waiters keeps the waiters that are not in use, each with its channel and
// stopped timer: at wrk -c64 against 2 runners nearly every request waits
// here, and a fresh waiter, channel and timer were 350 of the 1,000 bytes
// the master allocated per request (an allocation profile of hello.py).
// A waiter goes back only when its channel is empty and nobody holds it.
var waiters = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &waiter{ch: make(chan sent, 1), timer: t}
}}

// done puts back a waiter whose channel is empty and which is in no list,
// its timer stopped. Since Go 1.23 a stopped timer's channel holds no stale
// tick; the drain is for GODEBUG=asynctimerchan=1, where it may, and the
// waiter's next wait would end at once with a 503.
func (wt *waiter) done() {
	if !wt.timer.Stop() {
		select {
		case <-wt.timer.C:
		default:
		}
	}
	wt.env = nil
	waiters.Put(wt)
}

// sent is what a waiter learns: its request, sent to a worker, or an error
// (errStopping, or ErrNotSent when the worker it was sent to had died).
type sent struct {
	r   *pyapp.Request
	err error
}

func newPool(wait time.Duration) *pool {
	return &pool{wait: wait, notify: make(chan struct{}, 1)}
}

// aheadLimit is how long a request sent ahead may wait in a runner before it
// is taken back: a worker whose oldest request has run this long is busy
// with something slow, and gets none sent ahead.
const aheadLimit = 2 * time.Millisecond

// errNoWorker is a request that waited too long for a free thread.
var errNoWorker = fmt.Errorf("no worker had a free thread in time: %w", wsgi.ErrUnavailable)

// errStopping is a request that came while the server has no worker left to
// run it (it is stopping).
var errStopping = fmt.Errorf("the workers are stopping: %w", wsgi.ErrUnavailable)

// Call runs a request in a worker (see wsgi.App). A request that did not
// reach its worker, because it had just died, or that was taken back, goes
// to another one.
func (p *pool) Call(env *wsgi.Environ, startResponse wsgi.StartResponse) (wsgi.Body, error) {
	front := false
	for tries := 0; ; tries++ {
		r, w, err := p.send(env, front)
		if errors.Is(err, pyapp.ErrNotSent) && tries < 3 {
			// It died before the request reached it: another worker takes
			// the request, and none is sent to this one any more. (The
			// thread it held was given back by release.)
			if w != nil {
				p.remove(w)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		body, err := r.Respond(startResponse)
		if errors.Is(err, pyapp.ErrTakenBack) || errors.Is(err, pyapp.ErrRunnerDied) && p.neverRan(env) {
			// Taken back, or sent ahead to a worker that died before
			// starting it: it has not run, and it waited the longest.
			front = true
			continue
		}
		return body, err
	}
}

// send sends env's request to a worker with a free thread (or ahead, see
// pickLocked), counting it busy there, or waits, up to p.wait, until
// release sends it for us. front puts it first in line. It returns the
// worker when it knows it (to stop using a dead one).
func (p *pool) send(env *wsgi.Environ, front bool) (*pyapp.Request, *worker, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, nil, errStopping
	}
	if w, ahead := p.pickLocked(); w != nil && (!front || !ahead) {
		p.countLocked(w)
		if ahead {
			w.aheadEnv = env
		}
		p.mu.Unlock()
		r, err := w.Send(env)
		if err == nil && ahead {
			p.sentAhead(w, env, r)
		}
		return r, w, err
	}
	wt := waiters.Get().(*waiter)
	wt.env = env
	wt.timer.Reset(p.wait)
	if front {
		p.waiting = slices.Insert(p.waiting, 0, wt)
	} else {
		p.waiting = append(p.waiting, wt)
	}
	p.mu.Unlock()

	defer wt.done() // on every way out the channel has been emptied or never sent to
	select {
	case s := <-wt.ch:
		return s.r, nil, s.err
	case <-wt.timer.C:
	}
	p.mu.Lock()
	if i := slices.Index(p.waiting, wt); i >= 0 {
		p.waiting = slices.Delete(p.waiting, i, i+1)
		p.mu.Unlock()
		return nil, nil, errNoWorker
	}
	p.mu.Unlock()
	s := <-wt.ch // handed to a worker just as the time ran out: it is on its way
	return s.r, nil, s.err
}

// sentAhead records r, env's request just sent to w ahead of a free
// thread, and arms the timer that takes it back if it waits too long. If a
// thread freed meanwhile (release cleared aheadEnv), r has started: there is
// nothing to record. That thread may since have taken a slow request and
// another request gone ahead behind it: aheadEnv is then that one's, and its
// own sentAhead records it, so that the timer takes back the request that
// waits, not r, which runs.
func (p *pool) sentAhead(w *worker, env *wsgi.Environ, r *pyapp.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if w.aheadEnv != env || w.ahead != nil {
		return
	}
	w.ahead, w.takingBack = r, false
	if w.aheadTimer == nil {
		w.aheadTimer = time.AfterFunc(aheadLimit, func() { p.takeBack(w) })
	} else {
		w.aheadTimer.Reset(aheadLimit)
	}
}

// takeBack takes w's request sent ahead back, if it still waits: it has
// waited aheadLimit behind a request that is slow. Respond then returns
// ErrTakenBack to its Call, which puts it first in line.
func (p *pool) takeBack(w *worker) {
	p.mu.Lock()
	r := w.ahead
	if r == nil || w.takingBack {
		p.mu.Unlock()
		return
	}
	w.takingBack = true
	p.mu.Unlock()
	w.TakeBack(r)
}

// pickLocked returns the least busy worker with a free thread; or, when
// there is none, one that can take a request ahead (ahead true): all its
// threads busy with young requests, none sent ahead yet. Nil when there is
// neither. A worker that has had its share of requests (max_requests) takes
// no more.
func (p *pool) pickLocked() (w *worker, ahead bool) {
	var best, spare *worker
	for _, w := range p.workers {
		switch {
		case w.usedUpLocked() || gone(w):
		case w.busy < w.Threads():
			if best == nil || w.busy < best.busy {
				best = w
			}
		case spare == nil && w.busy == w.Threads() && w.ahead == nil && w.Oldest() < aheadLimit:
			spare = w
		}
	}
	if best != nil {
		return best, false
	}
	return spare, spare != nil
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

// release is a Worker's OnFree: the runner is done with r (nil for a
// request that never reached it), and a thread of w is free. If r was not
// the request sent ahead, that one has started on the thread. The thread
// goes to the oldest waiting request, if any, which is sent from here.
func (p *pool) release(w *worker, r *pyapp.Request) {
	p.mu.Lock()
	w.busy--
	if w.aheadEnv != nil && gone(w) {
		// The runner died with the request sent ahead still waiting: no
		// thread had freed since it was sent (the runner answers E before
		// it starts the next request, and Go reads that E before the end of
		// the socket), so it did not run, and may go to another worker (see
		// Call).
		if p.orphans == nil {
			p.orphans = map[*wsgi.Environ]bool{}
		}
		p.orphans[w.aheadEnv] = true
	}
	// The request sent ahead, if any, has now ended (taken back, or run) or
	// started on the thread freed: it waits no more either way.
	w.aheadEnv = nil
	if w.ahead != nil {
		w.ahead = nil
		w.aheadTimer.Stop()
	}
	idle := w.busy == 0
	p.mu.Unlock()
	p.handOut()
	if idle {
		p.poke() // a retiring worker may be done
	}
}

// neverRan reports whether env's request was sent ahead to a worker that
// died before starting it (see release), and forgets it.
func (p *pool) neverRan(env *wsgi.Environ) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	orphan := p.orphans[env]
	delete(p.orphans, env)
	return orphan
}

// handOut sends waiting requests, oldest first, to the free threads, and
// one ahead to a worker that can take it.
func (p *pool) handOut() {
	for {
		p.mu.Lock()
		if len(p.waiting) == 0 {
			p.mu.Unlock()
			return
		}
		w, ahead := p.pickLocked()
		if w == nil {
			p.mu.Unlock()
			return
		}
		p.countLocked(w)
		wt := p.waiting[0]
		p.waiting = slices.Delete(p.waiting, 0, 1)
		if ahead {
			w.aheadEnv = wt.env
		}
		p.mu.Unlock()
		r, err := w.Send(wt.env) // on failure, w.OnFree gives the thread back
		if err == nil && ahead {
			p.sentAhead(w, wt.env, r)
		}
		wt.ch <- sent{r, err} // never blocks: buffered, and sent to once
	}
}

// add makes w take requests.
func (p *pool) add(w *worker) {
	p.mu.Lock()
	p.workers = append(p.workers, w)
	p.mu.Unlock()
	p.handOut()
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
		wt.ch <- sent{err: errStopping}
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
func gone(w *worker) bool { return w.Gone() }

package arbiter

import (
	"errors"
	"sync"
	"testing"
	"time"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// TestWaiterReused: a request that waits for a thread takes a waiter, its
// channel and its timer from the pool and gives them back, whichever way
// the wait ends, so waiting allocates nothing. Here no worker comes, so
// every wait runs out (errNoWorker), the timer's way out; and a closed
// pool answers the waiters it held, the channel's.
func TestWaiterReused(t *testing.T) {
	p := newPool(time.Microsecond)
	env := &wsgi.Environ{}
	if _, _, err := p.send(env, false); !errors.Is(err, errNoWorker) {
		t.Fatalf("send with no worker: %v, want errNoWorker", err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := p.send(env, false); !errors.Is(err, errNoWorker) {
			t.Errorf("send with no worker: %v, want errNoWorker", err)
		}
	})
	if allocs != 0 && !raceEnabled {
		t.Errorf("a wait that runs out allocates %.1f times, want 0", allocs)
	}

	// Waiters answered by close come back empty: the next waits run out
	// on their own timers, not on a stale answer.
	p = newPool(time.Hour)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := p.send(env, false); !errors.Is(err, errStopping) {
				t.Errorf("send as the pool closes: %v, want errStopping", err)
			}
		}()
	}
	for {
		p.mu.Lock()
		n := len(p.waiting)
		p.mu.Unlock()
		if n == 4 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	p.close()
	wg.Wait()
	p = newPool(time.Millisecond)
	for range 8 {
		if _, _, err := p.send(env, false); !errors.Is(err, errNoWorker) {
			t.Fatalf("send after reuse: %v, want errNoWorker", err)
		}
	}
}

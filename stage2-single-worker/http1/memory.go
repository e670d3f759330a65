package http1

import (
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// HeadMemory bounds the memory that request heads hold, across all the
// connections that share it.
//
// Gunicorn's limits let one head be about 800 KB (100 fields of 8190
// bytes), which is fine for one client and not for hundreds: 300
// connections each sending such a head to a slow app held 600 MB. So the
// first bytes of every head (smallHead, enough for nearly every real
// request) are the connection's own, and a head that goes on past them
// reserves the rest, a chunk at a time, from a HeadMemory. When the budget
// is spent the connection waits, without reading, until other heads give
// theirs back or its deadline passes; then it is refused with 503. Its
// bytes wait meanwhile in the kernel's socket buffers, and the client is
// slowed down to the pace the server can afford. Small requests never
// wait: they reserve nothing.
//
// A Request holds its reservation until the next ReadRequest into it or
// Release. When the heads that filled the budget are gone, HeadMemory
// hands their memory back to the operating system (debug.FreeOSMemory):
// nothing else would make Go's runtime do so for minutes, and an operator
// watching the RSS would see the server keep what an attack made it take.
type HeadMemory struct {
	limit int64

	mu        sync.Mutex
	used      int64         // guarded by mu
	waiting   []*headWaiter // guarded by mu; first come, first served
	peaked    bool          // guarded by mu: used passed limit/4 since the memory was last returned
	returning bool          // guarded by mu: a return to the OS is scheduled
}

// headWaiter is a reservation waiting for memory.
type headWaiter struct {
	n     int64
	ready chan struct{} // closed once n bytes are reserved for it
}

// DefaultHeadMemory is the budget of heads read with Limits whose Memory is
// nil: 64 MiB shared by the whole process, room for some 80 heads at
// gunicorn's default limits, or a thousand of 64 KB.
var DefaultHeadMemory = NewHeadMemory(64 << 20)

// returnDelay is how long after the heads drained HeadMemory returns
// their memory to the OS, so that a burst of closes triggers one return.
const returnDelay = 500 * time.Millisecond

// NewHeadMemory returns a budget of limit bytes.
func NewHeadMemory(limit int64) *HeadMemory {
	return &HeadMemory{limit: limit}
}

// InUse returns the bytes reserved now.
func (m *HeadMemory) InUse() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.used
}

// Waiting returns how many reservations wait for memory now.
func (m *HeadMemory) Waiting() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.waiting)
}

// reserve takes n bytes from the budget. Outcomes:
//   - nil: the bytes are reserved; release gives them back.
//   - a 503 *Error: there were not n bytes to spare before deadline (at
//     once for a zero deadline, or n over the whole budget).
//
// Reservations are served in order: a new one does not overtake those
// already waiting.
func (m *HeadMemory) reserve(n int64, deadline time.Time) error {
	m.mu.Lock()
	if len(m.waiting) == 0 && m.used+n <= m.limit {
		m.takeLocked(n)
		m.mu.Unlock()
		return nil
	}
	wait := time.Until(deadline)
	if deadline.IsZero() || wait <= 0 || n > m.limit {
		err := m.exhaustedLocked()
		m.mu.Unlock()
		return err
	}
	w := &headWaiter{n: n, ready: make(chan struct{})}
	m.waiting = append(m.waiting, w)
	m.mu.Unlock()

	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-w.ready:
		return nil
	case <-timer.C:
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-w.ready:
		return nil // granted as the timer fired
	default:
	}
	for i, o := range m.waiting {
		if o == w {
			m.waiting = append(m.waiting[:i], m.waiting[i+1:]...)
			break
		}
	}
	m.grantLocked() // those behind it may fit
	return m.exhaustedLocked()
}

func (m *HeadMemory) exhaustedLocked() error {
	return unavailable(fmt.Sprintf("request head memory exhausted (%d of %d KiB in use): the server is busy with other large heads", m.used>>10, m.limit>>10))
}

func (m *HeadMemory) takeLocked(n int64) {
	m.used += n
	if m.used > m.limit/4 {
		m.peaked = true
	}
}

// grantLocked reserves memory for the waiters at the head of the queue,
// while it lasts.
func (m *HeadMemory) grantLocked() {
	for len(m.waiting) > 0 && m.used+m.waiting[0].n <= m.limit {
		w := m.waiting[0]
		m.waiting[0] = nil
		m.waiting = m.waiting[1:]
		m.takeLocked(w.n)
		close(w.ready)
	}
	if len(m.waiting) == 0 {
		m.waiting = nil // let the queue's array go
	}
}

// release gives n reserved bytes back.
func (m *HeadMemory) release(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.used -= n
	m.grantLocked()
	if m.peaked && m.used <= m.limit/16 && !m.returning {
		m.returning = true
		time.AfterFunc(returnDelay, m.returnToOS)
	}
}

// returnToOS hands the memory of the heads that drained back to the
// operating system, unless new ones have taken it meanwhile.
func (m *HeadMemory) returnToOS() {
	m.mu.Lock()
	m.returning = false
	drained := m.used <= m.limit/16
	if drained {
		m.peaked = false
	}
	m.mu.Unlock()
	if drained {
		debug.FreeOSMemory()
	}
}

package server

import "time"

// An idle keep-alive connection waits without a timer of its own.
//
// A deadline on a connection is a timer in the Go runtime's heap, and the
// runtime walks that whole heap whenever a timer that was moved earlier
// comes due (runtime.(*timers).adjust). A busy connection moves one earlier
// at about every request (its idleGrace deadline), so with 10,000 idle
// connections each holding its keep-alive deadline, every such walk was
// 10,000 timers long: 9% of the master's CPU beside wrk (bench/README.md,
// case 5). So an idle connection clears its deadlines and records when its
// keep-alive runs out, and one goroutine per server, running while any
// connection is idle, wakes those whose time is up every sweepEvery: a
// keep-alive ends up to sweepEvery late, as gunicorn's, which checks once a
// second, ends late too.

// sweepEvery is how often sweepIdle looks for keep-alives that ran out.
const sweepEvery = 250 * time.Millisecond

// sleepUntil has c wait idle until deadline with no deadline of its own:
// sweepIdle wakes it then (see waitIdle).
func (c *conn) sleepUntil(deadline time.Time) {
	// Neither deadline: the last response's write deadline would stay in the
	// heap for Timeout too (the next write sets its own).
	_ = c.nc.SetDeadline(time.Time{})
	c.idleUntil.Store(deadline.UnixNano())
	s := c.s
	s.mu.Lock()
	start := !s.sweeping
	s.sweeping = true
	s.mu.Unlock()
	if start {
		go s.sweepIdle()
	}
}

// wokeInTime is what waitIdle calls when its wait ends: it reports false
// when sweepIdle found the keep-alive run out first.
func (c *conn) wokeInTime() bool { return c.idleUntil.Swap(0) != 0 }

// sweepIdle wakes, every sweepEvery, the idle connections whose keep-alive
// has run out, by setting their deadline in the past (their waitIdle then
// closes them), and returns once none is idle.
func (s *Server) sweepIdle() {
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	for range tick.C {
		now := time.Now()
		idle := 0
		s.mu.Lock()
		for c := range s.conns {
			until := c.idleUntil.Load()
			if until == 0 {
				continue
			}
			idle++
			if now.UnixNano() >= until && c.idleUntil.CompareAndSwap(until, 0) {
				_ = c.nc.SetReadDeadline(now) // in the past by the time it is read
			}
		}
		if idle == 0 {
			s.sweeping = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

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
//
// The sweeper must not look at every idle connection either: scanning
// 10,000 of them four times a second was 0.3% of the master's CPU beside
// wrk (2.6% over a whole run), and held the server's lock for half a
// millisecond each time, which accepts and connections going idle wait
// for. So the idle connections wait on a timing wheel: a list per
// sweepEvery tick, holding those whose keep-alive runs out in it
// (Server.idleWheel). Going idle and waking are an insertion and a removal
// in a doubly linked list; a sweep takes the lists of the ticks that have
// passed, whole, and looks at nothing else. Times are monotonic (monoNow):
// a step of the wall clock neither ends keep-alives early nor keeps them
// open for the length of the step.

// sweepEvery is how often sweepIdle looks for keep-alives that ran out,
// and the width of a tick of the wheel.
const sweepEvery = 250 * time.Millisecond

// idleTick is the tick of the wheel in which a keep-alive that runs out at
// until (see monoNow) is swept: the first whose end is not before it.
func idleTick(until int64) int64 {
	return (until + int64(sweepEvery) - 1) / int64(sweepEvery)
}

// sleepUntil has c wait idle until deadline with no deadline of its own:
// sweepIdle wakes it then (see waitIdle).
func (c *conn) sleepUntil(deadline time.Time) {
	// Neither deadline: the last response's write deadline would stay in the
	// heap for Timeout too (the next write sets its own).
	_ = c.nc.SetDeadline(time.Time{})
	until := monoNow() + int64(time.Until(deadline))
	c.idleUntil.Store(until)
	s := c.s
	s.mu.Lock()
	start := !s.sweeping
	if start {
		s.sweeping = true
		s.swept = monoNow() / int64(sweepEvery) // nothing before now is left to sweep
	}
	// A tick already swept would never be again: a keep-alive that ran out
	// before it went idle (its goroutine waited long for a CPU) is swept next.
	c.wheelTick = max(idleTick(until), s.swept+1)
	if s.idleWheel == nil {
		s.idleWheel = map[int64]*conn{}
	}
	c.wheelNext = s.idleWheel[c.wheelTick]
	if c.wheelNext != nil {
		c.wheelNext.wheelPrev = c
	}
	s.idleWheel[c.wheelTick] = c
	s.mu.Unlock()
	if start {
		go s.sweepIdle()
	}
}

// leaveWheelLocked takes c out of the wheel, if it is in it. s.mu is held.
func (s *Server) leaveWheelLocked(c *conn) {
	if c.wheelTick == 0 {
		return
	}
	switch {
	case c.wheelPrev != nil:
		c.wheelPrev.wheelNext = c.wheelNext
	case c.wheelNext != nil:
		s.idleWheel[c.wheelTick] = c.wheelNext
	default:
		delete(s.idleWheel, c.wheelTick)
	}
	if c.wheelNext != nil {
		c.wheelNext.wheelPrev = c.wheelPrev
	}
	c.wheelPrev, c.wheelNext, c.wheelTick = nil, nil, 0
}

// wokeInTime is what waitIdle calls when its wait ends: it takes c out of
// the wheel and counts it as serving again (not idle: see setIdle), and
// reports false when sweepIdle found the keep-alive run out first.
func (c *conn) wokeInTime() bool {
	inTime := c.idleUntil.Swap(0) != 0
	c.s.mu.Lock()
	c.s.leaveWheelLocked(c)
	c.idle = false
	c.s.mu.Unlock()
	return inTime
}

// sweepIdle wakes, every sweepEvery, the idle connections whose keep-alive
// has run out, by setting their deadline in the past (their waitIdle then
// closes them), and returns once none is idle.
func (s *Server) sweepIdle() {
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	for range tick.C {
		passed := monoNow() / int64(sweepEvery) // every tick up to this one has ended
		s.mu.Lock()
		for ; s.swept < passed; s.swept++ {
			t := s.swept + 1
			for c := s.idleWheel[t]; c != nil; {
				next := c.wheelNext
				if until := c.idleUntil.Load(); until != 0 && c.idleUntil.CompareAndSwap(until, 0) {
					s.wake(c) // see park.go
				}
				c.wheelPrev, c.wheelNext, c.wheelTick = nil, nil, 0
				c = next
			}
			delete(s.idleWheel, t)
		}
		if len(s.idleWheel) == 0 {
			s.sweeping = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

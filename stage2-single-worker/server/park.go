package server

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// An idle keep-alive connection is parked: it waits with no goroutine.
//
// A goroutine is cheap, but not free when there are 10,000 of them. Each
// holds a stack of a few kilobytes, and the garbage collector scans every
// goroutine's stack at every collection: beside 10,000 idle connections,
// each waiting in a goroutine of its own, a collection cost the master
// 24 ms of CPU, and the collector was about a quarter of what the idle
// connections cost the busy ones (bench/README.md, case 5).
//
// So once a plain connection has been idle for idleGrace (it has given its
// buffers back by then, see waitFirstByte), its goroutine returns and its
// socket is watched by one epoll set for the whole process, of our own,
// beside the Go runtime's: the parker. One goroutine (parker.poll) waits on
// it, through the runtime's own poller (the set is itself a descriptor that
// turns readable when one of its sockets does), and, when a parked socket
// turns readable (a request, the client's close, an error), starts a fresh
// goroutine to serve it (conn.resume).
// What used to wake an idle connection's goroutine by setting its deadline
// in the past (the keep-alive sweep, an eviction at MaxConns, Close) takes
// it out of the parker instead and resumes it to close (Server.wake).
//
// Exactly one of them resumes a parked connection: whoever takes it out of
// parker.conns (take). The socket is registered EPOLLONESHOT, so it reports
// once; it is removed from the set (EPOLL_CTL_DEL) by the goroutine that
// resumes it, through RawConn.Control, which keeps the descriptor open
// meanwhile, so that a number the kernel has already given to another
// socket is never removed by mistake. An event for a connection already
// taken finds no entry and is dropped: entries are keyed by a number used
// once, not by the descriptor, which the kernel reuses.
//
// A TLS connection is never parked: crypto/tls may hold bytes it has read
// and not yet returned, which the socket's readiness would not show.

// parkerCheck is how long parker.poll waits before it checks whether any
// connection is still parked: it returns once none is, and the next park
// starts it again.
const parkerCheck = time.Second

// parker is the process's set of parked connections.
type parker struct {
	mu      sync.Mutex
	epfd    int              // the epoll set, made at the first park; -1 if it could not be
	epf     *os.File         // epfd, as a file the runtime's poller watches
	made    bool             // epfd has been made (or failed)
	conns   map[uint64]*conn // the parked connections, by park number
	next    uint64           // the last park number given
	polling bool             // a poll goroutine runs
}

var parking parker

// park has c wait idle with no goroutine, and reports false when it could
// not be parked (no epoll set, or the socket could not be added): its
// caller then waits in a goroutine, as before parking existed.
func (p *parker) park(c *conn) bool {
	p.mu.Lock()
	if !p.made {
		p.made = true
		p.epfd, p.epf = -1, nil
		if fd, f, err := newEpollFile(); err != nil {
			if c.s.ErrorLog != nil {
				c.s.ErrorLog.Warnf("Idle connections wait in goroutines: %v", err)
			}
		} else {
			p.epfd, p.epf = fd, f
		}
		p.conns = map[uint64]*conn{}
	}
	if p.epfd < 0 {
		p.mu.Unlock()
		return false
	}
	p.next++
	id := p.next
	c.parkID = id
	p.conns[id] = c
	start := !p.polling
	p.polling = true
	epfd, epf := p.epfd, p.epf
	p.mu.Unlock()
	if start {
		go p.poll(epf)
	}

	var addErr error
	err := c.rio.RawConn().Control(func(fd uintptr) {
		ev := syscall.EpollEvent{
			Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT,
			Fd:     int32(uint32(id)), Pad: int32(uint32(id >> 32)), // the event's 64 bits of data
		}
		addErr = syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev)
	})
	if err != nil || addErr != nil {
		// Closed meanwhile (Close), or not a socket epoll takes: not
		// parked. Taken back here, unless a waker took it first.
		if p.take(c) {
			return false
		}
		return true // the waker resumes it
	}
	// A waker that ran before c was in conns found nothing to take: it set
	// what it decided (evicted, the keep-alive run out) first, so c sees
	// it here and resumes itself.
	if c.evicted.Load() || c.idleUntil.Load() == 0 {
		if p.take(c) {
			go c.resume(false)
		}
	}
	return true
}

// take takes c out of the parked connections, and reports whether it was
// there: the one caller that gets true resumes it.
func (p *parker) take(c *conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return c.parkID != 0 && p.conns[c.parkID] == c && p.takeLocked(c.parkID) != nil
}

// takeLocked takes the connection parked as id out of the parked
// connections and returns it, or nil when none is. p.mu is held.
func (p *parker) takeLocked(id uint64) *conn {
	c := p.conns[id]
	if c != nil {
		delete(p.conns, id)
		c.parkID = 0
	}
	return c
}

// newEpollFile makes the parker's epoll set, non-blocking, and returns its
// descriptor and an *os.File of it that the runtime's poller watches (its
// Fd method would make it blocking again: keep the number).
func newEpollFile() (int, *os.File, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return -1, nil, fmt.Errorf("epoll_create1: %w", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		return -1, nil, fmt.Errorf("epoll set non-blocking: %w", err)
	}
	f := os.NewFile(uintptr(fd), "parked connections")
	if err := f.SetReadDeadline(time.Time{}); err != nil { // not in the runtime's poller
		_ = f.Close()
		return -1, nil, fmt.Errorf("epoll set: %w", err)
	}
	return fd, f, nil
}

// poll waits on the epoll set and resumes each parked connection that
// turns readable, until none is parked.
//
// It never blocks a thread in epoll_wait: it asks with a timeout of zero
// and, when nothing is ready, returns to the runtime, which waits for the
// set to turn readable with all its other sockets. A blocking epoll_wait
// held the master's one P (GOMAXPROCS=1, see arbiter) until the runtime's
// monitor noticed, up to 10 ms later when it had been idle: beside 10,000
// parked connections that stalled every request once a second, and the
// fast requests' p99 rose from 4.7 ms to 11.4 ms (bench case 5).
func (p *parker) poll(epf *os.File) {
	events := make([]syscall.EpollEvent, 128)
	rc, err := epf.SyscallConn()
	if err != nil {
		p.resumeAll()
		return
	}
	for {
		var n int
		var waitErr error
		_ = epf.SetReadDeadline(time.Now().Add(parkerCheck))
		err := rc.Read(func(fd uintptr) bool {
			n, waitErr = syscall.EpollWait(int(fd), events, 0)
			return n != 0 || (waitErr != nil && waitErr != syscall.EINTR)
		})
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) || waitErr != nil && waitErr != syscall.EINTR {
			p.resumeAll() // cannot wait: every parked connection waits in a goroutine instead
			return
		}
		for _, ev := range events[:max(n, 0)] {
			id := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			p.mu.Lock()
			c := p.takeLocked(id)
			p.mu.Unlock()
			if c != nil {
				go c.resume(true)
			}
		}
		p.mu.Lock()
		if len(p.conns) == 0 {
			p.polling = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
}

// resumeAll hands every parked connection back to a goroutine of its own,
// waiting as if it had never been parked; nothing is parked afterwards.
func (p *parker) resumeAll() {
	p.mu.Lock()
	conns := p.conns
	p.conns = map[uint64]*conn{}
	if p.epf != nil {
		_ = p.epf.Close()
	}
	p.epfd, p.epf, p.polling = -1, nil, false
	for _, c := range conns {
		c.parkID = 0
	}
	p.mu.Unlock()
	for _, c := range conns {
		go c.waitIdle()
	}
}

// resume serves a parked connection again, in a fresh goroutine: readable
// when its socket turned readable, false when it was woken to close (see
// wake).
func (c *conn) resume(readable bool) {
	parking.mu.Lock()
	epfd := parking.epfd
	parking.mu.Unlock()
	if epfd >= 0 {
		_ = c.rio.RawConn().Control(func(fd uintptr) {
			_ = syscall.EpollCtl(epfd, syscall.EPOLL_CTL_DEL, int(fd), nil) // gone already if it was closed
		})
	}
	c.wokeUp(readable)
}

// wake wakes an idle connection to close it (its keep-alive ran out, it
// was evicted, the server closes): a parked one is resumed, one waiting in
// a goroutine (a TLS connection, or one still in its idleGrace) has its
// read deadline set in the past.
func (s *Server) wake(c *conn) {
	if parking.take(c) {
		go c.resume(false)
		return
	}
	_ = c.nc.SetReadDeadline(longAgo)
}

// longAgo is a deadline that has always passed.
var longAgo = time.Unix(1, 0)

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The load generators wrk cannot be: a mixed load whose fast and slow
// requests are timed apart (case 7), idle keep-alive connections held open
// (case 5), and clients that send their headers a byte at a time (case 6).
// They speak just enough HTTP/1.1 for the benchmark's own apps, which always
// answer with a Content-Length.

// Sentinel errors of the load generators.
var (
	// errBadResponse: the server's answer is not HTTP/1.x as the apps send it.
	errBadResponse = errors.New("bench: bad response")
	// errNotKept: the server closed a connection that was to stay open.
	errNotKept = errors.New("bench: connection not kept alive")
)

// requestTimeout bounds one request of the Go load generator, as wrk's
// --timeout (2 s by default) does; a request that runs out is a socket
// error, as in wrk.
const requestTimeout = 5 * time.Second

// httpConn is one client connection that sends GETs and reads the answers,
// keeping the connection alive while the server does.
type httpConn struct {
	addr string
	conn net.Conn
	r    *bufio.Reader
}

// get sends GET path and reads the whole answer, dialing first when the
// connection is closed. It returns the status code; on any error the
// connection is closed, to be dialed again by the next get.
func (c *httpConn) get(path string) (int, error) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, requestTimeout)
		if err != nil {
			return 0, err
		}
		c.conn = conn
		if c.r == nil {
			c.r = bufio.NewReaderSize(conn, 16<<10)
		} else {
			c.r.Reset(conn)
		}
	}
	c.conn.SetDeadline(time.Now().Add(requestTimeout)) // cannot fail on an open TCP conn
	_, err := io.WriteString(c.conn, "GET "+path+" HTTP/1.1\r\nHost: "+c.addr+"\r\n\r\n")
	status, keep := 0, false
	if err == nil {
		status, keep, err = readResponse(c.r)
	}
	if err != nil || !keep {
		c.close()
	}
	return status, err
}

func (c *httpConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// readResponse reads one HTTP/1.x response from r, discarding the body, and
// reports its status and whether the connection stays open after it.
func readResponse(r *bufio.Reader) (status int, keep bool, err error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	proto, rest, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(" "))
	code, _, _ := bytes.Cut(rest, []byte(" "))
	if status, err = strconv.Atoi(string(code)); err != nil || !bytes.HasPrefix(proto, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("%w: status line %q", errBadResponse, line)
	}
	keep = string(proto) == "HTTP/1.1"
	length := int64(-1)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil {
				return 0, false, fmt.Errorf("%w: Content-Length %q", errBadResponse, value)
			}
		case bytes.EqualFold(name, []byte("Connection")):
			keep = bytes.EqualFold(value, []byte("keep-alive")) || (keep && !bytes.EqualFold(value, []byte("close")))
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, false, fmt.Errorf("%w: Transfer-Encoding %q (the apps send a Content-Length)", errBadResponse, value)
		}
	}
	if length < 0 { // the body runs to the end of the connection
		_, err = io.Copy(io.Discard, r)
		return status, false, err
	}
	_, err = io.CopyN(io.Discard, r, length)
	return status, keep, err
}

// Mixed is how a mixed load went.
type Mixed struct {
	Result       // all requests' count and rate; P50 and P99 of the fast ones only
	Slow   int64 // how many slow requests completed
	// SlowP99 is the slow requests' p99.
	SlowP99 time.Duration
}

// RunMixed drives addr for load.Duration from load.Conns keep-alive
// connections. Every slowEvery-th request goes to slowPath, the others to
// fastPath; the two kinds are timed apart, so the fast requests' p99 shows
// whether they waited behind slow ones. slowEvery 0 sends none to slowPath.
// load.Threads is ignored: the Go runtime spreads the connections over the
// cores.
//
// With rate 0 each connection sends a request as soon as its last one is
// answered (a closed loop, as wrk does). With a rate, requests fall due at
// that many a second whatever the server does (an open loop: the visitors
// of a site do not wait for each other), each on the next free connection,
// and a request is timed from when it fell due, so that the wait for a free
// connection counts: a server that falls behind is not given a breather
// by a load that slows down with it (wrk2's "coordinated omission").
func RunMixed(addr string, load Load, rate float64, slowEvery int, fastPath, slowPath string) Mixed {
	type tally struct {
		fast, slow        []time.Duration
		socketErr, non2xx int64
	}
	var (
		n     atomic.Int64
		wg    sync.WaitGroup
		begin = time.Now()
		end   = begin.Add(load.Duration)
	)
	tallies := make([]tally, load.Conns)
	for i := range tallies {
		wg.Add(1)
		go func(t *tally) {
			defer wg.Done()
			c := &httpConn{addr: addr}
			defer c.close()
			for {
				k := n.Add(1)
				start := time.Now()
				if rate > 0 {
					start = begin.Add(time.Duration(float64(k-1) / rate * float64(time.Second)))
					time.Sleep(time.Until(start))
				}
				if !start.Before(end) || time.Now().After(end) {
					return // a request due in time but not sent by the end is not sent: the run lasts its duration
				}
				slow := slowEvery > 0 && k%int64(slowEvery) == 0
				path := fastPath
				if slow {
					path = slowPath
				}
				status, err := c.get(path)
				took := time.Since(start)
				switch {
				case err != nil:
					t.socketErr++
					time.Sleep(10 * time.Millisecond) // a refusing server is not to be spun on
				case status < 200 || status >= 400: // wrk's "Non-2xx or 3xx"
					t.non2xx++
				case slow:
					t.slow = append(t.slow, took)
				default:
					t.fast = append(t.fast, took)
				}
			}
		}(&tallies[i])
	}
	wg.Wait()
	elapsed := time.Since(begin)
	var m Mixed
	var fast, slow []time.Duration
	for _, t := range tallies {
		fast, slow = append(fast, t.fast...), append(slow, t.slow...)
		m.SocketErrors += t.socketErr
		m.Non2xx += t.non2xx
	}
	m.Requests = int64(len(fast)+len(slow)) + m.Non2xx
	m.ReqPerSec = float64(m.Requests) / elapsed.Seconds()
	m.P50, m.P99 = percentile(fast, 0.50), percentile(fast, 0.99)
	m.Slow, m.SlowP99 = int64(len(slow)), percentile(slow, 0.99)
	return m
}

// percentile returns the q-quantile of ds (sorting ds): the smallest value
// that at least q of them do not exceed, 0 for none.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(q*float64(len(ds))+0.999999) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// idleConns are keep-alive connections that made one request each and then
// stay open, saying nothing: the browsers that left a tab open.
type idleConns struct {
	conns []net.Conn
}

// openIdle opens n connections to addr, each answered once (GET path) and
// kept open. dialers at a time open them, so the listen queue never
// overflows. When one cannot be opened or is not kept alive, openIdle closes
// the others and returns the error.
func openIdle(addr, path string, n, dialers int) (*idleConns, error) {
	var (
		mu    sync.Mutex
		idle  = &idleConns{conns: make([]net.Conn, 0, n)}
		first error
		next  atomic.Int64
		wg    sync.WaitGroup
	)
	for range min(dialers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				c := &httpConn{addr: addr}
				status, err := c.get(path)
				if err == nil && c.conn == nil {
					err = errNotKept
				} else if err == nil && status != 200 {
					err = fmt.Errorf("GET %s: status %d", path, status)
				}
				mu.Lock()
				if err != nil {
					if first == nil {
						first = err
					}
				} else {
					c.conn.SetDeadline(time.Time{}) // idle for as long as it takes
					idle.conns = append(idle.conns, c.conn)
				}
				stop := first != nil
				mu.Unlock()
				if stop {
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		idle.Close()
		return nil, fmt.Errorf("open %d idle connections to %s: %w", n, addr, first)
	}
	return idle, nil
}

// open counts the connections the server has not closed, without waiting:
// a peek that would block means open, end of file or a reset means closed.
func (s *idleConns) open() int {
	open := 0
	for _, c := range s.conns {
		if stillOpen(c) {
			open++
		}
	}
	return open
}

// stillOpen peeks at c's socket without blocking.
func stillOpen(c net.Conn) bool {
	sc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	err = sc.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = n > 0 || errors.Is(err, syscall.EAGAIN)
		return true // done: the peek is not to be retried when it would block
	})
	return err == nil && alive
}

// Close closes every connection.
func (s *idleConns) Close() {
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
}

// slowClients send a request's head a byte at a time, pausing between
// bytes, the slowloris attack: each ties up whatever the server gives a
// connection that has not finished its headers. One whose connection the
// server closes dials again, so the pressure stays the same.
type slowClients struct {
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	beats     *metronome   // when each client sends its next byte
	connected atomic.Int64 // clients whose first dial succeeded
	closed    atomic.Int64 // connections the server closed or refused
	requests  atomic.Int64 // whole requests sent and answered
}

// slowHead is the request each slow client sends: long enough that no run
// sees it finish at a byte a second, and a valid request if one does.
func slowHead(addr string) []byte {
	return []byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: bench-slow-client\r\nX-Padding: " +
		string(bytes.Repeat([]byte("x"), 200)) + "\r\n\r\n")
}

// startSlow starts n slow clients against addr, each sending a byte every
// pause, their bytes spread over the pause in beatsPerPause beats.
func startSlow(addr string, n int, pause time.Duration) *slowClients {
	ctx, cancel := context.WithCancel(context.Background())
	s := &slowClients{cancel: cancel, beats: newMetronome(ctx, pause, beatsPerPause)}
	head := slowHead(addr)
	for i := range n {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.client(ctx, addr, head, i%beatsPerPause, pause)
		}()
	}
	return s
}

// beatsPerPause is how many times per pause some slow clients send a byte,
// each client on one beat of them. Clients sleeping on timers of their own
// woke the process 500 times a second, which cost 7% of a core beside wrk
// on this 2-core machine (34 ticks in 5 s, the server spending under 10 ms
// on them), and that CPU was counted as throughput the server lost; on
// beats it costs 1%.
// The server still gets 500 one-byte segments a second, 25 at a time, as
// slowloris tools send them (a burst to every socket, then a sleep).
const beatsPerPause = 20

// metronome wakes the slow clients of one beat at a time, each beat once a
// pause, from one goroutine.
type metronome struct {
	mu    sync.Mutex
	beats []chan struct{} // closed when the beat comes, then replaced
}

func newMetronome(ctx context.Context, pause time.Duration, n int) *metronome {
	m := &metronome{beats: make([]chan struct{}, n)}
	for i := range m.beats {
		m.beats[i] = make(chan struct{})
	}
	go func() {
		tick := time.NewTicker(pause / time.Duration(n))
		defer tick.Stop()
		for i := 0; ; i = (i + 1) % n {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
			m.mu.Lock()
			close(m.beats[i])
			m.beats[i] = make(chan struct{})
			m.mu.Unlock()
		}
	}()
	return m
}

// wait waits for beat i, and reports whether ctx is still live.
func (m *metronome) wait(ctx context.Context, i int) bool {
	m.mu.Lock()
	beat := m.beats[i]
	m.mu.Unlock()
	select {
	case <-beat:
		return true
	case <-ctx.Done():
		return false
	}
}

// client is one slow client's life, until ctx is done; it sends on beat.
func (s *slowClients) client(ctx context.Context, addr string, head []byte, beat int, pause time.Duration) {
	var d net.Dialer
	first := true
	for ctx.Err() == nil {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() == nil {
				s.closed.Add(1)
				sleep(ctx, pause)
			}
			continue
		}
		if first {
			s.connected.Add(1)
			first = false
		}
		// Stopping closes the connection, which ends a read in progress.
		unhook := context.AfterFunc(ctx, func() { conn.Close() })
		s.trickle(ctx, conn, head, beat)
		unhook()
		conn.Close()
	}
}

// trickle sends head over conn a byte per beat, reads the answer and
// starts again, until the server closes conn or ctx is done.
func (s *slowClients) trickle(ctx context.Context, conn net.Conn, head []byte, beat int) {
	r := bufio.NewReader(conn)
	for {
		for i := range head {
			if !s.beats.wait(ctx, beat) {
				return
			}
			if _, err := conn.Write(head[i : i+1]); err != nil {
				s.countClosed(ctx)
				return
			}
		}
		conn.SetReadDeadline(time.Now().Add(requestTimeout))
		_, keep, err := readResponse(r)
		if err != nil || !keep {
			s.countClosed(ctx)
			return
		}
		s.requests.Add(1)
	}
}

// countClosed counts a connection the server ended, not one that stopping
// closed.
func (s *slowClients) countClosed(ctx context.Context) {
	if ctx.Err() == nil {
		s.closed.Add(1)
	}
}

// waitConnected waits up to timeout for every client's first connection.
func (s *slowClients) waitConnected(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for s.connected.Load() < int64(n) {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d slow clients connected after %v", s.connected.Load(), n, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// stop ends every client and closes its connection.
func (s *slowClients) stop() {
	s.cancel()
	s.wg.Wait()
}

// sleep pauses for d or until ctx is done, and reports whether ctx is
// still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

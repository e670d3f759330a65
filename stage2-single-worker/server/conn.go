package server

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gunicorn-go/stage1-wsgi-hello/rawio"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
	"gunicorn-go/stage2-single-worker/http1"
	"gunicorn-go/stage2-single-worker/logging"
)

// conn is one client connection. While it serves, it holds a serving: its
// buffers and the state its requests reuse; while it waits idle, only what
// follows.
type conn struct {
	s        *Server
	nc       net.Conn
	*serving // nil while idle (see waitFirstByte)

	idle    bool        // guarded by s.mu: waiting for a request, not serving one
	evicted atomic.Bool // closed to make room for another (see Server.makeRoom)
	// headSince is when the connection began reading a request head (see
	// monoNow; 0 when it is not reading one): for the first request, from
	// the accept, its TLS handshake included; for the next ones, from their
	// first byte. At MaxConns, one reading a head for headGrace makes
	// room (see Server.slowLocked).
	headSince atomic.Int64
	// rio reads and writes the connection's descriptor (package rawio),
	// and its RawConn is waited on while idle; nil for TLS (see rawConn).
	rio       *rawio.Conn
	idleUntil atomic.Int64 // while idle: when its keep-alive runs out (see monoNow and idle.go)
	parkID    uint64       // guarded by parking.mu: its number while parked (see park.go), else 0
	// While waitIdle waits, guarded by s.mu: c's place in the list of its
	// tick of the idle wheel (see idle.go); wheelTick is 0 out of it.
	wheelPrev, wheelNext *conn
	wheelTick            int64

	// Per-connection facts, computed once.
	tls                    bool // nc is a *tls.Conn: the scheme is https
	remoteAddr, remotePort string
	trustedProxy           bool // the peer may set the scheme (see forwarded.go)
	serverName, serverPort string
}

// serving is what a connection needs only while it serves: its buffers,
// and the per-request state reused from one request to the next so that a
// keep-alive connection allocates little. An idle connection gives it back
// to servingPool, for whichever connection serves next: 10,000 idle
// connections then hold none of its 19 KiB each (see bench/README.md).
type serving struct {
	br *bufio.Reader // reads through flushingReader
	bw *bufio.Writer

	req   http1.Request
	env   wsgi.Environ
	resp  response
	input requestInput
	body  http1.Body
	keys  map[string]string // header name -> environ key, e.g. "User-Agent" -> "HTTP_USER_AGENT"
}

// flushingReader reads from the connection, but first sends whatever
// responses are still buffered. Responses to pipelined requests are thus
// written together, yet never held back while the server waits for the client.
type flushingReader struct{ c *conn }

func (r flushingReader) Read(p []byte) (int, error) {
	if r.c.bw.Buffered() > 0 {
		if err := r.c.bw.Flush(); err != nil {
			return 0, err
		}
	}
	if r.c.rio != nil {
		n, err := r.c.rio.Read(p)
		return n, r.c.opError("read", err)
	}
	return r.c.nc.Read(p)
}

// deadlineWriter writes to the connection, giving each write the server's
// Timeout: a client that stops reading its responses (its receive window
// full) cannot hold the connection's goroutine and descriptor forever.
type deadlineWriter struct{ c *conn }

func (w deadlineWriter) Write(p []byte) (int, error) {
	_ = w.c.nc.SetWriteDeadline(time.Now().Add(w.c.s.timeout()))
	if w.c.rio != nil {
		n, err := w.c.rio.Write(p)
		return n, w.c.opError("write", err)
	}
	return w.c.nc.Write(p)
}

// opError wraps an error of package rawio's as the net package's would be,
// naming the operation and both ends.
func (c *conn) opError(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return &net.OpError{Op: op, Net: c.nc.LocalAddr().Network(), Source: c.nc.LocalAddr(), Addr: c.nc.RemoteAddr(), Err: err}
}

// serve runs the connection's request loop: wait for a request, read it,
// answer it, and go round again while the connection is kept alive.
func (c *conn) serve() {
	c.learnAddrs()
	if raw := c.rawConn(); raw != nil {
		c.rio = rawio.New(raw)
	}
	if c.tls && !c.handshake() {
		c.nc.Close()
		c.end()
		return
	}
	c.run(true)
}

// run serves requests until the connection ends, or goes idle: then the
// wait goes on in a goroutine of its own (waitIdle), and this one returns.
// Serving a request grows a goroutine's stack to several kilobytes, which
// the runtime gives back only slowly; an idle connection waiting on a fresh
// goroutine holds the smallest stack instead (10,000 idle connections: see
// bench/README.md).
func (c *conn) run(first bool) {
	for {
		switch c.waitForRequest(first) {
		case waitClosed:
			c.nc.Close()
			c.end()
			return
		case waitIdle:
			if !parking.park(c) { // see park.go
				go c.waitIdle()
			}
			return
		}
		first = false
		if !c.serveRequest() {
			if c.evicted.Load() {
				c.nc.Close() // it gave way to another client: no lingering
			} else {
				c.closeAfterResponse()
			}
			c.end()
			return
		}
		if c.br.Buffered() == 0 {
			if err := c.bw.Flush(); err != nil {
				c.nc.Close()
				c.end()
				return
			}
		}
	}
}

// end releases what the connection holds once it has closed.
func (c *conn) end() {
	if c.serving != nil {
		c.dropServing()
	}
	c.s.removeConn(c)
}

// waitIdle waits for an idle connection's next request (see run) in a
// goroutine, when it could not be parked (see park.go), without buffers or
// a deadline, until its keep-alive runs out (sweepIdle wakes it then, see
// idle.go), and serves on.
func (c *conn) waitIdle() {
	c.wokeUp(!c.evicted.Load() && waitReadable(c.rio.RawConn()))
}

// wokeUp ends an idle connection's wait, parked or not: readable when its
// socket turned readable (a request, or the client's close), false when it
// was woken to close. It serves on, or closes.
func (c *conn) wokeUp(readable bool) {
	ok := !c.evicted.Load() && readable
	ok = c.wokeInTime() && ok
	if !ok {
		c.nc.Close()
		c.end()
		return
	}
	c.takeServing()
	c.run(false)
}

// handshake runs a TLS connection's handshake, in the connection's own
// goroutine, so that a client that never finishes it holds that goroutine
// and nothing else: the accept loop goes on. It is bounded like a request
// head, by Timeout, for reading and writing alike. It reports whether the
// connection may go on.
func (c *conn) handshake() bool {
	tc := c.nc.(*tls.Conn)
	_ = tc.SetDeadline(time.Now().Add(c.s.timeout()))
	if err := tc.Handshake(); err != nil {
		var rhe tls.RecordHeaderError
		if errors.As(err, &rhe) && rhe.Conn != nil && looksLikeHTTP(rhe.RecordHeader[:]) {
			// Plain HTTP on a TLS port: an http:// link where https:// was
			// meant. Say so in plain HTTP, as net/http does, rather than
			// close without a word.
			c.s.refusals.logf(c.s.ErrorLog, logging.Warning, "Invalid request from ip=%s: plain HTTP on a TLS port", c.remoteAddr)
			_ = rhe.Conn.SetWriteDeadline(time.Now().Add(c.s.timeout()))
			_, _ = io.WriteString(rhe.Conn, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 48\r\n\r\nThe client sent an HTTP request to an HTTPS port")
			return false
		}
		// A scanner, a client that distrusts the certificate, one without
		// the client certificate cert_reqs asks for: the client's business.
		c.s.ErrorLog.Debugf("TLS handshake with %s failed: %v", c.nc.RemoteAddr(), err)
		return false
	}
	_ = tc.SetDeadline(time.Time{})
	return !c.evicted.Load() // evicted as the handshake ended: its deadline was just undone
}

// looksLikeHTTP reports whether the first bytes a client sent start an
// HTTP request line: a method, in capitals, and a space.
func looksLikeHTTP(b []byte) bool {
	for i, ch := range b {
		switch {
		case ch == ' ':
			return i > 0
		case ch < 'A' || ch > 'Z':
			return false
		}
	}
	return len(b) > 0
}

// tlsRecordHandshake is the first byte of a TLS connection: a handshake
// record (RFC 8446 §5.1), where an HTTP request line begins with a letter.
const tlsRecordHandshake = 0x16

// lingerTime and lingerBytes bound how long, and how much, closeAfterResponse
// reads from a client after the last response.
const (
	lingerTime  = 2 * time.Second
	lingerBytes = 256 << 10
)

// closeAfterResponse closes the connection once the last response is sent.
//
// Closing a TCP socket whose receive buffer still holds bytes (a body the app
// never read, requests pipelined behind a refused one) makes the kernel send
// a reset, and a reset can destroy the response before the client has read
// it. So the server first flushes and shuts down its sending side, which the
// client sees as the end of the response, then reads and discards what the
// client still sends, for a short while, before closing.
func (c *conn) closeAfterResponse() {
	defer c.nc.Close()
	if err := c.bw.Flush(); err != nil {
		return // the client is gone
	}
	tc, ok := c.nc.(interface{ CloseWrite() error })
	if !ok || tc.CloseWrite() != nil {
		return
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(lingerTime))
	// Discard what the bufio.Reader holds, then what is still in flight.
	_, _ = c.br.Discard(c.br.Buffered())
	_, _ = io.CopyN(io.Discard, c.nc, lingerBytes)
}

// waitForRequest waits until the first byte of a request arrives. Between
// requests a client may stay silent for the keep-alive time; before its first
// request, for Timeout. It says whether a request is here, the connection
// should close, or it is idle.
//
// A connection that stays idle longer than idleGrace gives its buffers
// back (to servingPool) and leaves the wait to waitIdle, on a fresh goroutine:
// ten thousand idle keep-alive connections then cost a small goroutine and
// a few hundred bytes each, not 16 KiB of buffers and a grown stack. A busy
// one keeps them, and reads its next request at once.
//
// A graceful shutdown does not cut a waiting connection short: its client
// may be sending a request right now, which is then answered with
// Connection: close. An idle connection closes when its keep-alive time
// runs out, as it would have anyway.
func (c *conn) waitForRequest(first bool) waitResult {
	if c.br.Buffered() > 0 {
		return waitReady // pipelined: the next request is already here
	}
	// Idle, at MaxConns, means "may be closed to make room". A connection
	// that has just opened is about to send its first request: it is idle
	// only once it has waited idleGrace for it (else, counted as room for a
	// moment, it would let the accept loop take one client too many).
	if !first {
		c.s.setIdle(c, true)
	}
	res := c.waitFirstByte(first)
	if res != waitIdle {
		c.s.setIdle(c, false) // a waitIdle stays idle until it wakes
	}
	return res
}

// waitFirstByte is waitForRequest's wait.
func (c *conn) waitFirstByte(first bool) waitResult {
	wait := c.s.KeepAlive
	if first || wait <= 0 {
		wait = c.s.timeout()
	}
	now := time.Now()
	deadline := now.Add(wait)
	// Each deadline set here could undo an eviction's (makeRoom sets the
	// deadline to now from another goroutine), so evicted is checked after.
	if c.rio == nil || wait <= idleGrace {
		_ = c.nc.SetReadDeadline(deadline)
		_, err := c.br.Peek(1)
		return readyIf(err == nil && !c.evicted.Load())
	}
	_ = c.nc.SetReadDeadline(now.Add(idleGrace))
	if c.evicted.Load() {
		return waitClosed
	}
	if _, err := c.br.Peek(1); err == nil {
		return waitReady
	} else if !errors.Is(err, os.ErrDeadlineExceeded) || c.evicted.Load() {
		return waitClosed
	}
	if first {
		c.s.setIdle(c, true)
	}
	// Idle: wait for the client without buffers, in waitIdle.
	c.dropServing()
	c.sleepUntil(deadline)
	return waitIdle
}

// waitResult is what waitForRequest found.
type waitResult int

const (
	waitReady  waitResult = iota // a request has begun to arrive
	waitClosed                   // the connection is to close: the client left, the time ran out, or it was evicted
	waitIdle                     // nothing yet: the buffers are dropped, the keep-alive's end recorded; waitIdle waits on
)

func readyIf(ok bool) waitResult {
	if ok {
		return waitReady
	}
	return waitClosed
}

// idleGrace is how long a connection waiting for its next request keeps its
// buffers: long enough for a client that reuses it at once (a load
// balancer, a browser fetching a page's parts), short enough that an idle
// one gives them back soon.
const idleGrace = 50 * time.Millisecond

// servingPool holds the serving state that idle and closed connections
// gave back, for the next to need it.
var servingPool = sync.Pool{New: func() any {
	return &serving{
		br:   bufio.NewReaderSize(nil, 8192),
		bw:   bufio.NewWriterSize(nil, 8192),
		keys: make(map[string]string, 16),
	}
}}

// takeServing gives c a serving state, from the pool.
func (c *conn) takeServing() {
	c.serving = servingPool.Get().(*serving)
	c.br.Reset(flushingReader{c})
	c.bw.Reset(deadlineWriter{c})
}

// dropServing gives c's serving state back to the pool, its buffers empty:
// the last head's memory goes back to the shared budget, and nothing of
// the connection or its last request stays reachable from it.
func (c *conn) dropServing() {
	sv := c.serving
	c.s.mu.Lock() // under s.mu: the tests read it there, counting the idle connections that hold none
	c.serving = nil
	c.s.mu.Unlock()
	sv.req.Release()
	sv.br.Reset(nil)
	sv.bw.Reset(nil)
	clear(sv.env.Vars)
	sv.env = wsgi.Environ{Vars: sv.env.Vars[:0]}
	clear(sv.resp.headers[:cap(sv.resp.headers)])
	sv.resp.reset(nil, false) // a write kept past its request fails: not started
	sv.body = http1.Body{}
	servingPool.Put(sv)
}

// rawConn returns the connection's descriptor, or nil when it has none to
// use directly: a TLS connection's bytes are not the socket's, so it reads
// and writes through crypto/tls, and keeps its buffers while idle.
func (c *conn) rawConn() syscall.RawConn {
	sc, ok := c.nc.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// waitReadable waits until the connection has something to read, or has
// ended, without reading it (a one-byte peek); it reports false when the
// wait ended otherwise (the deadline, a shutdown's close).
func waitReadable(raw syscall.RawConn) bool {
	var peek [1]byte
	ready := false
	err := raw.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err == syscall.EAGAIN || err == syscall.EINTR {
			return false // nothing yet: wait for the poller
		}
		ready = true // data, the end, or an error: the read that follows says which
		return true
	})
	return err == nil && ready
}

// serveRequest reads one request and answers it. It reports whether the
// connection may serve another.
func (c *conn) serveRequest() bool {
	s := c.s
	start := time.Now()
	headDue := start.Add(s.timeout())
	if c.headSince.Load() == 0 {
		c.headSince.Store(monoNow()) // its first byte is here
	}
	_ = c.nc.SetReadDeadline(headDue)
	if c.evicted.Load() {
		return false // evicted before that deadline replaced the eviction's
	}

	req := &c.req
	if b, _ := c.br.Peek(1); len(b) == 1 && b[0] == tlsRecordHandshake && !c.tls {
		// It would never send a line end: refuse now, rather than wait
		// for one until the timeout.
		c.refuse(&http1.Error{Status: 400, Reason: "a TLS handshake on a plain HTTP port (https:// where the server speaks http://)"})
		return false
	}
	if err := http1.ReadRequestUntil(c.br, s.Limits, req, headDue); err != nil {
		c.refuse(err)
		return false
	}
	c.headSince.Store(0)
	if s.ErrorLog.Enabled(logging.Debug) {
		s.ErrorLog.Debugf("%s %s", req.Method, req.Path) // what gunicorn's default pre_request hook logs
	}

	c.body.Reset(c.br, req, s.Limits)
	defer c.input.release(s) // also when reading the body fails: a spool file is removed
	if err := c.input.prepare(c); err != nil {
		c.refuse(err)
		return false
	}

	keepAlive := req.KeepAlive && s.KeepAlive >= 0 && !s.closing()
	if err := c.buildEnviron(); err != nil {
		c.refuse(err)
		return false
	}
	c.resp.reset(c, keepAlive)
	c.callApp()

	if s.AccessLog != nil {
		c.logAccess(start)
	}
	return c.resp.keepAlive
}

// callApp calls the app and sends what it returns.
func (c *conn) callApp() {
	r := &c.resp
	body, err := c.s.App.Call(&c.env, r.startFn)
	if err != nil {
		r.fail(err)
		if errors.Is(err, wsgi.ErrAppLoad) && c.s.AppLoadFailed != nil {
			// A fresh runner could not load the app (its code changed on
			// disk and broke): every request would fail the same way.
			c.s.AppLoadFailed(err)
		}
		return
	}
	if body == nil {
		r.fail(errors.New("app returned a nil body"))
		return
	}
	for {
		if r.streaming() {
			// The app may take its time over the next chunk: the client
			// gets what is ready now. A body that is complete (its
			// Content-Length all written) waits for the batch flush.
			if err := c.bw.Flush(); err != nil {
				r.fail(err)
				break
			}
		}
		chunk, err := body.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			r.fail(err)
			break
		}
		if err := r.write(chunk); err != nil {
			r.fail(err)
			break
		}
		if r.sent && r.noBody {
			// HEAD, 204, 304: the head is all that goes out, so the rest of
			// the body is not asked for; an endless stream would otherwise
			// hold the app forever. Close below stops it.
			break
		}
	}
	if err := body.Close(); err != nil {
		c.s.ErrorLog.Errorf("Error closing the response body of %s %s:\n%v", c.req.Method, c.req.Target, err)
	}
	if r.failed == nil {
		if err := r.finish(); err != nil {
			r.fail(err)
		}
	}
}

// refuse answers a request that cannot be served: a malformed one gets its
// 4xx or 5xx and a log line; a client that went away or timed out gets nothing.
func (c *conn) refuse(err error) {
	var perr *http1.Error
	if !errors.As(err, &perr) {
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, net.ErrClosed) {
			c.s.ErrorLog.Debugf("connection from %s: %v", c.remoteAddr, err)
		}
		return
	}
	if perr.Status == 503 {
		// Not the client's fault: the server lacks the room (memory, disk).
		c.s.refusals.logf(c.s.ErrorLog, logging.Error, "Request from ip=%s refused, %d: %s", c.remoteAddr, perr.Status, perr.Reason)
	} else {
		c.s.refusals.logf(c.s.ErrorLog, logging.Warning, "Invalid request from ip=%s: %s", c.remoteAddr, perr.Reason)
	}
	n := writeSimple(c.bw, c.req.Proto, perr.Status, false)
	if c.s.AccessLog != nil {
		// The request line may be what was wrong: none of it is logged.
		c.s.AccessLog.Log(&logging.Record{
			RemoteAddr: c.remoteAddr, Method: "-", RawURI: "-", Proto: "-",
			Status: perr.Status, BodyBytes: n, Start: time.Now(),
		})
	}
}

func (c *conn) logAccess(start time.Time) {
	r := &c.resp
	c.s.AccessLog.Log(&logging.Record{
		RemoteAddr: c.remoteAddr,
		Method:     c.req.Method,
		RawURI:     c.req.Target,
		Path:       c.pathInfo(),
		Query:      c.req.Query,
		Proto:      c.req.Proto,
		Status:     r.code,
		BodyBytes:  r.written,
		Start:      start,
		Duration:   time.Since(start),
		ReqHeader:  c.reqHeader,
		RespHeader: r.header,
		Environ:    c.environValue,
	})
}

// environValue is the request's environ variable key, in any case, for the
// access log's %({key}e)s; ok is false when there is none. As in gunicorn,
// only the WSGI environ is read, never the server's own environment, which
// may hold secrets.
func (c *conn) environValue(key string) (string, bool) {
	for _, v := range c.env.Vars {
		if strings.EqualFold(v.Key, key) {
			return v.Value, true
		}
	}
	if strings.EqualFold(key, "wsgi.url_scheme") {
		return c.env.URLScheme, true
	}
	return "", false
}

func (c *conn) pathInfo() string {
	v, _ := c.env.Get("PATH_INFO")
	return v
}

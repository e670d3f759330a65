package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
	"gunicorn-go/stage2-single-worker/http1"
	"gunicorn-go/stage2-single-worker/logging"
)

// Version is gunicorn-go's version, as SERVER_SOFTWARE and the start-up log show it.
const Version = "0.4.0"

// Software is the SERVER_SOFTWARE value.
const Software = "gunicorn-go/" + Version

// ServerHeader is the Server response header: the name without the version,
// as gunicorn sends "Server: gunicorn", so that a response does not tell an
// attacker which release to look up.
const ServerHeader = "gunicorn-go"

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("server: closed")

// Server is one worker: it accepts connections and serves each in its own
// goroutine, calling App for every request. Set the fields, then call Serve.
type Server struct {
	App       wsgi.App
	Limits    http1.Limits
	KeepAlive time.Duration      // idle time allowed between requests on a connection; negative turns keep-alive off
	Timeout   time.Duration      // time allowed for a request head, for each body read, and for each write
	ErrorLog  *logging.ErrorLog  // required
	AccessLog *logging.AccessLog // nil: no access log

	// ScriptName is SCRIPT_NAME, the mount point of the app ("" for the root).
	ScriptName string
	// URLScheme is wsgi.url_scheme; "http" when empty.
	URLScheme string
	// ForwardedAllowIPs are the peers (addresses or networks, "*" for any)
	// whose SecureSchemeHeaders are believed: such a header with its value
	// makes wsgi.url_scheme https (see forwarded.go). A peer on a unix
	// socket is believed too, as in gunicorn. With SecureSchemeHeaders
	// empty, no header is believed.
	ForwardedAllowIPs   []string
	SecureSchemeHeaders map[string]string
	// Multiprocess and Multithread are copied into the environ of every request.
	Multiprocess, Multithread bool
	// MaxConns bounds the client connections open at once (stage 4 sets it
	// to workers × worker_connections); 0 is no bound. At the bound the
	// server closes an idle keep-alive connection if there is one, and
	// otherwise stops accepting until a connection closes: the overload
	// waits in the kernel's listen queue, or is refused by the kernel, and
	// never brings the server down.
	MaxConns int
	// AppLoadFailed, if set, is called when the app cannot be loaded any
	// more: a Python app's runner died and its replacement failed to import
	// the app. Every request would fail the same way; Run stops the server.
	AppLoadFailed func(err error)

	// LimitRequestBody is the largest request body accepted, in bytes
	// (gunicorn's limit_request_body); larger ones get 413. 0: no limit.
	LimitRequestBody int64
	// SpoolThreshold is the largest request body kept in memory; larger
	// bodies go to a temporary file in TempDir. 1 MiB when zero.
	SpoolThreshold int64
	// BodyMemory bounds the request bodies held in memory by all
	// connections together; past it, bodies go to a file whatever their
	// size. 64 MiB when zero.
	BodyMemory int64
	// SpoolDisk bounds the request bodies spooled to files by all
	// connections together; a body that does not fit gets 503. 1 GiB when
	// zero.
	SpoolDisk int64
	TempDir   string

	refusals  refusalLog   // the error log's lines for refused requests (see refusals.go)
	bodyMem   atomic.Int64 // bytes of request bodies held in memory (see input.go)
	spoolUsed atomic.Int64 // bytes of request bodies spooled to files
	trustOnce sync.Once
	trust     *proxyTrust

	mu        sync.Mutex                   // guards listeners, conns and idle, and shutting's changes
	listeners map[net.Listener]*tls.Config // each listener, with its TLS settings (nil: plain)
	conns     map[*conn]struct{}
	roomFreed chan struct{}   // poked when a connection closes or goes idle, for a Serve waiting at MaxConns
	closed    bool            // guarded by mu: Close was called
	stopping  chan struct{}   // closed when a shutdown begins
	stopped   bool            // guarded by mu: stopping is closed
	sweeping  bool            // guarded by mu: sweepIdle runs (see idle.go)
	idleWheel map[int64]*conn // guarded by mu: per tick of sweepEvery, the idle connections whose keep-alive runs out in it (see idle.go)
	swept     int64           // guarded by mu: the last tick sweepIdle has swept
	// shutting is set once, under mu, when a shutdown begins; every request
	// reads it, so reading it takes no lock.
	shutting  atomic.Bool
	connsDone sync.WaitGroup
}

func (s *Server) spoolThreshold() int64 {
	if s.SpoolThreshold > 0 {
		return s.SpoolThreshold
	}
	return 1 << 20
}

// proxies returns ForwardedAllowIPs and SecureSchemeHeaders, parsed once.
func (s *Server) proxies() *proxyTrust {
	s.trustOnce.Do(func() { s.trust = newProxyTrust(s.ForwardedAllowIPs, s.SecureSchemeHeaders) })
	return s.trust
}

func (s *Server) bodyMemory() int64 {
	if s.BodyMemory > 0 {
		return s.BodyMemory
	}
	return 64 << 20
}

func (s *Server) spoolDisk() int64 {
	if s.SpoolDisk > 0 {
		return s.SpoolDisk
	}
	return 1 << 30
}

func (s *Server) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 30 * time.Second
}

// TLSListener is a listener whose connections speak TLS: Serve accepts
// from Listener and wraps each connection with Config, as crypto/tls's own
// listener would, but runs the handshake in the connection's goroutine,
// bounded by Timeout like a request head, and gives its requests
// wsgi.url_scheme https. Keeping the plain listener lets a graceful
// shutdown take the connections still queued in the kernel (see
// acceptQueued) and wrap them too.
type TLSListener struct {
	net.Listener
	Config *tls.Config
}

// Scheme is the scheme a start-up line names the listener with: https.
func (l *TLSListener) Scheme() string { return "https" }

// Serve accepts connections on l until Shutdown or Close, and returns
// ErrServerClosed then; a *TLSListener's connections speak TLS. A temporary
// accept error (too many open files, say) is logged and retried after a
// pause that doubles from 5 ms to 1 s, rather than spinning or giving up.
func (s *Server) Serve(l net.Listener) error {
	var tlsConfig *tls.Config
	if tl, ok := l.(*TLSListener); ok {
		l, tlsConfig = tl.Listener, tl.Config
	}
	s.mu.Lock()
	if s.closing() {
		s.mu.Unlock()
		return ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = map[net.Listener]*tls.Config{}
		s.conns = map[*conn]struct{}{}
		s.roomFreed = make(chan struct{}, 1)
		s.stopping = make(chan struct{})
	}
	s.listeners[l] = tlsConfig
	s.mu.Unlock()

	var pause time.Duration
	for {
		if !s.waitForRoom() {
			closeListener(l, s.ErrorLog)
			return ErrServerClosed
		}
		nc, err := l.Accept()
		if err != nil {
			if s.closing() || errors.Is(err, net.ErrClosed) {
				closeListener(l, s.ErrorLog)
				return ErrServerClosed
			}
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			s.ErrorLog.Errorf("accept on %s: %v; retrying in %v", l.Addr(), err, pause)
			time.Sleep(pause)
			continue
		}
		pause = 0
		c := s.newConn(nc, tlsConfig)
		if c == nil {
			nc.Close()
			continue
		}
		s.makeRoom()
		go c.serve()
	}
}

// waitForRoom returns once a connection may be accepted under MaxConns:
// below the bound, or at it with an idle keep-alive connection, or one that
// has taken headGrace over a request head, that can give way to the next
// client (see makeRoom). With none, the server stops
// accepting until a connection closes, and the overload waits in the
// kernel's listen queue. It reports false when the server is closing
// meanwhile.
func (s *Server) waitForRoom() bool {
	if s.MaxConns <= 0 {
		return true
	}
	for {
		now := time.Now()
		s.mu.Lock()
		closing := s.closing()
		// Below the bound, nothing is scanned: a scan of every connection
		// per accept would make accepting ten thousand quadratic.
		room := len(s.conns) < s.MaxConns || s.idleLocked() != nil
		var slow *conn
		var due time.Time
		if !room {
			slow, due = s.slowLocked(now)
		}
		s.mu.Unlock()
		switch {
		case closing:
			return false
		case room || slow != nil:
			return true
		}
		var later <-chan time.Time // when a connection reading a head turns slow
		var t *time.Timer
		if !due.IsZero() {
			t = time.NewTimer(due.Sub(now))
			later = t.C
		}
		select {
		case <-s.roomFreed:
		case <-later:
		case <-s.stopping:
		}
		if t != nil {
			t.Stop()
		}
	}
}

// makeRoom, once a client has been accepted at MaxConns, closes an idle
// keep-alive connection for it: an idle connection costs little, but a
// waiting client matters more, and the idle one's client reconnects when it
// needs to. With none idle, it closes the connection that has taken longest
// over a request head (or its TLS handshake), if past headGrace.
func (s *Server) makeRoom() {
	if s.MaxConns <= 0 {
		return
	}
	s.mu.Lock()
	if len(s.conns) <= s.MaxConns {
		s.mu.Unlock()
		return
	}
	if c := s.idleLocked(); c != nil {
		c.idle = false // evicted once
		c.evicted.Store(true)
		s.wake(c)
		s.mu.Unlock()
		return
	}
	c, _ := s.slowLocked(time.Now())
	if c != nil {
		c.evicted.Store(true)
		_ = c.nc.SetDeadline(time.Now())
	}
	s.mu.Unlock()
	if c != nil { // logged without the lock: a slow log must not stall every connection
		s.refusals.logf(s.ErrorLog, logging.Warning,
			"Closed the connection from %s to make room: at the connection limit (%d), it had not sent a whole request head within %v",
			c.nc.RemoteAddr(), s.MaxConns, headGrace)
	}
}

// headGrace is how long, at MaxConns, a connection may take over a request
// head (the first one from the accept, its TLS handshake included; a later
// one from its first byte) before it gives way to the next client. A real
// client sends a head within milliseconds; one dripping it a byte at a time
// (slowloris) would otherwise keep the bound taken for Timeout per
// connection, and so keep every other client out.
const headGrace = time.Second

// slowLocked returns the connection that has been reading a request head
// (see conn.headSince) longest, if for headGrace or more; else nil, and
// when the first such connection turns slow (zero: none is reading one).
func (s *Server) slowLocked(now time.Time) (slow *conn, due time.Time) {
	var oldest *conn
	var oldestSince int64
	for c := range s.conns {
		since := c.headSince.Load()
		if since != 0 && !c.idle && !c.evicted.Load() && (oldest == nil || since < oldestSince) {
			oldest, oldestSince = c, since
		}
	}
	if oldest == nil {
		return nil, time.Time{}
	}
	due = now.Add(time.Duration(oldestSince) + headGrace - time.Duration(monoNow()))
	if !now.Before(due) {
		return oldest, due
	}
	return nil, due
}

// monoEpoch and monoNow give times as atomics can hold them, monotonic: a
// clock step evicts nothing. monoNow is never 0, which means "not set".
var monoEpoch = time.Now()

func monoNow() int64 { return int64(time.Since(monoEpoch)) + 1 }

// idleLocked returns a connection waiting for its next request, or nil.
func (s *Server) idleLocked() *conn {
	for c := range s.conns {
		if c.idle && !c.evicted.Load() {
			return c
		}
	}
	return nil
}

// closing reports whether a shutdown has begun.
func (s *Server) closing() bool { return s.shutting.Load() }

// newConn registers a connection, which speaks TLS when tlsConfig is not
// nil; it returns nil once the server is closed. During a graceful shutdown
// it still registers those accepted from the listen queue: they reached the
// server and are served.
func (s *Server) newConn(nc net.Conn, tlsConfig *tls.Config) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil // Close: nothing more is served
	}
	c := &conn{s: s, nc: nc}
	c.headSince.Store(monoNow())
	if tlsConfig != nil {
		c.nc, c.tls = tls.Server(nc, tlsConfig), true
	}
	c.takeServing()
	s.conns[c] = struct{}{}
	s.connsDone.Add(1)
	return c
}

func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.pokeRoom()
	s.connsDone.Done()
}

// setIdle marks c as waiting for a request (idle) or serving one: at
// MaxConns, an idle connection makes room for a new one.
func (s *Server) setIdle(c *conn, idle bool) {
	s.mu.Lock()
	c.idle = idle
	s.mu.Unlock()
	if idle && s.MaxConns > 0 {
		s.pokeRoom() // a Serve waiting at the bound may now make room
	}
}

func (s *Server) pokeRoom() {
	select {
	case s.roomFreed <- struct{}{}:
	default:
	}
}

// Shutdown stops the server gracefully, as TERM asks, losing no request
// that reached it: the connections already waiting in the listen queue are
// accepted, then the listeners close; every connection ends at a response
// boundary (a request that arrives is answered with Connection: close; an
// idle keep-alive connection closes when its keep-alive time runs out, so a
// request its client is sending meanwhile is still served). Shutdown waits
// for every connection to end or ctx to expire, whichever is first. On
// expiry it closes what is left and returns ctx's error without waiting
// further: an app call still running cannot be interrupted, only abandoned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginShutdown()
	done := make(chan struct{})
	go func() {
		s.connsDone.Wait()
		close(done)
	}()
	defer s.refusals.flush(s.ErrorLog)
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.closeConns()
		return fmt.Errorf("graceful shutdown: %w", ctx.Err())
	}
}

// Close stops the server at once, as INT and QUIT ask: listeners and every
// connection are closed, requests in flight are cut. It does not wait for
// app calls in progress, which it cannot interrupt.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.beginShutdown()
	s.closeConns()
	s.refusals.flush(s.ErrorLog)
	return nil
}

func (s *Server) beginShutdown() {
	s.mu.Lock()
	s.shutting.Store(true)
	if s.stopping != nil && !s.stopped {
		s.stopped = true
		close(s.stopping) // a Serve waiting for room sees the shutdown
	}
	listeners := make(map[net.Listener]*tls.Config, len(s.listeners))
	for l, tlsConfig := range s.listeners {
		listeners[l] = tlsConfig
	}
	closed := s.closed
	s.mu.Unlock()
	for l, tlsConfig := range listeners {
		if !closed {
			s.acceptQueued(l, tlsConfig)
		}
		closeListener(l, s.ErrorLog)
	}
}

// acceptQueued accepts, without waiting, every connection the kernel has
// queued on l, and serves them: they reached the server, and closing the
// listener would reset them. It is done just before the listener closes, so
// that a client connecting afterwards is refused, which it can tell from a
// connection that was lost.
func (s *Server) acceptQueued(l net.Listener, tlsConfig *tls.Config) {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	var fds []int
	_ = raw.Control(func(fd uintptr) { // fails only if l is closed: nothing queued then
		for {
			nfd, _, err := syscall.Accept4(int(fd), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return // EAGAIN: the queue is empty
			}
			fds = append(fds, nfd)
		}
	})
	for _, fd := range fds {
		f := os.NewFile(uintptr(fd), "queued")
		nc, err := net.FileConn(f)
		f.Close() // FileConn made its own copy
		if err != nil {
			s.ErrorLog.Warnf("a connection queued at shutdown: %v", err)
			continue
		}
		if c := s.newConn(nc, tlsConfig); c != nil {
			go c.serve()
		} else {
			nc.Close()
		}
	}
}

func closeListener(l net.Listener, elog *logging.ErrorLog) {
	if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		elog.Warnf("close listener %s: %v", l.Addr(), err)
	}
}

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.listeners {
		closeListener(l, s.ErrorLog)
	}
	for c := range s.conns {
		c.nc.Close()
		s.wake(c) // a parked one has no goroutine to see it closed
	}
}

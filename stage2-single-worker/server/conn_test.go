package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gunicorn-go/shared/examples/goapps"
	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage1-wsgi-hello/rawio"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// gatedBody yields "first\n", then waits for the gate to open before
// yielding "second\n".
type gatedBody struct {
	gate chan struct{}
	n    int
}

func (b *gatedBody) Next() ([]byte, error) {
	b.n++
	switch b.n {
	case 1:
		return []byte("first\n"), nil
	case 2:
		<-b.gate
		return []byte("second\n"), nil
	}
	return nil, io.EOF
}

func (b *gatedBody) Close() error { return nil }

// TestStreamingSendsEachChunk checks that a chunk reaches the client while
// the app is still working on the next one.
func TestStreamingSendsEachChunk(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	s := startServer(t, wsgi.AppFunc(func(_ *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
		_, err := start("200 OK", nil, nil)
		return &gatedBody{gate: gate}, err
	}), nil)
	nc := s.dial(t)
	if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	readHead(t, br)
	// The first chunk arrives although the second is held back.
	for _, want := range []string{"6\r\n", "first\n", "\r\n"} {
		if got, err := br.ReadString('\n'); err != nil || got != want {
			t.Fatalf("read %q, %v; want %q", got, err, want)
		}
	}
	close(gate)
	rest, err := br.ReadString('\n')
	if err != nil || rest != "7\r\n" {
		t.Fatalf("after the gate: %q, %v", rest, err)
	}
}

// TestValidatedEcho runs requests through go:echo wrapped in wsgi.Validate,
// which checks the environ and the order of the server's calls.
func TestValidatedEcho(t *testing.T) {
	t.Parallel()
	echo, ok := goapps.Lookup("echo")
	if !ok {
		t.Fatal("no go:echo")
	}
	checker := wsgi.Validate(echo)
	s := startServer(t, checker, nil)
	raw := "GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=1" +
		"POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
		"HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /expect HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi" +
		"GET /old HTTP/1.0\r\n\r\n"
	out := s.exchange(t, raw)
	if n := strings.Count(out, "HTTP/1.1 200 OK\r\n"); n != 5 {
		t.Errorf("%d HTTP/1.1 responses with 200, want 5:\n%s", n, out)
	}
	if !strings.Contains(out, "HTTP/1.1 100 Continue\r\n\r\n") || !strings.Contains(out, "HTTP/1.0 200 OK\r\n") {
		t.Errorf("no 100 Continue or no HTTP/1.0 response:\n%s", out)
	}
	if err := checker.Err(); err != nil {
		t.Error(err)
	}
}

// TestLargeBodiesAreSpooled checks that a body above SpoolThreshold reaches
// the app as a file, and that the file is removed after the request.
func TestLargeBodiesAreSpooled(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	type seen struct {
		data, path string
	}
	seenc := make(chan seen, 2)
	s := startServer(t, wsgi.AppFunc(func(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
		var got seen
		if ib, ok := env.Input.(wsgi.InputBuffer); ok {
			_, got.path = ib.Buffered()
		}
		if env.Input != nil { // nil: no body
			data, err := io.ReadAll(env.Input)
			if err != nil {
				return nil, err
			}
			got.data = string(data)
		}
		seenc <- got
		_, err := start("204 No Content", nil, nil)
		return wsgi.Chunks(), err
	}), func(s *Server) {
		s.SpoolThreshold = 8
		s.TempDir = tmp
	})
	for _, tc := range []struct {
		name, raw, body string
		spooled         bool
	}{
		{"small", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nsmall", "small", false},
		{"large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\n\r\nlarger than 8 b.", "larger than 8 b.", true},
		{"large chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nlarger\r\na\r\n than 8 b.\r\n0\r\n\r\n", "larger than 8 b.", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := s.exchange(t, tc.raw+"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
			if !strings.HasPrefix(out, "HTTP/1.1 204 ") {
				t.Fatalf("response:\n%s", out)
			}
			got := <-seenc
			<-seenc // the second request's
			if got.data != tc.body || (got.path != "") != tc.spooled {
				t.Errorf("app read %q from file %q; want %q, spooled %v", got.data, got.path, tc.body, tc.spooled)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("%d files left in the spool directory", len(left))
			}
		})
	}
}

// TestShutdownAbandonsAStuckApp checks that Shutdown returns when its
// deadline passes and Close returns at once, even while an app call never
// ends.
func TestShutdownAbandonsAStuckApp(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	app := wsgi.AppFunc(func(*wsgi.Environ, wsgi.StartResponse) (wsgi.Body, error) {
		close(started)
		<-release
		return nil, errors.New("released")
	})
	s := startServer(t, app, nil)
	nc := s.dial(t)
	if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := shutdown(s.Server, 50*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want the deadline's error", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := io.ReadAll(nc); err != nil && !strings.Contains(err.Error(), "reset") {
		t.Errorf("the connection of the stuck request: %v", err)
	}
}

// endlessBody yields 64 KiB chunks until it is closed.
type endlessBody struct{ closed chan struct{} }

func (b *endlessBody) Next() ([]byte, error) { return make([]byte, 64<<10), nil }
func (b *endlessBody) Close() error          { close(b.closed); return nil }

// TestClientThatStopsReadingIsDropped checks that a client which sends a
// request and never reads the answer cannot hold its connection forever: once
// the socket buffers fill, a write waits at most Timeout, then the server
// gives up, closes the app's body and logs the error.
func TestClientThatStopsReadingIsDropped(t *testing.T) {
	t.Parallel()
	body := &endlessBody{closed: make(chan struct{})}
	s := startServer(t, wsgi.AppFunc(func(_ *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
		_, err := start("200 OK", nil, nil)
		return body, err
	}), func(s *Server) { s.Timeout = 100 * time.Millisecond })
	nc := s.dial(t)
	if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-body.closed:
	case <-time.After(ioTimeout):
		t.Fatal("the server still writes to a client that stopped reading")
	}
	// The client's doing, not the app's: a debug line, no error.
	s.waitLog(t, "[DEBUG] Ignoring the client of /, gone: ")
	if strings.Contains(s.log.String(), "[ERROR]") {
		t.Errorf("a client that stopped reading was logged as an error:\n%s", s.log.String())
	}
}

// TestGoAppsRunConcurrently checks that a Go app is called on every
// connection at once: each call waits until all of them have begun, which
// only a server calling them concurrently lets happen.
func TestGoAppsRunConcurrently(t *testing.T) {
	t.Parallel()
	const n = 4
	var arrived sync.WaitGroup
	arrived.Add(n)
	all := make(chan struct{})
	go func() { arrived.Wait(); close(all) }()
	s := startServer(t, wsgi.AppFunc(func(_ *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
		arrived.Done()
		select {
		case <-all:
		case <-time.After(ioTimeout):
			return nil, errors.New("the other calls never began")
		}
		_, err := start("200 OK", []wsgi.Header{{Name: "Content-Length", Value: "3"}}, nil)
		return wsgi.Chunks([]byte("ok\n")), err
	}), nil)
	results := make(chan string, n)
	for i := 0; i < n; i++ {
		nc := s.dial(t)
		go func() {
			out, err := io.ReadAll(nc)
			if err != nil {
				results <- err.Error()
				return
			}
			results <- string(out)
		}()
		if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		if out := <-results; !strings.HasPrefix(out, "HTTP/1.1 200 ") || !strings.HasSuffix(out, "\r\n\r\nok\n") {
			t.Errorf("response %d: %q", i, out)
		}
	}
}

// TestAbortedUploadLeavesNoFile: a client that stops half-way through a
// large upload leaves no spool file behind.
func TestAbortedUploadLeavesNoFile(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	s := startServer(t, noContent, func(s *Server) {
		s.SpoolThreshold = 8
		s.TempDir = tmp
	})
	nc, err := net.DialTimeout("tcp", s.addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(nc, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat("x", 5000)); err != nil {
		t.Fatal(err)
	}
	spoolFiles := func() int { left, _ := os.ReadDir(tmp); return len(left) }
	testkit.WaitFor(t, "the body being spooled", ioTimeout, func() bool { return spoolFiles() == 1 })
	nc.Close() // the client gives up
	testkit.WaitFor(t, "the spool file to be removed", ioTimeout, func() bool { return spoolFiles() == 0 })
}

// TestBodyMemoryIsShared: once the bodies held in memory by all connections
// reach BodyMemory, the next body goes to a file however small it is, and
// both requests are served whole.
func TestBodyMemoryIsShared(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	paths := make(chan string, 2)
	s := startServer(t, wsgi.AppFunc(func(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
		_, path := env.Input.(wsgi.InputBuffer).Buffered()
		paths <- path
		data, err := io.ReadAll(env.Input)
		if err != nil {
			return nil, err
		}
		if _, err := start("200 OK", []wsgi.Header{{Name: "Content-Length", Value: strconv.Itoa(len(data))}}, nil); err != nil {
			return nil, err
		}
		return wsgi.Chunks(data), nil
	}), func(s *Server) {
		s.SpoolThreshold = 8 << 10
		s.BodyMemory = 10 << 10
		s.TempDir = tmp
	})
	body := strings.Repeat("a", 6000)
	head := "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 6000\r\n\r\n"
	first, err := net.DialTimeout("tcp", s.addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	// The first body holds its 6000 of the 10240 bytes while it arrives...
	if _, err := io.WriteString(first, head+body[:100]); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, "the first body to hold its memory", ioTimeout, func() bool { return s.bodyMem.Load() >= 6000 })
	// ...so the second, as small, is spooled.
	second := s.exchange(t, head+body)
	if !strings.HasSuffix(second, "\r\n\r\n"+body) {
		t.Errorf("second response: %.200q", second)
	}
	if p := <-paths; p == "" {
		t.Error("the second body was kept in memory beyond BodyMemory")
	}
	if _, err := io.WriteString(first, body[100:]); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(first)
	if err != nil || !strings.HasSuffix(string(out), "\r\n\r\n"+body) {
		t.Errorf("first response: %.200q, %v", out, err)
	}
	if p := <-paths; p != "" {
		t.Errorf("the first body, within BodyMemory, was spooled to %s", p)
	}
	testkit.WaitFor(t, "the body memory to be given back", ioTimeout, func() bool { return s.bodyMem.Load() == 0 })
}

// TestLimitRequestBody: a body larger than LimitRequestBody is refused with
// 413: one with a Content-Length before it is read (a client that sent
// Expect: 100-continue is never told to send it), a chunked one as soon as
// it passes the limit. Nothing reaches the app.
func TestLimitRequestBody(t *testing.T) {
	t.Parallel()
	called := make(chan struct{}, 8)
	s := startServer(t, wsgi.AppFunc(func(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
		called <- struct{}{}
		_, err := start("204 No Content", nil, nil)
		return wsgi.Chunks(), err
	}), func(s *Server) { s.LimitRequestBody = 10 })
	for _, tc := range []struct{ name, raw, want string }{
		{"within", "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10\r\n\r\n0123456789", "HTTP/1.1 204 "},
		{"length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890", "HTTP/1.1 413 "},
		{"expect", "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n", "HTTP/1.1 413 "},
		{"chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n678901\r\n0\r\n\r\n", "HTTP/1.1 413 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if out := s.exchange(t, tc.raw); !strings.HasPrefix(out, tc.want) || strings.Contains(out, "100 Continue") {
				t.Errorf("response:\n%s", out)
			}
		})
	}
	if n := len(called); n != 1 {
		t.Errorf("the app ran %d times, want once (the body within the limit)", n)
	}
}

// TestSpoolDiskIsShared: the bodies all connections spool to disk stay
// under SpoolDisk; one that does not fit is answered 503, and its file, like
// every other, is removed.
func TestSpoolDiskIsShared(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	s := startServer(t, noContent, func(s *Server) {
		s.SpoolThreshold = 8
		s.SpoolDisk = 1000
		s.TempDir = tmp
	})
	for _, tc := range []struct{ name, raw, want string }{
		{"fits", "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 900\r\n\r\n" + strings.Repeat("a", 900), "HTTP/1.1 204 "},
		// Alone larger than the whole budget: it could never fit, 413.
		{"length too large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n" + strings.Repeat("a", 1001), "HTTP/1.1 413 "},
		{"chunked too large", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" + strings.Repeat("a", 1000) + "\r\n3e8\r\n" + strings.Repeat("b", 1000) + "\r\n0\r\n\r\n", "HTTP/1.1 413 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if out := s.exchange(t, tc.raw); !strings.HasPrefix(out, tc.want) {
				t.Errorf("response:\n%.300s", out)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("%d files left in the spool directory", len(left))
			}
			if used := s.spoolUsed.Load(); used != 0 {
				t.Errorf("%d bytes of SpoolDisk still held", used)
			}
		})
	}
}

// TestBodyMemoryChargedAsItArrives: the body memory is charged for bytes
// as they arrive, not for the Content-Length a client announces, so a
// client announcing nearly all of it and sending a few bytes does not push
// everybody else's bodies to disk.
func TestBodyMemoryChargedAsItArrives(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	paths := make(chan string, 2)
	s := startServer(t, wsgi.AppFunc(func(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
		_, path := env.Input.(wsgi.InputBuffer).Buffered()
		paths <- path
		_, err := start("204 No Content", nil, nil)
		return wsgi.Chunks(), err
	}), func(s *Server) {
		s.SpoolThreshold = 1 << 20
		s.BodyMemory = 1 << 20
		s.TempDir = tmp
	})
	greedy, err := net.DialTimeout("tcp", s.addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer greedy.Close()
	if _, err := io.WriteString(greedy, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc"); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, "the announced body to take its first step", ioTimeout, func() bool { return s.bodyMem.Load() > 0 })
	if held := s.bodyMem.Load(); held > memStep {
		t.Errorf("3 bytes received hold %d bytes of body memory, want at most a step (%d)", held, memStep)
	}
	body := strings.Repeat("a", 100<<10)
	out := s.exchange(t, "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 102400\r\n\r\n"+body)
	if !strings.HasPrefix(out, "HTTP/1.1 204 ") {
		t.Fatalf("response:\n%.300s", out)
	}
	if p := <-paths; p != "" {
		t.Errorf("a 100 KiB body was spooled to %s while memory was free", p)
	}
}

// TestSpoolFullIsTemporary: a body that would fit the spool budget alone but
// not beside the bodies spooling now is refused with 503, a refusal the
// client may retry, and the budget is whole again once those are done.
func TestSpoolFullIsTemporary(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	s := startServer(t, noContent, func(s *Server) {
		s.SpoolThreshold = 8
		s.BodyMemory = 8
		s.SpoolDisk = 1000
		s.TempDir = tmp
	})
	holder, err := net.DialTimeout("tcp", s.addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := io.WriteString(holder, "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 800\r\n\r\n"+strings.Repeat("h", 700)); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, "the first body to spool", ioTimeout, func() bool { return s.spoolUsed.Load() >= 600 })
	out := s.exchange(t, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n"+strings.Repeat("a", 500))
	if !strings.HasPrefix(out, "HTTP/1.1 503 ") {
		t.Errorf("beside a spooling body, response:\n%.300s", out)
	}
	if _, err := io.WriteString(holder, strings.Repeat("h", 100)); err != nil {
		t.Fatal(err)
	}
	if first, err := io.ReadAll(holder); err != nil || !strings.HasPrefix(string(first), "HTTP/1.1 204 ") {
		t.Errorf("the first body's response: %.300q, %v", first, err)
	}
	testkit.WaitFor(t, "the spool budget to be given back", ioTimeout, func() bool { return s.spoolUsed.Load() == 0 })
	out = s.exchange(t, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n"+strings.Repeat("a", 500))
	if !strings.HasPrefix(out, "HTTP/1.1 204 ") {
		t.Errorf("once the budget is free, response:\n%.300s", out)
	}
}

// noContent answers every request 204, without reading its body.
var noContent = wsgi.AppFunc(func(_ *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
	_, err := start("204 No Content", nil, nil)
	return wsgi.Chunks(), err
})

// TestIdleConnectionHoldsNoState checks that a keep-alive connection
// waiting for its next request gives its buffers and request state back
// (10,000 idle connections must not hold 19 KiB each), takes them again
// for its next request, and that what another connection's request left
// in them reaches no one.
func TestIdleConnectionHoldsNoState(t *testing.T) {
	s := startServer(t, wsgi.AppFunc(func(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
		secret, _ := env.Get("HTTP_X_SECRET")
		body := "secret=" + secret + "\n"
		if _, err := start("200 OK", []wsgi.Header{{Name: "Content-Length", Value: strconv.Itoa(len(body))}}, nil); err != nil {
			return nil, err
		}
		return wsgi.Chunks([]byte(body)), nil
	}), nil)
	get := func(nc net.Conn, br *bufio.Reader, header string) string {
		t.Helper()
		if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n"+header+"\r\n"); err != nil {
			t.Fatal(err)
		}
		head := readHead(t, br)
		if !strings.HasPrefix(head, "HTTP/1.1 200 ") {
			t.Fatalf("response head %q", head)
		}
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("read body: %v", err)
		}
		return line
	}
	idleWithout := func() int { // connections idle with no serving state
		s.mu.Lock()
		defer s.mu.Unlock()
		n := 0
		for c := range s.conns {
			if c.idle && c.serving == nil {
				n++
			}
		}
		return n
	}

	a := s.dial(t)
	ar := bufio.NewReader(a)
	if got := get(a, ar, "X-Secret: hunter2\r\n"); got != "secret=hunter2\n" {
		t.Fatalf("first request: body %q", got)
	}
	deadline := time.Now().Add(ioTimeout)
	for idleWithout() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the idle connection still holds its serving state")
		}
		time.Sleep(10 * time.Millisecond)
	}

	b := s.dial(t) // likely served with the state a gave back
	if got := get(b, bufio.NewReader(b), ""); got != "secret=\n" {
		t.Errorf("another connection's request: body %q, want no secret", got)
	}
	if got := get(a, ar, "X-Secret: again\r\n"); got != "secret=again\n" {
		t.Errorf("the idle connection's next request: body %q", got)
	}
}

// TestIdleKeepAliveSwept: an idle connection waits with no deadline of its
// own (see idle.go): the sweeper closes it once its keep-alive has run out,
// one that sends its next request in time is served, and the sweeper stops
// once no connection is idle.
func TestIdleKeepAliveSwept(t *testing.T) {
	s := startServer(t, noContent, func(s *Server) { s.KeepAlive = 1500 * time.Millisecond })
	request := func(nc net.Conn, br *bufio.Reader) {
		t.Helper()
		if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		if head := readHead(t, br); !strings.HasPrefix(head, "HTTP/1.1 204 ") {
			t.Fatalf("response head %q", head)
		}
	}
	sweeping := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.sweeping
	}

	kept, expired := s.dial(t), s.dial(t)
	keptR, expiredR := bufio.NewReader(kept), bufio.NewReader(expired)
	request(kept, keptR)
	request(expired, expiredR)
	testkit.WaitFor(t, "the idle connections' sweeper", ioTimeout, sweeping)
	request(kept, keptR) // woken by its request, before its keep-alive ran out
	if n, err := expiredR.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("the expired connection: read %d bytes, %v; want it closed", n, err)
	}
	if n, err := keptR.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("the kept connection, idle again: read %d bytes, %v; want it closed in its turn", n, err)
	}
	testkit.WaitFor(t, "the sweeper to stop", ioTimeout, func() bool { return !sweeping() })
}

// TestIdleWheel: the sweeper wakes each idle connection once its keep-alive
// has run out, and only then, from the wheel's lists (see idle.go): one
// due soon, one due later, one whose time had run out before it went idle;
// one that wakes in time leaves the wheel, and the sweeper stops once the
// wheel is empty.
func TestIdleWheel(t *testing.T) {
	s := &Server{}
	idle := func(in time.Duration) (*conn, net.Conn) {
		a, b := net.Pipe()
		t.Cleanup(func() { a.Close(); b.Close() })
		c := &conn{s: s, nc: a}
		c.sleepUntil(time.Now().Add(in))
		return c, a
	}
	woken := func(nc net.Conn) bool { // its deadline is set in the past, in time
		read := make(chan error, 1)
		go func() { _, err := nc.Read(make([]byte, 1)); read <- err }()
		select {
		case err := <-read:
			return errors.Is(err, os.ErrDeadlineExceeded)
		case <-time.After(ioTimeout):
			nc.Close()
			return false
		}
	}
	inWheel := func(c *conn) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for x := s.idleWheel[c.wheelTick]; x != nil; x = x.wheelNext {
			if x == c {
				return true
			}
		}
		return false
	}

	late, lateNC := idle(-time.Second)
	soon, soonNC := idle(300 * time.Millisecond)
	later, _ := idle(time.Hour)
	inTime, _ := idle(time.Hour)
	if !inWheel(soon) || !inWheel(later) || !inWheel(inTime) || !inWheel(late) {
		t.Fatal("an idle connection is not in the wheel")
	}
	if !woken(lateNC) || late.idleUntil.Load() != 0 || inWheel(late) {
		t.Error("the connection whose keep-alive had run out was not swept at the next tick")
	}
	if !woken(soonNC) || soon.idleUntil.Load() != 0 || inWheel(soon) {
		t.Error("the connection due soon was not swept")
	}
	if later.idleUntil.Load() == 0 || !inWheel(later) {
		t.Error("the connection due in an hour was swept")
	}
	if !inTime.wokeInTime() || inWheel(inTime) {
		t.Error("a connection that woke in time is still in the wheel, or was swept")
	}
	if !later.wokeInTime() {
		t.Error("the connection due in an hour was swept")
	}
	testkit.WaitFor(t, "the sweeper to stop", ioTimeout, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return !s.sweeping && len(s.idleWheel) == 0
	})
}

// TestRawIOErrors: a plain connection is read and written with package
// rawio, and its errors are the net package's: a *net.OpError naming the
// operation, a timeout a net.Error whose Timeout is true, the end io.EOF.
func TestRawIOErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	nc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c := &conn{s: &Server{}, nc: nc}
	raw := c.rawConn()
	if raw == nil {
		t.Fatal("a TCP connection has no raw descriptor")
	}
	c.rio = rawio.New(raw)
	r, w := flushingReader{c}, deadlineWriter{c}
	c.serving = &serving{bw: bufio.NewWriter(w)}

	if _, err := w.Write([]byte("hello")); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, 5)
	if _, err := io.ReadFull(client, got); err != nil || string(got) != "hello" {
		t.Fatalf("the client read %q, %v", got, err)
	}
	client.Write([]byte("hi"))
	if n, err := r.Read(got); err != nil || string(got[:n]) != "hi" {
		t.Fatalf("read %q, %v", got[:n], err)
	}

	nc.SetReadDeadline(time.Now())
	_, err = r.Read(got)
	var op *net.OpError
	var ne net.Error
	if !errors.As(err, &op) || op.Op != "read" || op.Source.String() != nc.LocalAddr().String() ||
		op.Addr.String() != nc.RemoteAddr().String() || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("read past the deadline: %#v, want a *net.OpError read that timed out", err)
	}
	nc.SetReadDeadline(time.Time{})

	client.Close()
	if n, err := r.Read(got); n != 0 || err != io.EOF {
		t.Errorf("read after the client closed: %d, %v; want io.EOF", n, err)
	}
}

// TestParkedConnectionsHoldNoGoroutine: idle plain connections are parked
// (see park.go): once idle past idleGrace, none of them holds a goroutine,
// each is served again when its next request comes, and Close ends those
// still parked.
func TestParkedConnectionsHoldNoGoroutine(t *testing.T) {
	s := startServer(t, noContent, nil)
	const n = 50
	type client struct {
		nc net.Conn
		br *bufio.Reader
	}
	request := func(c client) {
		t.Helper()
		if _, err := io.WriteString(c.nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		if head := readHead(t, c.br); !strings.HasPrefix(head, "HTTP/1.1 204 ") {
			t.Fatalf("response head %q", head)
		}
	}
	parked := func() int {
		parking.mu.Lock()
		defer parking.mu.Unlock()
		m := 0
		for _, c := range parking.conns {
			if c.s == s.Server {
				m++
			}
		}
		return m
	}
	before := runtime.NumGoroutine()
	clients := make([]client, n)
	for i := range clients {
		nc := s.dial(t)
		clients[i] = client{nc, bufio.NewReader(nc)}
		request(clients[i])
	}
	testkit.WaitFor(t, "every idle connection parked", ioTimeout, func() bool { return parked() == n })
	if g := runtime.NumGoroutine(); g >= before+n/2 {
		t.Errorf("%d goroutines with %d connections parked, %d before them: a parked connection still holds one", g, n, before)
	}
	for _, c := range clients {
		request(c) // resumed by its request
	}
	testkit.WaitFor(t, "parked again", ioTimeout, func() bool { return parked() == n })
	s.Server.Close()
	testkit.WaitFor(t, "Close to end the parked connections", ioTimeout, func() bool { return parked() == 0 })
	for _, c := range clients {
		if n, err := c.br.Read(make([]byte, 1)); n != 0 || err == nil {
			t.Fatalf("after Close: read %d bytes, %v; want the connection closed", n, err)
		}
	}
}

// TestParkerWaitsInThePoller: the goroutine watching the parked
// connections waits in the runtime's poller ("IO wait"), not in a blocking
// epoll_wait ("syscall"), which held the master's one P until the
// runtime's monitor took it back, up to 10 ms (see parker.poll).
func TestParkerWaitsInThePoller(t *testing.T) {
	s := startServer(t, noContent, nil)
	nc := s.dial(t)
	if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if head := readHead(t, bufio.NewReader(nc)); !strings.HasPrefix(head, "HTTP/1.1 204 ") {
		t.Fatalf("response head %q", head)
	}
	state := ""
	for deadline := time.Now().Add(ioTimeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		switch st := parkerState(); {
		case strings.HasPrefix(st, "IO wait"):
			return
		case st != "":
			state = st
		}
	}
	t.Errorf("the parker's goroutine was last seen in state %q, want IO wait", state)
}

// parkerState returns the state of the goroutine running parker.poll, as
// the runtime's stack dump gives it ("IO wait", "syscall"…), "" if none.
func parkerState() string {
	buf := make([]byte, 1<<20)
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if !strings.Contains(g, "server.(*parker).poll(") {
			continue
		}
		head, _, _ := strings.Cut(g, "\n") // goroutine 7 [IO wait]:
		if _, st, ok := strings.Cut(head, "["); ok {
			st, _, _ = strings.Cut(st, "]")
			return st
		}
	}
	return ""
}

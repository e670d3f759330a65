package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
	"gunicorn-go/stage2-single-worker/http1"
	"gunicorn-go/stage2-single-worker/logging"
)

// ioTimeout bounds a test that went wrong; no test asserts on time.
const ioTimeout = 15 * time.Second

// testServer is a Server run in the test process.
type testServer struct {
	*Server
	addr string
	log  *testkit.Buffer // the error log
}

// startServer serves app on 127.0.0.1:0 until the test ends. configure, if
// not nil, changes the Server before it starts.
func startServer(t *testing.T, app wsgi.App, configure func(*Server)) *testServer {
	t.Helper()
	log := &testkit.Buffer{}
	s := &Server{
		App:       app,
		Limits:    http1.DefaultLimits,
		KeepAlive: 5 * time.Second,
		ErrorLog:  logging.NewErrorLog(logging.NewOutput(log), logging.Debug),
	}
	if configure != nil {
		configure(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		if t.Failed() {
			t.Logf("error log:\n%s", log.String())
		}
	})
	return &testServer{Server: s, addr: ln.Addr().String(), log: log}
}

// dial opens a connection to the server, closed when the test ends.
func (s *testServer) dial(t *testing.T) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", s.addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	if err := nc.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatal(err)
	}
	return nc
}

// exchange sends raw on a new connection and returns everything the server
// sends until it closes the connection.
func (s *testServer) exchange(t *testing.T, raw string) string {
	t.Helper()
	nc := s.dial(t)
	if _, err := io.WriteString(nc, raw); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("read: %v (so far %q)", err, out)
	}
	return string(out)
}

// waitLog waits until the error log holds substr.
func (s *testServer) waitLog(t *testing.T, substr string) {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for !strings.Contains(s.log.String(), substr) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the error log:\n%s", substr, s.log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readHead reads a response's status line and headers from br.
func readHead(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		head.WriteString(line)
		if err != nil {
			t.Fatalf("read head: %v (so far %q)", err, head.String())
		}
		if line == "\r\n" {
			return head.String()
		}
	}
}

// shutdown runs Shutdown with a deadline and returns its error.
func shutdown(s *Server, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	return s.Shutdown(ctx)
}

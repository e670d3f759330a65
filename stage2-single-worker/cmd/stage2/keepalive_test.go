package main

import (
	"bufio"
	"strings"
	"testing"
)

// TestKeepAliveTimeout checks that the server closes a connection left idle
// after a request for longer than --keep-alive. The wait for EOF has a
// generous deadline; how soon it comes is not asserted.
func TestKeepAliveTimeout(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--keep-alive", "1", "go:hello")
	nc := s.dial()
	br := bufio.NewReader(nc)
	// Both requests in one write: a pause between them longer than the
	// keep-alive time (a loaded machine) must not decide the test.
	write(t, nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	for i := 0; i < 2; i++ {
		if resp := readResponse(t, br, "GET"); !resp.headerLine("Connection", "keep-alive") {
			t.Fatalf("response %d does not keep the connection:\n%s", i, resp.Head)
		}
	}
	expectClosed(t, nc, br)
}

// TestKeepAliveZeroIsOff: --keep-alive 0 turns keep-alive off, as in
// gunicorn: every response says Connection: close, and the connection closes.
func TestKeepAliveZeroIsOff(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--keep-alive", "0", "go:hello")
	nc := s.dial()
	br := bufio.NewReader(nc)
	write(t, nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp := readResponse(t, br, "GET"); !resp.headerLine("Connection", "close") {
		t.Errorf("with --keep-alive 0 the response keeps the connection:\n%s", resp.Head)
	}
	expectClosed(t, nc, br)
}

// TestHTTP10KeepAlive checks that an HTTP/1.0 client asking for keep-alive
// gets it when the response has a Content-Length, and that one which does
// not ask has its connection closed.
func TestHTTP10KeepAlive(t *testing.T) {
	t.Parallel()
	s := startServer(t, "go:hello")
	nc := s.dial()
	br := bufio.NewReader(nc)
	for i := 0; i < 2; i++ {
		write(t, nc, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		resp := readResponse(t, br, "GET")
		if !strings.HasPrefix(resp.Head, "HTTP/1.0 200 ") || !resp.headerLine("Connection", "keep-alive") {
			t.Fatalf("response %d does not keep the connection:\n%s", i, resp.Head)
		}
	}
	write(t, nc, "GET / HTTP/1.0\r\n\r\n")
	if resp := readResponse(t, br, "GET"); !resp.headerLine("Connection", "close") {
		t.Errorf("HTTP/1.0 without keep-alive:\n%s", resp.Head)
	}
	expectClosed(t, nc, br)
}

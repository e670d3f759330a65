package main

import (
	"bufio"
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
	for i := 0; i < 2; i++ {
		write(t, nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp := readResponse(t, br, "GET"); !resp.headerLine("Connection", "keep-alive") {
			t.Fatalf("response %d does not keep the connection:\n%s", i, resp.Head)
		}
	}
	expectClosed(t, nc, br)
}

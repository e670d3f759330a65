package main

import (
	"bufio"
	"strings"
	"testing"
)

// TestMalformedRequests sends requests that break RFC 9112: each gets its
// status, Connection: close, an error log line, and a closed connection.
func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	const get = "GET / HTTP/1.1\r\nHost: x\r\n"
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		{"no version", "GET /\r\n\r\n", 400},
		{"extra token", "GET / HTTP/1.1 x\r\nHost: x\r\n\r\n", 400},
		{"bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400},
		{"bare LF in a field", get + "X-A: 1\n\r\n", 400},
		{"obs-fold", get + "X-A: one\r\n two\r\n\r\n", 400},
		{"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
		{"no host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"content-length and transfer-encoding", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"bad content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3x\r\n\r\nabc", 400},
		{"signed content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", 400},
		{"different content-lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
		{"content-length list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", 400},
		{"bad chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400},
		{"NUL in a field value", get + "X-A: a\x00b\r\n\r\n", 400},
		{"NUL in the target", "GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"bad percent-escape", "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"long request line", "GET /" + strings.Repeat("a", 5000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"too many fields", get + strings.Repeat("X-A: 1\r\n", 101) + "\r\n", 431},
		{"long field", get + "X-A: " + strings.Repeat("a", 9000) + "\r\n\r\n", 431},
		{"other expectation", get + "Expect: something-else\r\n\r\n", 417},
		{"unknown transfer coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, "go:echo")
			nc := s.dial()
			write(t, nc, tc.raw)
			br := bufio.NewReader(nc)
			resp := readResponse(t, br, "GET")
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if !resp.headerLine("Connection", "close") {
				t.Errorf("no Connection: close in\n%s", resp.Head)
			}
			expectClosed(t, nc, br)
			s.WaitLog("Invalid request from ip=127.0.0.1", ioTimeout)
			if strings.Contains(s.Stderr.String(), "Error handling request") {
				t.Errorf("a malformed request reached the app:\n%s", s.Stderr.String())
			}
		})
	}
}

// TestMalformedAfterAGoodRequest checks that a bad request on a kept-alive
// connection is refused without disturbing the good one before it.
func TestMalformedAfterAGoodRequest(t *testing.T) {
	t.Parallel()
	s := startServer(t, "go:hello")
	nc := s.dial()
	write(t, nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/2.0\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(nc)
	if resp := readResponse(t, br, "GET"); resp.StatusCode != 200 {
		t.Fatalf("first response: %d", resp.StatusCode)
	}
	if resp := readResponse(t, br, "GET"); resp.StatusCode != 505 {
		t.Fatalf("second response: %d, want 505", resp.StatusCode)
	}
	expectClosed(t, nc, br)
}

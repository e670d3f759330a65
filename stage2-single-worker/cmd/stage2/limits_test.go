package main

import (
	"bufio"
	"strings"
	"testing"
)

// TestLimitFlags checks that the --limit-request-* flags reach the parser:
// each request is accepted under gunicorn's defaults but breaks the small
// limit set here, and gets that limit's status.
func TestLimitFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		flag   []string
		raw    string
		status int
	}{
		{"request line", []string{"--limit-request-line", "30"},
			"GET /" + strings.Repeat("a", 30) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"field count", []string{"--limit-request-fields", "2"},
			"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-B: 2\r\n\r\n", 431},
		{"field size", []string{"--limit-request-field_size", "20"},
			"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + strings.Repeat("a", 20) + "\r\n\r\n", 431},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, append(tc.flag, "go:hello")...)
			// Within the limit: served.
			ok := s.roundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
			if ok.StatusCode != 200 {
				t.Fatalf("a small request: status %d", ok.StatusCode)
			}
			nc := s.dial()
			write(t, nc, tc.raw)
			br := bufio.NewReader(nc)
			if resp := readResponse(t, br, "GET"); resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			expectClosed(t, nc, br)
		})
	}
}

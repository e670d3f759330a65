package main

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// TestSlowClientsHoldNoWorker: the design's promise, that Go does all the
// network I/O and a slow client costs a goroutine, never a Python process.
// With one worker busy serving three hostile clients at once (one trickling
// an Expect: 100-continue body a byte at a time, one leaving a 50 MB
// response unread, one pipelining 20,000 requests without reading any
// answer), a normal request is still answered.
func TestSlowClientsHoldNoWorker(t *testing.T) {
	t.Parallel()
	s := startServer(t, testApps(t, "bulk")...)

	// 1. An Expect body, a byte every 200 ms.
	trickle := s.dial()
	write(t, trickle, "POST /ping HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n")
	go func() {
		for range 1000 {
			if _, err := trickle.Write([]byte("a")); err != nil {
				return // the test ended
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	// 2. 50 MB asked for, never read.
	unread := s.dial()
	write(t, unread, "GET /big?mb=50 HTTP/1.1\r\nHost: x\r\n\r\n")
	// 3. 20,000 requests pipelined, no answer read.
	pipeliner := s.dial()
	go func() {
		_, _ = pipeliner.Write([]byte(strings.Repeat("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n", 20000)))
	}()
	// Let all three get going: the 50 MB read from the app, the pipeline
	// answered until its socket is full.
	time.Sleep(time.Second)

	start := time.Now()
	for i := range 3 {
		nc, err := net.DialTimeout("tcp", s.Addr, ioTimeout)
		if err != nil {
			t.Fatal(err)
		}
		_ = nc.SetDeadline(time.Now().Add(ioTimeout))
		write(t, nc, "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		resp := readResponse(t, bufio.NewReader(nc), "GET")
		nc.Close()
		if resp.StatusCode != 200 || string(resp.Body) != "pong" {
			t.Fatalf("normal request %d beside the slow clients: %d %q", i, resp.StatusCode, resp.Body)
		}
	}
	t.Logf("three normal requests answered in %v beside the slow clients", time.Since(start).Round(time.Millisecond))
}

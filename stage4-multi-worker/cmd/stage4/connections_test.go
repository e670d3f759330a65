package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestWorkerConnections: the master holds at most workers ×
// worker_connections client connections. At the bound, a new client is
// served by closing an idle keep-alive connection, which its client can
// simply reopen.
func TestWorkerConnections(t *testing.T) {
	t.Parallel()
	m := startMaster(t, nil, "-w", "1", "--worker-connections", "2", "--keep-alive", "60", "apps:app")
	m.waitWorkers(1, nil)
	ask := func(nc net.Conn, br *bufio.Reader) (*http.Response, error) {
		if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return nil, err
		}
		resp, err := http.ReadResponse(br, nil)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return resp, err
	}
	var idle []net.Conn
	for range 2 {
		nc, err := net.Dial("tcp", m.url[len("http://"):])
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(waitTimeout))
		if resp, err := ask(nc, bufio.NewReader(nc)); err != nil || resp.StatusCode != 200 {
			t.Fatalf("a keep-alive request: %v %v", resp, err)
		}
		idle = append(idle, nc)
	}
	// Both connections are now idle, and the master at its bound.
	third, err := net.Dial("tcp", m.url[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	_ = third.SetDeadline(time.Now().Add(waitTimeout))
	if resp, err := ask(third, bufio.NewReader(third)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("a third client at the bound: %v %v", resp, err)
	}
	closed := 0
	for _, nc := range idle {
		_ = nc.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := nc.Read(make([]byte, 1)); err == io.EOF {
			closed++
		}
	}
	if closed != 1 {
		t.Errorf("%d idle connections closed to make room, want 1", closed)
	}
}

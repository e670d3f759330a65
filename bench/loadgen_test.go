package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantStatus int
		wantKeep   bool
		wantErr    error
	}{
		{"keep-alive", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", 200, true, nil},
		{"close", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi", 200, false, nil},
		{"header case", "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nCONNECTION: Close\r\n\r\n", 404, false, nil},
		{"HTTP/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", 200, false, nil},
		{"HTTP/1.0 kept alive", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nhi", 200, true, nil},
		{"no length: the body runs to the end", "HTTP/1.1 200 OK\r\n\r\nall of it", 200, false, nil},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", 0, false, errBadResponse},
		{"bad status line", "SSH-2.0-OpenSSH\r\n\r\n", 0, false, errBadResponse},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: two\r\n\r\nhi", 0, false, errBadResponse},
		{"cut short", "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nhi", 200, true, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, keep, err := readResponse(bufio.NewReader(strings.NewReader(tt.in)))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && (status != tt.wantStatus || keep != tt.wantKeep)) {
				t.Errorf("readResponse = %d, %v, %v; want %d, %v, %v", status, keep, err, tt.wantStatus, tt.wantKeep, tt.wantErr)
			}
		})
	}
	// Two answers back to back: the first's body is read, not left behind.
	r := bufio.NewReader(strings.NewReader("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"))
	for _, want := range []int{200, 204} {
		if status, _, err := readResponse(r); err != nil || status != want {
			t.Errorf("pipelined answer = %d, %v; want %d", status, err, want)
		}
	}
}

// serve runs h on a loopback port until the test ends and returns its address.
func serve(t *testing.T, h http.Handler) (string, *http.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln) // returns ErrServerClosed when the test ends
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String(), srv
}

// TestRunMixed: one request in every few goes to the slow path, and the two
// kinds are counted apart.
func TestRunMixed(t *testing.T) {
	var slowHits, fastHits atomic.Int64
	addr, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			slowHits.Add(1)
			time.Sleep(time.Millisecond)
		} else {
			fastHits.Add(1)
		}
		w.Header().Set("Content-Length", "2")
		io.WriteString(w, "hi")
	}))
	m := RunMixed(addr, Load{Conns: 4, Duration: 300 * time.Millisecond}, 0, 5, "/", "/slow?ms=1")
	if m.Errors() != 0 {
		t.Errorf("%d errors, want none", m.Errors())
	}
	if m.Slow == 0 || m.Slow != slowHits.Load() || m.Requests != slowHits.Load()+fastHits.Load() {
		t.Errorf("counted %d requests, %d slow; the server saw %d fast and %d slow", m.Requests, m.Slow, fastHits.Load(), slowHits.Load())
	}
	// Every fifth request is slow, counted across the connections; those in
	// flight when the time ran out may tip it by one per connection.
	if want := m.Requests / 5; m.Slow < want-4 || m.Slow > want+4 {
		t.Errorf("%d slow of %d requests, want about a fifth", m.Slow, m.Requests)
	}
	if m.P50 <= 0 || m.P99 < m.P50 || m.SlowP99 <= 0 || m.ReqPerSec <= 0 {
		t.Errorf("implausible figures %+v", m)
	}
	if m := RunMixed(addr, Load{Conns: 1, Duration: 50 * time.Millisecond}, 0, 0, "/", "/slow"); m.Slow != 0 || m.Requests == 0 {
		t.Errorf("slowEvery 0: %d slow of %d requests, want none slow", m.Slow, m.Requests)
	}
}

// TestRunMixedOpenLoop: with a rate, requests fall due at that rate
// whatever the server does, and one that waits for a free connection is
// timed from when it fell due, so that a server slower than the rate shows
// its growing queue rather than its service time.
func TestRunMixedOpenLoop(t *testing.T) {
	var hits atomic.Int64
	addr, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/slow" {
			time.Sleep(20 * time.Millisecond)
		}
		w.Header().Set("Content-Length", "2")
		io.WriteString(w, "hi")
	}))
	// Fast enough for the rate: about rate × duration requests, no more.
	m := RunMixed(addr, Load{Conns: 4, Duration: 500 * time.Millisecond}, 200, 0, "/", "/slow")
	if m.Errors() != 0 || m.Requests < 80 || m.Requests > 101 {
		t.Errorf("rate 200/s for 0.5 s: %d requests, %d errors; want about 100 and none", m.Requests, m.Errors())
	}
	// Every request slow (20 ms) on one connection, due every 10 ms: each
	// waits longer than the last, and the p99 is the queue's, far above
	// the 20 ms that a closed loop would report.
	m = RunMixed(addr, Load{Conns: 1, Duration: 400 * time.Millisecond}, 100, 1, "/", "/slow")
	if m.Slow == 0 || m.SlowP99 < 100*time.Millisecond {
		t.Errorf("a server at half the rate: %d slow requests, p99 %v; want a p99 over 100ms", m.Slow, m.SlowP99)
	}
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for q, want := range map[float64]time.Duration{0.5: 5, 0.99: 10, 0.1: 1, 0.11: 2} {
		if got := percentile(ds, q); got != want {
			t.Errorf("percentile(1..10, %v) = %v, want %v", q, got, want)
		}
	}
	if percentile(nil, 0.99) != 0 {
		t.Error("percentile of nothing is not 0")
	}
}

// TestIdleConns: the connections stay open until the server closes them,
// and a server that will not keep them alive is an error.
func TestIdleConns(t *testing.T) {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") })
	addr, srv := serve(t, hello)
	idle, err := openIdle(addr, "/", 50, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if n := idle.open(); n != 50 {
		t.Errorf("%d of 50 open, want all", n)
	}
	srv.Close() // closes every connection
	testkit.WaitFor(t, "the server's closes to be seen", 10*time.Second, func() bool { return idle.open() == 0 })

	closing, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		hello(w, r)
	}))
	if _, err := openIdle(closing, "/", 10, 4); !errors.Is(err, errNotKept) {
		t.Errorf("openIdle against a closing server = %v, want errNotKept", err)
	}
}

// TestSlowClients: each client trickles its head, and dials again when the
// server hangs up on it.
func TestSlowClients(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var (
		accepted atomic.Int64
		mu       sync.Mutex
		got      []string
		wg       sync.WaitGroup
	)
	// The server reads three bytes from each connection, then hangs up.
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				b := make([]byte, 3)
				if _, err := io.ReadFull(c, b); err == nil {
					mu.Lock()
					got = append(got, string(b))
					mu.Unlock()
				}
			}()
		}
	}()
	const n = 5
	s := startSlow(ln.Addr().String(), n, time.Millisecond)
	if err := s.waitConnected(n, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, "the clients to dial again", 10*time.Second, func() bool { return accepted.Load() > 2*n && s.closed.Load() > n })
	s.stop()
	ln.Close()
	wg.Wait()
	for _, b := range got {
		if b != "GET" {
			t.Errorf("a slow client began with %q, want GET", b)
		}
	}
}

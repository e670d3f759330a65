package server

import (
	"strings"
	"testing"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// TestRefusalsLogBounded: a client sending malformed requests by the
// hundred gets a 400 for each, but the error log gets refusalBurst lines
// and one that counts the rest (written when the server stops, at the
// latest).
func TestRefusalsLogBounded(t *testing.T) {
	s := startServer(t, wsgi.AppFunc(func(*wsgi.Environ, wsgi.StartResponse) (wsgi.Body, error) {
		t.Error("the app was called")
		return nil, nil
	}), nil)
	const sent = 3 * refusalBurst
	for i := range sent {
		if out := s.exchange(t, "GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n"); !strings.HasPrefix(out, "HTTP/1.1 400 ") {
			t.Fatalf("request %d: %q, want a 400", i, out)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	log := s.log.String()
	if n := strings.Count(log, "Invalid request from ip=127.0.0.1"); n != refusalBurst {
		t.Errorf("%d lines for %d refusals, want %d:\n%s", n, sent, refusalBurst, log)
	}
	if want := "40 more lines about refused requests and connections were not logged"; !strings.Contains(log, want) {
		t.Errorf("no %q in the error log:\n%s", want, log)
	}
}

package main

import (
	"bufio"
	"strings"
	"testing"
)

// TestWSGIRefValidator serves testapps:validated, an echo app wrapped in
// Python's wsgiref.validate.validator, through a suite of requests. Any
// PEP 3333 slip in the environ, wsgi.input or the response calls makes the
// validator raise AssertionError (a 500 and a traceback in the error log) or
// warn on stderr.
func TestWSGIRefValidator(t *testing.T) {
	t.Parallel()
	s := startServer(t, testApps(t, "validated")...)
	const host = "Host: localhost\r\n"
	exchanges := []struct {
		name   string
		raw    string
		method string
		body   string
	}{
		{"GET with a query", "GET /path/x?a=1&b=%20 HTTP/1.1\r\n" + host + "\r\n", "GET", ""},
		{"POST form", "POST /form HTTP/1.1\r\n" + host + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2", "POST", "a=1&b=2"},
		{"chunked POST", "POST /chunked HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n", "POST", "abcdefg"},
		{"HEAD", "HEAD / HTTP/1.1\r\n" + host + "\r\n", "HEAD", ""},
		{"streamed response", "GET /?stream=1 HTTP/1.1\r\n" + host + "\r\n", "GET", ""},
		{"percent-encoded path", "GET /caf%C3%A9 HTTP/1.1\r\n" + host + "\r\n", "GET", ""},
		{"empty POST", "POST /empty HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n", "POST", ""},
	}

	t.Run("keep-alive", func(t *testing.T) {
		nc := s.dial()
		br := bufio.NewReader(nc)
		for _, ex := range exchanges {
			write(t, nc, ex.raw)
			checkValidated(t, ex.name, readResponse(t, br, ex.method), ex.body)
		}
	})
	t.Run("pipelined", func(t *testing.T) {
		var all strings.Builder
		for _, ex := range exchanges {
			all.WriteString(ex.raw)
		}
		nc := s.dial()
		write(t, nc, all.String())
		br := bufio.NewReader(nc)
		for _, ex := range exchanges {
			checkValidated(t, ex.name, readResponse(t, br, ex.method), ex.body)
		}
	})
	t.Run("HTTP/1.0", func(t *testing.T) {
		for _, query := range []string{"", "?stream=1"} {
			resp := s.roundTrip("GET /old"+query+" HTTP/1.0\r\n\r\n", "GET")
			checkValidated(t, "HTTP/1.0 "+query, resp, "")
		}
	})
	for _, bad := range []string{"AssertionError", "Warning", "Traceback", "Error handling request"} {
		if strings.Contains(s.Stderr.String(), bad) {
			t.Errorf("%q in the server's stderr:\n%s", bad, s.Stderr.String())
		}
	}
}

func checkValidated(t *testing.T, name string, resp *response, body string) {
	t.Helper()
	if resp.StatusCode != 200 {
		t.Errorf("%s: status %d (the validator raised?)", name, resp.StatusCode)
		return
	}
	if resp.Request.Method == "HEAD" {
		return
	}
	vars, got := environ(t, resp.Body)
	if string(got) != body {
		t.Errorf("%s: app read %q, want %q", name, got, body)
	}
	if vars["wsgi.url_scheme"] != "http" {
		t.Errorf("%s: wsgi.url_scheme %q", name, vars["wsgi.url_scheme"])
	}
}

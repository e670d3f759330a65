package main

import (
	"bufio"
	"strings"
	"testing"
)

// TestPipelining sends several requests, bodies included, in one write: the
// server must answer every one, in order, on the same connection.
func TestPipelining(t *testing.T) {
	t.Parallel()
	s := startServer(t, "go:echo")
	requests := []struct {
		raw, method, uri, body string
	}{
		{"GET /first HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/first", ""},
		{"POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nsecond body", "POST", "/second", "second body"},
		{"POST /third HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nthird\r\n6\r\n chunk\r\n0\r\n\r\n", "POST", "/third", "third chunk"},
		{"HEAD /fourth HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD", "/fourth", ""},
		{"PUT /fifth?q=5 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfifth", "PUT", "/fifth?q=5", "fifth"},
		{"GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "GET", "/last", ""},
	}
	var all strings.Builder
	for _, r := range requests {
		all.WriteString(r.raw)
	}
	nc := s.dial()
	write(t, nc, all.String()) // one write: the requests arrive together
	br := bufio.NewReader(nc)
	for i, r := range requests {
		resp := readResponse(t, br, r.method)
		if resp.StatusCode != 200 {
			t.Fatalf("response %d: status %d", i, resp.StatusCode)
		}
		if r.method == "HEAD" {
			// No body is read for HEAD: one sent anyway would be taken for
			// the next response, and fail it.
			continue
		}
		vars, body := environ(t, resp.Body)
		if vars["RAW_URI"] != r.uri || vars["REQUEST_METHOD"] != r.method {
			t.Errorf("response %d is for %s %s, want %s %s", i, vars["REQUEST_METHOD"], vars["RAW_URI"], r.method, r.uri)
		}
		if string(body) != r.body {
			t.Errorf("response %d: body %q, want %q", i, body, r.body)
		}
	}
	expectClosed(t, nc, br)
}

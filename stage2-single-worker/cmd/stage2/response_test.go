package main

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

// TestResponseFraming checks the server's headers and how it frames bodies.
func TestResponseFraming(t *testing.T) {
	t.Parallel()
	s := startServer(t, "go:stream")

	t.Run("server headers", func(t *testing.T) {
		resp := s.roundTrip("GET /?n=2 HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
		for _, h := range []string{"Date", "Server", "Connection"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("no %s header in\n%s", h, resp.Head)
			}
		}
		// The name without the version, as gunicorn's "Server: gunicorn":
		// SERVER_SOFTWARE, which the app sees, has the version.
		if resp.Header.Get("Server") != "gunicorn-go" {
			t.Errorf("Server: %q", resp.Header.Get("Server"))
		}
	})
	t.Run("chunked on HTTP/1.1 without Content-Length", func(t *testing.T) {
		resp := s.roundTrip("GET /?n=3 HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
		if !resp.headerLine("Transfer-Encoding", "chunked") || !resp.headerLine("Connection", "keep-alive") {
			t.Errorf("want chunked and keep-alive:\n%s", resp.Head)
		}
		if string(resp.Body) != "chunk 1\nchunk 2\nchunk 3\n" {
			t.Errorf("body %q", resp.Body)
		}
	})
	t.Run("close-delimited on HTTP/1.0", func(t *testing.T) {
		nc := s.dial()
		write(t, nc, "GET /?n=3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		raw, err := io.ReadAll(nc) // the body ends when the connection does
		if err != nil {
			t.Fatal(err)
		}
		head, body, _ := strings.Cut(string(raw), "\r\n\r\n")
		if !strings.HasPrefix(head, "HTTP/1.0 200 ") || !strings.Contains(head, "\r\nConnection: close") {
			t.Errorf("head:\n%s", head)
		}
		if strings.Contains(head, "Transfer-Encoding") || strings.Contains(head, "Content-Length") {
			t.Errorf("HTTP/1.0 response framed by a header:\n%s", head)
		}
		if body != "chunk 1\nchunk 2\nchunk 3\n" {
			t.Errorf("body %q", body)
		}
	})
	t.Run("HEAD has no body", func(t *testing.T) {
		// A GET after the HEAD, in the same write: any body bytes sent for
		// the HEAD would garble the GET's response.
		nc := s.dial()
		write(t, nc, "HEAD /?n=3 HTTP/1.1\r\nHost: x\r\n\r\nGET /?n=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		br := bufio.NewReader(nc)
		head := readResponse(t, br, "HEAD")
		if head.StatusCode != 200 || strings.Contains(head.Head, "Transfer-Encoding") {
			t.Errorf("HEAD response:\n%s", head.Head)
		}
		if get := readResponse(t, br, "GET"); string(get.Body) != "chunk 1\n" {
			t.Errorf("GET after HEAD: %q", get.Body)
		}
		expectClosed(t, nc, br)
	})
}

// TestResponseNoBodyStatuses checks that 204 and 304 responses carry no body
// although the app returned one.
func TestResponseNoBodyStatuses(t *testing.T) {
	t.Parallel()
	s := startServer(t, testApps(t, "status")...)
	for _, code := range []string{"204", "304"} {
		t.Run(code, func(t *testing.T) {
			nc := s.dial()
			write(t, nc, "GET /?code="+code+" HTTP/1.1\r\nHost: x\r\n\r\nGET /?code=200 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			br := bufio.NewReader(nc)
			first := readResponse(t, br, "GET")
			if first.Status[:3] != code {
				t.Errorf("status %q, want %s", first.Status, code)
			}
			if strings.Contains(first.Head, "Transfer-Encoding") {
				t.Errorf("a %s response announced a body:\n%s", code, first.Head)
			}
			if second := readResponse(t, br, "GET"); !strings.HasPrefix(string(second.Body), "a body") {
				t.Errorf("the response after the %s: %q", code, second.Body)
			}
			expectClosed(t, nc, br)
		})
	}
}

// TestFinalInterimStatusRFC9110_15_2: a 1xx status cannot end a response
// (RFC 9110 §15.2: it is interim; a final one must follow), and no upgrade
// is served, so an app answering 100 or 101 is an app error: 500.
func TestFinalInterimStatusRFC9110_15_2(t *testing.T) {
	t.Parallel()
	s := startServer(t, testApps(t, "status")...)
	for _, code := range []string{"100", "101", "199"} {
		if resp := s.roundTrip("GET /?code="+code+" HTTP/1.1\r\nHost: x\r\n\r\n", "GET"); resp.StatusCode != 500 {
			t.Errorf("an app's final %s: the client got %d, want 500", code, resp.StatusCode)
		}
	}
	s.WaitLog("a 1xx status cannot end a response", ioTimeout)
}

// TestNoContentLengthOn204RFC9110_8_6: a 204 carries neither Content-Length
// nor Transfer-Encoding, whatever the app says (RFC 9110 §8.6); a 304 may
// keep the app's Content-Length (the size a 200 would have had) but carries
// no body (§15.4.5), and the next response on the connection is read
// intact.
func TestNoContentLengthOn204RFC9110_8_6(t *testing.T) {
	t.Parallel()
	s := startServer(t, testApps(t, "status")...)
	nc := s.dial()
	write(t, nc, "GET /?code=204&length=44 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /?code=304&length=44 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /?code=200 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	br := bufio.NewReader(nc)
	noContent := readResponse(t, br, "GET")
	if noContent.StatusCode != 204 || strings.Contains(noContent.Head, "Content-Length") || strings.Contains(noContent.Head, "Transfer-Encoding") {
		t.Errorf("the 204:\n%s", noContent.Head)
	}
	notModified := readResponse(t, br, "HEAD") // a 304 has no body, as a HEAD's
	if notModified.StatusCode != 304 || !notModified.headerLine("Content-Length", "44") {
		t.Errorf("the 304:\n%s", notModified.Head)
	}
	if last := readResponse(t, br, "GET"); last.StatusCode != 200 || !strings.HasPrefix(string(last.Body), "a body") {
		t.Errorf("the response after them: %d %q", last.StatusCode, last.Body)
	}
}

// TestHeaderValuesTrimmedRFC9110_5_5: the whitespace around an app's header
// value is not part of it (RFC 9110 §5.5): Django's Set-Cookie begins with
// a space, and goes out as "Set-Cookie: a=1; Path=/".
func TestHeaderValuesTrimmedRFC9110_5_5(t *testing.T) {
	t.Parallel()
	s := startServer(t, testApps(t, "padded")...)
	resp := s.roundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
	for _, line := range []string{"\r\nSet-Cookie: a=1; Path=/\r\n", "\r\nContent-Type: text/plain\r\n", "\r\nX-Tabbed: value\r\n"} {
		if !strings.Contains(resp.Head, line) {
			t.Errorf("no %q in:\n%s", strings.TrimSpace(line), resp.Head)
		}
	}
}

// TestHeadOfAnEndlessStream: a HEAD request to an endless stream gets its
// head, and the stream is stopped there: the app is free for the next
// request.
func TestHeadOfAnEndlessStream(t *testing.T) {
	t.Parallel()
	s := startServer(t, testApps(t, "forever")...)
	if resp := s.roundTrip("HEAD /events HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD"); resp.StatusCode != 200 {
		t.Fatalf("HEAD /events = %d", resp.StatusCode)
	}
	if resp := s.roundTrip("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n", "GET"); resp.StatusCode != 200 || string(resp.Body) != "pong" {
		t.Errorf("GET /ping after the HEAD = %d %q, want 200 pong", resp.StatusCode, resp.Body)
	}
}

// TestAppServerAndDateHeaders: a response carries one Server and one Date.
// The app's Server replaces the server's; the app's Date is dropped, since
// the server dates every response.
func TestAppServerAndDateHeaders(t *testing.T) {
	t.Parallel()
	s := startServer(t, testApps(t, "own_headers")...)
	resp := s.roundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
	if got := resp.Header.Values("Server"); len(got) != 1 || got[0] != "myapp/1.0" {
		t.Errorf("Server headers %q, want the app's alone:\n%s", got, resp.Head)
	}
	if got := resp.Header.Values("Date"); len(got) != 1 || strings.Contains(got[0], "2001") {
		t.Errorf("Date headers %q, want the server's alone:\n%s", got, resp.Head)
	}
}

package server

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// badApp starts status with headers, ignoring start_response's verdict as a
// careless app would, and returns chunks.
func badApp(status string, headers []wsgi.Header, chunks ...string) wsgi.App {
	return wsgi.AppFunc(func(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
		_, _ = start(status, headers, nil)
		body := make([][]byte, len(chunks))
		for i, c := range chunks {
			body[i] = []byte(c)
		}
		return wsgi.Chunks(body...), nil
	})
}

func contentLength(n int) []wsgi.Header {
	return []wsgi.Header{{Name: "Content-Length", Value: strconv.Itoa(n)}}
}

// TestBadAppResponses checks that what an app gets wrong in its response
// never reaches the wire: a 500 when nothing was sent yet, else a response
// cut short, and an error log line either way.
func TestBadAppResponses(t *testing.T) {
	t.Parallel()
	const injected = "X-Injected"
	tests := []struct {
		name      string
		app       wsgi.App
		wantStart string // the response starts so
		wantBody  string // and, if not "", ends with this body
		never     string // never on the wire
	}{
		{"CR LF in a header value", badApp("200 OK", []wsgi.Header{{Name: "X-A", Value: "a\r\nX-Injected: 1"}}, "body"), "HTTP/1.1 500 ", "Internal Server Error\n", injected},
		{"LF in a header value", badApp("200 OK", []wsgi.Header{{Name: "X-A", Value: "a\nX-Injected: 1"}}, "body"), "HTTP/1.1 500 ", "Internal Server Error\n", injected},
		{"NUL in a header value", badApp("200 OK", []wsgi.Header{{Name: "X-Injected", Value: "a\x00b"}}, "body"), "HTTP/1.1 500 ", "Internal Server Error\n", injected},
		{"header name not a token", badApp("200 OK", []wsgi.Header{{Name: "X-Injected: 1\r\nX", Value: "a"}}, "body"), "HTTP/1.1 500 ", "Internal Server Error\n", injected},
		{"status without reason", badApp("200", nil, "body"), "HTTP/1.1 500 ", "Internal Server Error\n", "body"},
		{"status of two digits", badApp("20 OK", nil, "body"), "HTTP/1.1 500 ", "Internal Server Error\n", "body"},
		{"status of four digits", badApp("2000 OK", nil, "body"), "HTTP/1.1 500 ", "Internal Server Error\n", "body"},
		{"status not digits", badApp("abc OK", nil, "body"), "HTTP/1.1 500 ", "Internal Server Error\n", "body"},
		{"status below 100", badApp("099 Low", nil, "body"), "HTTP/1.1 500 ", "Internal Server Error\n", "body"},
		{"CR LF in the status", badApp("200 OK\r\nX-Injected: 1", nil, "body"), "HTTP/1.1 500 ", "Internal Server Error\n", injected},
		{"body longer than Content-Length", badApp("200 OK", contentLength(5), "hello, world"), "HTTP/1.1 500 ", "Internal Server Error\n", "world"},
		{"second chunk beyond Content-Length", badApp("200 OK", contentLength(5), "hel", "lo, world"), "HTTP/1.1 200 ", "hel", "lo"},
		{"body shorter than Content-Length", badApp("200 OK", contentLength(10), "short"), "HTTP/1.1 200 ", "short", injected},
		{"bad Content-Length", badApp("200 OK", []wsgi.Header{{Name: "Content-Length", Value: "-1"}}, "body"), "HTTP/1.1 500 ", "Internal Server Error\n", "body"},
		{"signed Content-Length", badApp("200 OK", []wsgi.Header{{Name: "Content-Length", Value: "+4"}}, "body"), "HTTP/1.1 500 ", "Internal Server Error\n", "+4"},
		{"two Content-Lengths", badApp("200 OK", append(contentLength(4), contentLength(40)...), "body"), "HTTP/1.1 500 ", "Internal Server Error\n", "Content-Length: 40"},
		{"no start_response", wsgi.AppFunc(func(*wsgi.Environ, wsgi.StartResponse) (wsgi.Body, error) {
			return wsgi.Chunks([]byte("body")), nil
		}), "HTTP/1.1 500 ", "Internal Server Error\n", "body"},
		{"nil body", wsgi.AppFunc(func(_ *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
			_, _ = start("200 OK", nil, nil)
			return nil, nil
		}), "HTTP/1.1 500 ", "Internal Server Error\n", "200 OK"},
		{"error after start_response", wsgi.AppFunc(func(_ *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
			_, _ = start("200 OK", []wsgi.Header{{Name: injected, Value: "1"}}, nil)
			return nil, errors.New("app failed")
		}), "HTTP/1.1 500 ", "Internal Server Error\n", injected},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, tc.app, nil)
			out := s.exchange(t, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
			if !strings.HasPrefix(out, tc.wantStart) {
				t.Errorf("response starts %q, want %q", out, tc.wantStart)
			}
			if !strings.HasSuffix(out, tc.wantBody) {
				t.Errorf("response %q does not end with %q", out, tc.wantBody)
			}
			if strings.Contains(out, tc.never) {
				t.Errorf("%q on the wire:\n%s", tc.never, out)
			}
			// A 500 says it closes; a response cut short could not, its head
			// being out, but the server closed the connection (ReadAll ended).
			if tc.wantStart == "HTTP/1.1 500 " && !strings.Contains(out, "\r\nConnection: close\r\n") {
				t.Errorf("the connection must close after a 500:\n%s", out)
			}
			s.waitLog(t, "[ERROR] ")
		})
	}
}

// TestExcInfoReplacesTheResponse checks PEP 3333's error handling: before
// the head is sent, start_response with exc_info replaces the response.
func TestExcInfoReplacesTheResponse(t *testing.T) {
	t.Parallel()
	app := wsgi.AppFunc(func(_ *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
		if _, err := start("200 OK", []wsgi.Header{{Name: "X-First", Value: "1"}}, nil); err != nil {
			return nil, err
		}
		if _, err := start("503 Busy", []wsgi.Header{{Name: "Content-Length", Value: "5"}}, errors.New("caught")); err != nil {
			return nil, err
		}
		return wsgi.Chunks([]byte("busy\n")), nil
	})
	s := startServer(t, app, nil)
	out := s.exchange(t, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 503 Busy\r\n") || strings.Contains(out, "X-First") || !strings.HasSuffix(out, "\r\n\r\nbusy\n") {
		t.Errorf("response:\n%s", out)
	}
}

// TestHeadError checks that a 500 for a HEAD request has no body.
func TestHeadError(t *testing.T) {
	t.Parallel()
	s := startServer(t, wsgi.AppFunc(func(*wsgi.Environ, wsgi.StartResponse) (wsgi.Body, error) {
		return nil, errors.New("app failed")
	}), nil)
	out := s.exchange(t, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 500 ") || !strings.HasSuffix(out, "\r\n\r\n") {
		t.Errorf("response:\n%q", out)
	}
}

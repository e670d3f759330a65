package wsgi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postEnviron is a POST with a body, as a server would describe it.
func postEnviron() *Environ {
	return &Environ{
		Vars: []Var{
			{"REQUEST_METHOD", "POST"},
			{"SCRIPT_NAME", "/mount"},
			{"PATH_INFO", "/a/b c"},
			{"QUERY_STRING", "q=1&r=%20"},
			{"RAW_URI", "/mount/a/b%20c?q=1&r=%20"},
			{"SERVER_NAME", "127.0.0.1"},
			{"SERVER_PORT", "8000"},
			{"SERVER_PROTOCOL", "HTTP/1.0"},
			{"REMOTE_ADDR", "10.0.0.7"},
			{"REMOTE_PORT", "51000"},
			{"HTTP_HOST", "example.test:8000"},
			{"HTTP_X_FORWARDED_FOR", "1.2.3.4,5.6.7.8"},
			{"HTTP_USER_AGENT", "test/1"},
			{"CONTENT_TYPE", "text/plain"},
			{"CONTENT_LENGTH", "5"},
		},
		Input:     strings.NewReader("hello"),
		Errors:    io.Discard,
		URLScheme: "https",
	}
}

func TestNewRequest(t *testing.T) {
	var got *http.Request
	var body string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		body = string(b)
	})
	v := Validate(FromHTTPHandler(h))
	var s testServer
	require.NoError(t, s.serve(v, postEnviron()))
	require.NoError(t, v.Err())

	assert.Equal(t, "POST", got.Method)
	assert.Equal(t, "/mount/a/b c", got.URL.Path)
	assert.Equal(t, "q=1&r=%20", got.URL.RawQuery)
	assert.Equal(t, "/mount/a/b%20c?q=1&r=%20", got.RequestURI)
	assert.Equal(t, "HTTP/1.0", got.Proto)
	assert.Equal(t, 0, got.ProtoMinor)
	assert.Equal(t, "example.test:8000", got.Host)
	assert.Equal(t, "10.0.0.7:51000", got.RemoteAddr)
	assert.NotNil(t, got.TLS, "https sets TLS")
	assert.Equal(t, int64(5), got.ContentLength)
	assert.Equal(t, "hello", body)
	assert.Equal(t, http.Header{
		"X-Forwarded-For": {"1.2.3.4,5.6.7.8"},
		"User-Agent":      {"test/1"},
		"Content-Type":    {"text/plain"},
		"Content-Length":  {"5"},
	}, got.Header)
	assert.Equal(t, "1", got.URL.Query().Get("q"))
}

func TestNewRequestDetails(t *testing.T) {
	tests := []struct {
		name  string
		env   func(e *Environ)
		check func(t *testing.T, r *http.Request)
	}{
		{"escaped slash kept in RawPath", func(e *Environ) {
			e.Set("PATH_INFO", "/a/b")
			e.Set("RAW_URI", "/a%2Fb")
		}, func(t *testing.T, r *http.Request) {
			assert.Equal(t, "/a/b", r.URL.Path)
			assert.Equal(t, "/a%2Fb", r.URL.EscapedPath())
		}},
		{"no RAW_URI: RequestURI from path and query", func(e *Environ) { e.Del("RAW_URI") }, func(t *testing.T, r *http.Request) {
			assert.Equal(t, "/hello?x=1", r.RequestURI)
		}},
		{"no Host header: SERVER_NAME:SERVER_PORT", func(e *Environ) { e.Del("HTTP_HOST") }, func(t *testing.T, r *http.Request) {
			assert.Equal(t, "127.0.0.1:8000", r.Host)
		}},
		{"chunked body: unknown length", func(e *Environ) {
			e.Set("REQUEST_METHOD", "PUT")
			e.Set("HTTP_TRANSFER_ENCODING", "chunked")
			e.Input = strings.NewReader("data")
		}, func(t *testing.T, r *http.Request) {
			assert.Equal(t, int64(-1), r.ContentLength)
			assert.Equal(t, []string{"chunked"}, r.TransferEncoding)
			assert.Empty(t, r.Header.Get("Transfer-Encoding"))
			b, err := io.ReadAll(r.Body)
			require.NoError(t, err)
			assert.Equal(t, "data", string(b))
		}},
		{"no body", func(e *Environ) {}, func(t *testing.T, r *http.Request) {
			assert.Equal(t, http.NoBody, r.Body)
			assert.Nil(t, r.TLS)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnviron()
			tt.env(env)
			r, err := NewRequest(t.Context(), env)
			require.NoError(t, err)
			tt.check(t, r)
		})
	}
}

func TestNewRequestErrors(t *testing.T) {
	for _, tt := range []struct{ key, value string }{
		{"SERVER_PROTOCOL", "HTTP/one"},
		{"CONTENT_LENGTH", "five"},
	} {
		t.Run(tt.key, func(t *testing.T) {
			env := newEnviron()
			env.Set(tt.key, tt.value)
			_, err := NewRequest(t.Context(), env)
			require.ErrorContains(t, err, tt.key)
			_, err = FromHTTPHandler(http.NotFoundHandler()).Call(env, (&testServer{}).startResponse)
			require.ErrorContains(t, err, tt.key)
		})
	}
}

// TestHandlerResponses: what a handler writes arrives as start_response and
// chunks, and matches what net/http's own recorder sees.
func TestHandlerResponses(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		handler http.HandlerFunc
		status  string
		headers []Header
		body    string
		// httptest's recorder, unlike net/http's server, keeps a 204's body
		// and the first 1xx code: skip comparing with it.
		unlikeRecorder bool
	}{
		{"plain text gets Content-Length", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "hi")
		}, "200 OK", []Header{{"Content-Length", "2"}, {"Content-Type", "text/plain"}}, "hi", false},
		{"sniffed Content-Type", "GET", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "<html>x</html>")
		}, "200 OK", []Header{{"Content-Length", "14"}, {"Content-Type", "text/html; charset=utf-8"}}, "<html>x</html>", false},
		{"status and repeated headers", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Set-Cookie", "a=1")
			w.Header().Add("Set-Cookie", "b=2")
			w.WriteHeader(http.StatusTeapot)
			w.WriteHeader(http.StatusOK) // ignored, as under net/http
		}, "418 I'm a teapot", []Header{{"Content-Length", "0"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}}, "", false},
		{"unknown status code", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(599)
		}, "599 status code 599", []Header{{"Content-Length", "0"}}, "", false},
		{"hop-by-hop headers dropped", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			w.Header().Set("Transfer-Encoding", "chunked")
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "x")
		}, "200 OK", []Header{{"Content-Type", "text/plain"}}, "x", false},
		{"newline in a value becomes a space", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["X-Evil"] = []string{"a\r\nSet-Cookie: b"}
		}, "200 OK", []Header{{"Content-Length", "0"}, {"X-Evil", "a  Set-Cookie: b"}}, "", false},
		{"204 has no body and no length", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
			if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrBodyNotAllowed) {
				panic(fmt.Sprintf("Write on 204: %v", err))
			}
		}, "204 No Content", nil, "", true},
		{"HEAD without body gets no length", "HEAD", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
		}, "200 OK", []Header{{"Content-Type", "text/plain"}}, "", false},
		{"1xx ignored", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusAccepted)
		}, "202 Accepted", []Header{{"Content-Length", "0"}}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Validate(FromHTTPHandler(tt.handler))
			env := newEnviron()
			env.Set("REQUEST_METHOD", tt.method)
			var s testServer
			require.NoError(t, s.serve(v, env))
			require.NoError(t, v.Err())
			assert.Equal(t, tt.status, s.status)
			assert.Equal(t, tt.headers, s.headers)
			assert.Equal(t, tt.body, s.out.String())

			if tt.unlikeRecorder {
				return
			}
			// The same handler under net/http's recorder agrees on status and body.
			rec := httptest.NewRecorder()
			tt.handler(rec, httptest.NewRequest(tt.method, "/hello", nil))
			assert.Equal(t, tt.status[:3], fmt.Sprint(rec.Code))
			if tt.method != "HEAD" {
				assert.Equal(t, tt.body, rec.Body.String())
			}
		})
	}
}

// TestHandlerStreams: a Flush hands what was written to Next at once, while
// the handler is still running; a large write leaves in 4 KiB buffers.
func TestHandlerStreams(t *testing.T) {
	proceed := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "first")
		w.(http.Flusher).Flush()
		<-proceed // the test got "first" before we go on
		fmt.Fprint(w, strings.Repeat("x", 10000))
	})
	v := Validate(FromHTTPHandler(h))
	s := &testServer{}
	body, err := v.Call(newEnviron(), s.startResponse)
	require.NoError(t, err)
	assert.Equal(t, "200 OK", s.status)
	assert.Equal(t, []Header{{"Content-Type", "text/plain; charset=utf-8"}}, s.headers, "no Content-Length: the body streams")

	chunk, err := body.Next()
	require.NoError(t, err)
	assert.Equal(t, "first", string(chunk))
	close(proceed)

	var sizes []int
	for {
		chunk, err := body.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		sizes = append(sizes, len(chunk))
	}
	require.NoError(t, body.Close())
	require.NoError(t, v.Err())
	assert.Equal(t, []int{10000}, sizes, "one Write larger than the buffer leaves whole")
}

func TestHandlerManySmallWritesAreBuffered(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for range 1000 {
			fmt.Fprint(w, "0123456789")
		}
	})
	s := &testServer{}
	body, err := FromHTTPHandler(h).Call(newEnviron(), s.startResponse)
	require.NoError(t, err)
	defer func() { require.NoError(t, body.Close()) }()
	var sizes []int
	total := 0
	for {
		chunk, err := body.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		sizes = append(sizes, len(chunk))
		total += len(chunk)
	}
	assert.Equal(t, 10000, total)
	// Buffered: every chunk but the last fills the buffer, so 1000 writes
	// make ceil(10000/bufferSize) chunks, not 1000.
	require.NotEmpty(t, sizes)
	for i, n := range sizes[:len(sizes)-1] {
		assert.GreaterOrEqual(t, n, bufferSize, "chunk %d of %d", i, len(sizes))
		assert.LessOrEqual(t, n, bufferSize+10, "chunk %d of %d", i, len(sizes))
	}
}

// TestHandlerCloseStopsIt: the server closing the body early cancels the
// request's context and fails the handler's writes; Close waits for it.
func TestHandlerCloseStopsIt(t *testing.T) {
	var writeErr, ctxErr error
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := fmt.Fprint(w, "tick\n"); err != nil {
				writeErr = err
				break
			}
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
		ctxErr = r.Context().Err()
	})
	v := Validate(FromHTTPHandler(h))
	s := &testServer{}
	body, err := v.Call(newEnviron(), s.startResponse)
	require.NoError(t, err)
	chunk, err := body.Next()
	require.NoError(t, err)
	assert.Equal(t, "tick\n", string(chunk))
	require.NoError(t, body.Close()) // the client went away
	require.NoError(t, v.Err())
	assert.ErrorIs(t, writeErr, ErrResponseClosed)
	assert.ErrorIs(t, ctxErr, context.Canceled)
}

func TestHandlerFailures(t *testing.T) {
	t.Run("panic before output: Call fails, server answers 500", func(t *testing.T) {
		v := Validate(FromHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "lost")
			panic("kaboom")
		})))
		var s testServer
		err := s.serve(v, newEnviron())
		require.ErrorContains(t, err, "handler panicked: kaboom")
		assert.Empty(t, s.status)
		require.NoError(t, v.Err())
	})
	t.Run("panic after a flush: Next fails after the chunk", func(t *testing.T) {
		v := Validate(FromHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "partial")
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		})))
		var s testServer
		err := s.serve(v, newEnviron())
		require.ErrorIs(t, err, http.ErrAbortHandler)
		assert.Equal(t, "200 OK", s.status)
		assert.Equal(t, "partial", s.out.String())
		require.NoError(t, v.Err())
	})
	t.Run("bad WriteHeader code", func(t *testing.T) {
		v := Validate(FromHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(42)
		})))
		var s testServer
		require.ErrorContains(t, s.serve(v, newEnviron()), "invalid status code 42")
		require.NoError(t, v.Err())
	})
	t.Run("start_response fails: Call returns its error", func(t *testing.T) {
		refuse := func(string, []Header, error) (Write, error) { return nil, errBoom }
		_, err := FromHTTPHandler(http.NotFoundHandler()).Call(newEnviron(), refuse)
		require.ErrorIs(t, err, errBoom)
	})
}

// TestHandlerConcurrentRequests: one Checker and one adapter serve many
// requests at once (run under -race).
func TestHandlerConcurrentRequests(t *testing.T) {
	v := Validate(FromHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.URL.Query().Get("i"))
		w.(http.Flusher).Flush()
		fmt.Fprint(w, strings.Repeat(".", 5000))
	})))
	const n = 16
	errs := make(chan error, n)
	for i := range n {
		go func() {
			env := newEnviron()
			env.Set("QUERY_STRING", fmt.Sprintf("i=%d", i))
			var s testServer
			err := s.serve(v, env)
			if err == nil && !strings.HasPrefix(s.out.String(), fmt.Sprint(i)) {
				err = fmt.Errorf("request %d got %.10q", i, s.out.String())
			}
			errs <- err
		}()
	}
	for range n {
		require.NoError(t, <-errs)
	}
	require.NoError(t, v.Err())
}

package goapps

import (
	"errors"
	"flag"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// response is what a test server saw of one request.
type response struct {
	status  string
	headers []wsgi.Header
	chunks  []string // the body as it came: write() calls and non-empty chunks
	err     error    // what the app raised, if it did
}

func (r *response) body() string { return strings.Join(r.chunks, "") }

// request builds the environ of METHOD /path?query with body.
func request(method, query, body string) *wsgi.Environ {
	env := &wsgi.Environ{
		Vars: []wsgi.Var{
			{Key: "REQUEST_METHOD", Value: method},
			{Key: "SCRIPT_NAME", Value: ""},
			{Key: "PATH_INFO", Value: "/"},
			{Key: "QUERY_STRING", Value: query},
			{Key: "SERVER_NAME", Value: "127.0.0.1"},
			{Key: "SERVER_PORT", Value: "8000"},
			{Key: "SERVER_PROTOCOL", Value: "HTTP/1.1"},
			{Key: "HTTP_HOST", Value: "127.0.0.1:8000"},
		},
		Errors:    io.Discard,
		URLScheme: "http",
	}
	if body != "" {
		env.Set("CONTENT_LENGTH", strconv.Itoa(len(body)))
		env.Input = strings.NewReader(body)
	}
	return env
}

// serve runs the example app name on env through wsgi.Validate, as a server
// would, and fails the test on any broken WSGI rule.
func serve(t *testing.T, name string, env *wsgi.Environ) *response {
	t.Helper()
	app, ok := Lookup(name)
	require.True(t, ok, "no app %q", name)
	v := wsgi.Validate(app)
	r := &response{}
	sent := false
	start := func(status string, headers []wsgi.Header, excInfo error) (wsgi.Write, error) {
		if excInfo != nil && sent {
			return nil, errors.Join(wsgi.ErrHeadersSent, excInfo)
		}
		r.status, r.headers = status, headers
		return func(p []byte) error {
			sent = true
			r.chunks = append(r.chunks, string(p))
			return nil
		}, nil
	}
	body, err := v.Call(env, start)
	if err == nil {
		for {
			var chunk []byte
			chunk, err = body.Next()
			if err != nil {
				break
			}
			if len(chunk) > 0 {
				sent = true
				r.chunks = append(r.chunks, string(chunk))
			}
		}
		require.NoError(t, body.Close())
	}
	if err != io.EOF {
		r.err = err
	}
	require.NoError(t, v.Err())
	return r
}

var plain = wsgi.Header{Name: "Content-Type", Value: "text/plain; charset=utf-8"}

func TestNamesAndLookup(t *testing.T) {
	assert.Equal(t, []string{"crash", "echo", "hello", "nethttp", "slow", "stream"}, Names())
	for _, name := range Names() {
		_, ok := Lookup(name)
		assert.True(t, ok, name)
	}
	_, ok := Lookup("nope")
	assert.False(t, ok)
}

func TestHello(t *testing.T) {
	r := serve(t, "hello", request("GET", "", ""))
	require.NoError(t, r.err)
	assert.Equal(t, "200 OK", r.status)
	assert.Equal(t, []wsgi.Header{{Name: "Content-Type", Value: "text/html"}, {Name: "Content-Length", Value: "26"}}, r.headers)
	assert.Equal(t, "<html>Hello, world!</html>", r.body())
}

func TestEcho(t *testing.T) {
	env := request("POST", "a=1&b=2", "abc")
	env.Set("CONTENT_TYPE", "text/plain")
	env.Set("HTTP_X_TRACE", "t-1")
	env.Set("REMOTE_ADDR", "127.0.0.1")
	r := serve(t, "echo", env)
	require.NoError(t, r.err)
	assert.Equal(t, "200 OK", r.status)
	assert.Equal(t, []wsgi.Header{plain, {Name: "Content-Length", Value: strconv.Itoa(len(r.body()))}}, r.headers)
	golden(t, "echo.golden", r.body())
}

func TestEchoWithoutInput(t *testing.T) {
	r := serve(t, "echo", request("GET", "", ""))
	require.NoError(t, r.err)
	assert.True(t, strings.HasSuffix(r.body(), "wsgi.url_scheme=http\n\n"), r.body())
}

func TestStream(t *testing.T) {
	tests := []struct {
		query  string
		status string
		chunks []string
	}{
		{"", "200 OK", []string{"chunk 1\n", "chunk 2\n", "chunk 3\n", "chunk 4\n", "chunk 5\n"}},
		{"n=2", "200 OK", []string{"chunk 1\n", "chunk 2\n"}},
		{"n=0", "200 OK", nil},
		{"n=3&sleep=1", "200 OK", []string{"chunk 1\n", "chunk 2\n", "chunk 3\n"}},
		{"n=2&lazy=1", "200 OK", []string{"chunk 1\n", "chunk 2\n"}},
		{"n=-1", "400 Bad Request", []string{"query parameter n=\"-1\": want a number from 0 up\n"}},
		{"sleep=x", "400 Bad Request", []string{"query parameter sleep=\"x\": want a number from 0 up\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := serve(t, "stream", request("GET", tt.query, ""))
			require.NoError(t, r.err)
			assert.Equal(t, tt.status, r.status)
			assert.Equal(t, tt.chunks, r.chunks)
			if tt.status == "200 OK" {
				assert.Equal(t, []wsgi.Header{plain}, r.headers, "no Content-Length")
			}
		})
	}
}

func TestStreamLazyStartsInNext(t *testing.T) {
	app, _ := Lookup("stream")
	started := false
	start := func(string, []wsgi.Header, error) (wsgi.Write, error) {
		started = true
		return func([]byte) error { return nil }, nil
	}
	body, err := app.Call(request("GET", "lazy=1", ""), start)
	require.NoError(t, err)
	assert.False(t, started, "a generator starts the response when first iterated")
	_, err = body.Next()
	require.NoError(t, err)
	assert.True(t, started)
	require.NoError(t, body.Close())
}

func TestSlow(t *testing.T) {
	r := serve(t, "slow", request("GET", "ms=1", ""))
	require.NoError(t, r.err)
	assert.Equal(t, "200 OK", r.status)
	assert.Equal(t, "done\n", r.body())

	r = serve(t, "slow", request("GET", "ms=soon", ""))
	assert.Equal(t, "400 Bad Request", r.status)
}

func TestCrash(t *testing.T) {
	t.Run("before start_response", func(t *testing.T) {
		r := serve(t, "crash", request("GET", "", ""))
		require.ErrorIs(t, r.err, ErrCrash)
		assert.Empty(t, r.status, "no response started: the server answers 500")
	})
	t.Run("after a chunk", func(t *testing.T) {
		r := serve(t, "crash", request("GET", "when=after", ""))
		require.ErrorIs(t, r.err, ErrCrash)
		assert.Equal(t, "200 OK", r.status)
		assert.Equal(t, []string{"partial\n"}, r.chunks)
	})
}

func TestNetHTTP(t *testing.T) {
	r := serve(t, "nethttp", request("GET", "", ""))
	require.NoError(t, r.err)
	assert.Equal(t, "200 OK", r.status)
	assert.Equal(t, []wsgi.Header{{Name: "Content-Length", Value: "20"}, plain}, r.headers)
	assert.Equal(t, "hello from net/http\n", r.body())
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	testkit.Golden(t, filepath.Join("testdata", name), got, *update)
}

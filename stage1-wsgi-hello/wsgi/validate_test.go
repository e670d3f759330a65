package wsgi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newEnviron returns the environ of a valid GET /hello?x=1 request.
func newEnviron() *Environ {
	return &Environ{
		Vars: []Var{
			{"REQUEST_METHOD", "GET"},
			{"SCRIPT_NAME", ""},
			{"PATH_INFO", "/hello"},
			{"QUERY_STRING", "x=1"},
			{"RAW_URI", "/hello?x=1"},
			{"SERVER_NAME", "127.0.0.1"},
			{"SERVER_PORT", "8000"},
			{"SERVER_PROTOCOL", "HTTP/1.1"},
			{"HTTP_HOST", "example.test"},
		},
		Errors:    io.Discard,
		URLScheme: "http",
	}
}

// testServer drives an App the way PEP 3333 asks a server to, and keeps what
// the app answered.
type testServer struct {
	status  string
	headers []Header
	out     bytes.Buffer
	sent    bool // headers went out: a non-empty chunk or write()
}

func (s *testServer) startResponse(status string, headers []Header, excInfo error) (Write, error) {
	if excInfo != nil && s.sent {
		return nil, fmt.Errorf("%w: %w", ErrHeadersSent, excInfo)
	}
	s.status, s.headers = status, headers
	return s.write, nil
}

func (s *testServer) write(p []byte) error {
	s.sent = true
	s.out.Write(p)
	return nil
}

// serve runs one request; the error is what the server would log.
func (s *testServer) serve(app App, env *Environ) error {
	body, err := app.Call(env, s.startResponse)
	if err != nil {
		return err
	}
	for {
		chunk, err := body.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return errors.Join(err, body.Close())
		}
		if len(chunk) > 0 {
			s.sent = true
		}
		s.out.Write(chunk)
	}
	return body.Close()
}

// listApp is a test app in one line: start, then return chunks.
func listApp(status string, headers []Header, chunks ...string) App {
	return AppFunc(func(env *Environ, start StartResponse) (Body, error) {
		if _, err := start(status, headers, nil); err != nil {
			return nil, err
		}
		var bs [][]byte
		for _, c := range chunks {
			bs = append(bs, []byte(c))
		}
		return Chunks(bs...), nil
	})
}

// funcBody is a Body made of functions.
type funcBody struct {
	next  func() ([]byte, error)
	close func() error
}

func (b *funcBody) Next() ([]byte, error) { return b.next() }
func (b *funcBody) Close() error {
	if b.close == nil {
		return nil
	}
	return b.close()
}

var textPlain = []Header{{"Content-Type", "text/plain"}}

var errBoom = errors.New("boom")

func TestValidateGoodApps(t *testing.T) {
	tests := []struct {
		name    string
		app     App
		status  string
		body    string
		wantErr error // what the app raises, passed through
	}{
		{"list body", listApp("200 OK", textPlain, "hello, ", "world"), "200 OK", "hello, world", nil},
		{"empty body", listApp("204 No Content", nil), "204 No Content", "", nil},
		{"empty and nil chunks", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			_, err := start("200 OK", textPlain, nil)
			return Chunks(nil, []byte{}, []byte("a"), nil), err
		}), "200 OK", "a", nil},
		{"streaming body", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			n := 0
			body := &funcBody{next: func() ([]byte, error) {
				if n == 3 {
					return nil, io.EOF
				}
				n++
				return []byte(fmt.Sprintf("chunk %d\n", n)), nil
			}}
			_, err := start("200 OK", textPlain, nil)
			return body, err
		}), "200 OK", "chunk 1\nchunk 2\nchunk 3\n", nil},
		{"start_response in the first Next, like a generator", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			started := false
			return &funcBody{next: func() ([]byte, error) {
				if started {
					return nil, io.EOF
				}
				started = true
				_, err := start("200 OK", textPlain, nil)
				return []byte("lazy"), err
			}}, nil
		}), "200 OK", "lazy", nil},
		{"write()", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			write, err := start("200 OK", textPlain, nil)
			if err != nil {
				return nil, err
			}
			if err := write([]byte("written, ")); err != nil {
				return nil, err
			}
			return Chunks([]byte("then yielded")), nil
		}), "200 OK", "written, then yielded", nil},
		{"start_response again with excInfo before output", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			if _, err := start("200 OK", textPlain, nil); err != nil {
				return nil, err
			}
			if _, err := start("500 Internal Server Error", textPlain, errBoom); err != nil {
				return nil, err
			}
			return Chunks([]byte("sorry")), nil
		}), "500 Internal Server Error", "sorry", nil},
		{"excInfo after output re-raises to the app", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			write, err := start("200 OK", textPlain, nil)
			if err != nil {
				return nil, err
			}
			if err := write([]byte("partial")); err != nil {
				return nil, err
			}
			_, err = start("500 Internal Server Error", textPlain, errBoom)
			return nil, err // must wrap ErrHeadersSent and errBoom
		}), "200 OK", "partial", ErrHeadersSent},
		{"app raises before start_response", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			return nil, errBoom
		}), "", "", errBoom},
		{"app raises in Next", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			_, err := start("200 OK", textPlain, nil)
			return &funcBody{next: func() ([]byte, error) { return nil, errBoom }}, err
		}), "200 OK", "", errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Validate(tt.app)
			var s testServer
			err := s.serve(v, newEnviron())
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.NotErrorIs(t, err, ErrInvalid)
			} else {
				require.NoError(t, err)
			}
			require.NoError(t, v.Err())
			assert.Equal(t, tt.status, s.status)
			assert.Equal(t, tt.body, s.out.String())
		})
	}
}

// TestValidateReRaiseAfterChunk: once a chunk went out, a second
// start_response with excInfo returns an error wrapping ErrHeadersSent and
// excInfo, which the app raises.
func TestValidateReRaiseAfterChunk(t *testing.T) {
	var got error
	yielded := false
	app := AppFunc(func(env *Environ, start StartResponse) (Body, error) {
		if _, err := start("200 OK", textPlain, nil); err != nil {
			return nil, err
		}
		return &funcBody{next: func() ([]byte, error) {
			if !yielded {
				yielded = true
				return []byte("first"), nil
			}
			_, got = start("500 Internal Server Error", nil, errBoom)
			return nil, got
		}}, nil
	})
	v := Validate(app)
	var s testServer
	err := s.serve(v, newEnviron())
	require.ErrorIs(t, err, ErrHeadersSent)
	require.ErrorIs(t, got, ErrHeadersSent)
	require.ErrorIs(t, got, errBoom)
	require.NoError(t, v.Err())
	assert.Equal(t, "first", s.out.String())
}

func TestValidateEnviron(t *testing.T) {
	tests := []struct {
		name   string
		change func(env *Environ)
		rule   Rule
	}{
		{"REQUEST_METHOD missing", func(e *Environ) { e.Del("REQUEST_METHOD") }, RuleEnvironKey},
		{"SCRIPT_NAME missing", func(e *Environ) { e.Del("SCRIPT_NAME") }, RuleEnvironKey},
		{"PATH_INFO missing", func(e *Environ) { e.Del("PATH_INFO") }, RuleEnvironKey},
		{"QUERY_STRING missing", func(e *Environ) { e.Del("QUERY_STRING") }, RuleEnvironKey},
		{"SERVER_NAME missing", func(e *Environ) { e.Del("SERVER_NAME") }, RuleEnvironKey},
		{"SERVER_PORT missing", func(e *Environ) { e.Del("SERVER_PORT") }, RuleEnvironKey},
		{"SERVER_PROTOCOL missing", func(e *Environ) { e.Del("SERVER_PROTOCOL") }, RuleEnvironKey},
		{"key twice", func(e *Environ) { e.Vars = append(e.Vars, Var{"HTTP_HOST", "again"}) }, RuleEnvironDuplicate},
		{"SCRIPT_NAME without /", func(e *Environ) { e.Set("SCRIPT_NAME", "app") }, RuleScriptName},
		{"PATH_INFO without /", func(e *Environ) { e.Set("PATH_INFO", "hello") }, RulePathInfo},
		{"CONTENT_LENGTH not digits", func(e *Environ) { e.Set("CONTENT_LENGTH", "-1") }, RuleContentLength},
		{"CONTENT_LENGTH empty", func(e *Environ) { e.Set("CONTENT_LENGTH", "") }, RuleContentLength},
		{"HTTP_CONTENT_TYPE", func(e *Environ) { e.Set("HTTP_CONTENT_TYPE", "text/plain") }, RuleContentHeaderKey},
		{"HTTP_CONTENT_LENGTH", func(e *Environ) { e.Set("HTTP_CONTENT_LENGTH", "3") }, RuleContentHeaderKey},
		{"url_scheme ftp", func(e *Environ) { e.URLScheme = "ftp" }, RuleURLScheme},
		{"url_scheme empty", func(e *Environ) { e.URLScheme = "" }, RuleURLScheme},
		{"Errors nil", func(e *Environ) { e.Errors = nil }, RuleErrorsStream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			v := Validate(AppFunc(func(env *Environ, start StartResponse) (Body, error) {
				called = true
				return nil, errBoom
			}))
			env := newEnviron()
			tt.change(env)
			var s testServer
			err := s.serve(v, env)
			require.ErrorIs(t, err, ErrInvalid)
			require.ErrorIs(t, err, tt.rule)
			require.ErrorIs(t, v.Err(), tt.rule)
			assert.False(t, called, "the app must not see a bad environ")
		})
	}

	t.Run("good: empty SCRIPT_NAME and PATH_INFO, digits CONTENT_LENGTH, https", func(t *testing.T) {
		env := newEnviron()
		env.Set("PATH_INFO", "")
		env.Set("SCRIPT_NAME", "/mount")
		env.Set("CONTENT_LENGTH", "12")
		env.URLScheme = "https"
		require.NoError(t, CheckEnviron(env))
	})
}

func TestValidateBadApps(t *testing.T) {
	start := func(status string, headers ...Header) App { return listApp(status, headers, "body") }
	tests := []struct {
		name string
		app  App
		rule Rule
	}{
		{"status without reason", start("200"), RuleStatus},
		{"status without space", start("200OK"), RuleStatus},
		{"status two digits", start("20 OK"), RuleStatus},
		{"status below 100", start("099 Low"), RuleStatus},
		{"status with letters", start("2x0 OK"), RuleStatus},
		{"status with CR LF", start("200 OK\r\nX-Evil: 1"), RuleStatus},
		{"header name empty", start("200 OK", Header{"", "v"}), RuleHeaderName},
		{"header name with space", start("200 OK", Header{"X Bad", "v"}), RuleHeaderName},
		{"header name with colon", start("200 OK", Header{"X-Bad:", "v"}), RuleHeaderName},
		{"header value with LF", start("200 OK", Header{"X-Bad", "a\nb"}), RuleHeaderValue},
		{"header value with CR", start("200 OK", Header{"X-Bad", "a\rb"}), RuleHeaderValue},
		{"header value with NUL", start("200 OK", Header{"X-Bad", "a\x00b"}), RuleHeaderValue},
		{"header value with ESC", start("200 OK", Header{"X-Bad", "a\x1bb"}), RuleHeaderValue},
		{"header value with DEL", start("200 OK", Header{"X-Bad", "a\x7fb"}), RuleHeaderValue},
		{"Connection", start("200 OK", Header{"Connection", "close"}), RuleHopByHop},
		{"keep-alive, any case", start("200 OK", Header{"keep-alive", "timeout=5"}), RuleHopByHop},
		{"Proxy-Authenticate", start("200 OK", Header{"Proxy-Authenticate", "Basic"}), RuleHopByHop},
		{"Proxy-Authorization", start("200 OK", Header{"Proxy-Authorization", "Basic x"}), RuleHopByHop},
		{"TE", start("200 OK", Header{"TE", "trailers"}), RuleHopByHop},
		{"Trailer", start("200 OK", Header{"Trailer", "X-Sum"}), RuleHopByHop},
		{"Transfer-Encoding", start("200 OK", Header{"TRANSFER-ENCODING", "chunked"}), RuleHopByHop},
		{"Upgrade", start("200 OK", Header{"Upgrade", "websocket"}), RuleHopByHop},
		{"start_response twice without excInfo", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			if _, err := start("200 OK", nil, nil); err != nil {
				return nil, err
			}
			_, err := start("200 OK", nil, nil)
			return Chunks(), err
		}), RuleStartTwice},
		{"chunk before start_response", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			return Chunks([]byte("too soon")), nil
		}), RuleStartBeforeBody},
		{"start_response never called", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			return Chunks(nil, []byte{}), nil
		}), RuleNoStart},
		{"nil Body without error", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			_, err := start("200 OK", nil, nil)
			return nil, err
		}), RuleNilBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Validate(tt.app)
			var s testServer
			err := s.serve(v, newEnviron())
			require.ErrorIs(t, err, ErrInvalid)
			require.ErrorIs(t, err, tt.rule, "the server sees the violation as the app's error")
			require.ErrorIs(t, v.Err(), tt.rule)
			assert.Contains(t, v.Err().Error(), string(tt.rule))
			assert.Empty(t, s.out.String(), "nothing of a bad response reaches the server")
		})
	}
}

func TestValidateWriteAfterClose(t *testing.T) {
	var write Write
	v := Validate(AppFunc(func(env *Environ, start StartResponse) (Body, error) {
		var err error
		write, err = start("200 OK", nil, nil)
		return Chunks(), err
	}))
	var s testServer
	require.NoError(t, s.serve(v, newEnviron()))
	require.ErrorIs(t, write([]byte("late")), RuleWriteAfterClose)
	require.ErrorIs(t, v.Err(), RuleWriteAfterClose)
}

// TestValidateBadServers: each row is a server that gets the dance wrong.
func TestValidateBadServers(t *testing.T) {
	good := listApp("200 OK", textPlain, "a", "b")
	tests := []struct {
		name  string
		app   App
		serve func(t *testing.T, app App)
		rule  Rule
	}{
		{"body never closed", good, func(t *testing.T, app App) {
			var s testServer
			body, err := app.Call(newEnviron(), s.startResponse)
			require.NoError(t, err)
			_, err = body.Next()
			require.NoError(t, err)
		}, RuleNeverClosed},
		{"Close twice", good, func(t *testing.T, app App) {
			var s testServer
			body, err := app.Call(newEnviron(), s.startResponse)
			require.NoError(t, err)
			require.NoError(t, body.Close())
			require.ErrorIs(t, body.Close(), RuleCloseTwice)
		}, RuleCloseTwice},
		{"Next after Close", good, func(t *testing.T, app App) {
			var s testServer
			body, err := app.Call(newEnviron(), s.startResponse)
			require.NoError(t, err)
			require.NoError(t, body.Close())
			_, err = body.Next()
			require.ErrorIs(t, err, RuleNextAfterClose)
		}, RuleNextAfterClose},
		{"Next after io.EOF", good, func(t *testing.T, app App) {
			var s testServer
			body, err := app.Call(newEnviron(), s.startResponse)
			require.NoError(t, err)
			for err == nil {
				_, err = body.Next()
			}
			require.ErrorIs(t, err, io.EOF)
			_, err = body.Next()
			require.ErrorIs(t, err, RuleNextAfterEnd)
			require.NoError(t, body.Close())
		}, RuleNextAfterEnd},
		{"Next after an error", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			_, err := start("200 OK", nil, nil)
			return &funcBody{next: func() ([]byte, error) { return nil, errBoom }}, err
		}), func(t *testing.T, app App) {
			var s testServer
			body, err := app.Call(newEnviron(), s.startResponse)
			require.NoError(t, err)
			_, err = body.Next()
			require.ErrorIs(t, err, errBoom)
			_, err = body.Next()
			require.ErrorIs(t, err, RuleNextAfterEnd)
			require.NoError(t, body.Close())
		}, RuleNextAfterEnd},
		{"no re-raise after headers sent", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			write, err := start("200 OK", nil, nil)
			if err != nil {
				return nil, err
			}
			if err := write([]byte("out")); err != nil {
				return nil, err
			}
			_, err = start("500 Internal Server Error", nil, errBoom)
			// The app gets the re-raise even from a server that forgot it.
			if !errors.Is(err, ErrHeadersSent) || !errors.Is(err, errBoom) {
				return nil, fmt.Errorf("app got %v, want a re-raise", err)
			}
			return nil, err
		}), func(t *testing.T, app App) {
			forgetful := func(status string, headers []Header, excInfo error) (Write, error) {
				return func([]byte) error { return nil }, nil
			}
			_, err := app.Call(newEnviron(), forgetful)
			require.ErrorIs(t, err, ErrHeadersSent)
		}, RuleReRaise},
		{"nil write()", AppFunc(func(env *Environ, start StartResponse) (Body, error) {
			write, err := start("200 OK", nil, nil)
			if err != nil {
				return nil, err
			}
			return Chunks(), write([]byte("x"))
		}), func(t *testing.T, app App) {
			noWrite := func(string, []Header, error) (Write, error) { return nil, nil }
			_, err := app.Call(newEnviron(), noWrite)
			require.ErrorIs(t, err, RuleNilWrite)
		}, RuleNilWrite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Validate(tt.app)
			tt.serve(t, v)
			err := v.Err()
			require.ErrorIs(t, err, ErrInvalid)
			require.ErrorIs(t, err, tt.rule)
			assert.True(t, strings.HasPrefix(tt.rule.Error(), "server: "), "a server's rule says so")
		})
	}
}

func TestValidateNamesUnclosedRequests(t *testing.T) {
	v := Validate(listApp("200 OK", nil, "x"))
	var s testServer
	_, err := v.Call(newEnviron(), s.startResponse)
	require.NoError(t, err)
	require.EqualError(t, v.Err(), "wsgi: invalid: server: body never closed: request 1 (GET /hello?x=1)")
}

func TestCheckStatus(t *testing.T) {
	tests := []struct {
		status string
		ok     bool
	}{
		{"200 OK", true},
		{"404 Not Found", true},
		{"100 Continue", true},
		{"599 Whatever\tyou like", true},
		{"200 Caf\xe9", true}, // obs-text: a latin-1 reason
		{"999 X", true},
		{"204 ", true}, // an empty reason-phrase (RFC 9112 §4)
		{"200", false},
		{"", false},
		{"000 Zero", false},
		{"99 Short", false},
		{"1000 Long", false},
		{" 200 OK", false},
		{"200\tOK", false},
		{"200 O\x00K", false},
		{"200 OK\n", false},
		{"200 OK\x7f", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.status), func(t *testing.T) {
			code, err := CheckStatus(tt.status)
			if tt.ok {
				require.NoError(t, err)
				require.Equal(t, tt.status[:3], fmt.Sprint(code))
			} else {
				require.ErrorIs(t, err, RuleStatus)
			}
		})
	}
}

func TestCheckHeadersAcceptsTokensAndObsText(t *testing.T) {
	require.NoError(t, CheckHeaders([]Header{
		{"X-Weird!#$%&'*+-.^_`|~", "v"},
		{"Set-Cookie", "a=1"},
		{"Set-Cookie", "b=2"},
		{"X-Tab", "a\tb"},
		{"X-Latin1", "caf\xe9"},
		{"X-Empty", ""},
	}))
}

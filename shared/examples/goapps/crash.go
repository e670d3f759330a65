package goapps

import (
	"errors"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// Sentinel errors.
var (
	// ErrCrash is the error the crash app raises, on purpose.
	ErrCrash = errors.New("goapps: crash: the app failed on purpose")
)

// Crash raises ErrCrash before calling start_response, so the server must
// answer 500 Internal Server Error. With ?when=after it starts a 200 response
// instead, yields "partial\n" and raises ErrCrash from the next Next: the
// headers are out, so the server can only cut the connection.
func Crash(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
	query, err := parseQuery(env)
	if err != nil {
		return badRequest(start, err)
	}
	if query.Get("when") != "after" {
		return nil, ErrCrash
	}
	_, err = start("200 OK", []wsgi.Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}, nil)
	if err != nil {
		return nil, err
	}
	return &crashBody{}, nil
}

// crashBody yields one chunk, then fails.
type crashBody struct{ yielded bool }

func (b *crashBody) Next() ([]byte, error) {
	if b.yielded {
		return nil, ErrCrash
	}
	b.yielded = true
	return []byte("partial\n"), nil
}

func (b *crashBody) Close() error { return nil }

package goapps

import (
	"time"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// Slow sleeps ?ms=N milliseconds (default 1000), then answers 200 OK "done\n".
// A graceful shutdown must let it finish.
func Slow(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
	ms, err := queryInt(env, "ms", 1000)
	if err != nil {
		return badRequest(start, err)
	}
	time.Sleep(time.Duration(ms) * time.Millisecond)
	return text(start, "200 OK", "done\n")
}

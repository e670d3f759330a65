package goapps

import (
	"fmt"
	"io"
	"time"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// Stream answers 200 OK with chunks "chunk 1\n" … "chunk N\n" and no
// Content-Length, so an HTTP/1.1 server must use chunked encoding. Query
// parameters:
//
//   - n: how many chunks (default 5);
//   - sleep: milliseconds to wait before each chunk after the first
//     (default 0), to see them arrive one by one;
//   - lazy=1: call start_response in the first Next instead of in Call, as a
//     Python generator app does; a server must cope with both.
func Stream(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
	n, err := queryInt(env, "n", 5)
	if err != nil {
		return badRequest(start, err)
	}
	sleep, err := queryInt(env, "sleep", 0)
	if err != nil {
		return badRequest(start, err)
	}
	lazy, err := queryInt(env, "lazy", 0)
	if err != nil {
		return badRequest(start, err)
	}
	body := &streamBody{n: n, sleep: time.Duration(sleep) * time.Millisecond}
	if lazy == 0 {
		return body, body.startResponse(start)
	}
	body.start = start
	return body, nil
}

// streamBody yields its chunks one per Next.
type streamBody struct {
	n     int
	sleep time.Duration
	sent  int
	start wsgi.StartResponse // set when start_response is still to be called
}

var streamHeaders = []wsgi.Header{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}

func (b *streamBody) startResponse(start wsgi.StartResponse) error {
	_, err := start("200 OK", streamHeaders, nil)
	return err
}

func (b *streamBody) Next() ([]byte, error) {
	if b.start != nil {
		start := b.start
		b.start = nil
		if err := b.startResponse(start); err != nil {
			return nil, err
		}
	}
	if b.sent == b.n {
		return nil, io.EOF
	}
	if b.sent > 0 && b.sleep > 0 {
		time.Sleep(b.sleep)
	}
	b.sent++
	return fmt.Appendf(nil, "chunk %d\n", b.sent), nil
}

func (b *streamBody) Close() error { return nil }

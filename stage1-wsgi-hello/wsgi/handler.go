package wsgi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"sync"
)

// FromHTTPHandler serves a net/http handler as a WSGI App.
//
// Each call builds the handler's *http.Request with NewRequest and runs the
// handler in its own goroutine, while the server's goroutine waits in Call and
// then in Body.Next. The response streams: like net/http's server, the
// ResponseWriter buffers up to 4 KiB, then hands each full buffer (and what is
// left when the handler returns, or whenever it calls Flush) to Next as a
// chunk. start_response is called, from the server's goroutine, with the
// status and headers as they are when the first chunk leaves. A handler that
// returns before that gets a Content-Length; one that sets no Content-Type
// gets a sniffed one (http.DetectContentType), as under net/http.
//
// Outcomes, as the server sees them:
//   - the handler fails (panics, or calls WriteHeader with a bad code) before
//     the first chunk left: Call returns the error, and the server answers 500;
//   - it fails after: Next returns the error, and the server drops the
//     connection;
//   - the server calls Close before the handler returned (the client went
//     away): the request's context is cancelled and the handler's Writes return
//     ErrResponseClosed; Close waits for the handler to return.
//
// Hop-by-hop headers and trailers a handler sets are dropped: the WSGI server
// owns the connection. Hijack and 1xx informational responses are not
// supported.
func FromHTTPHandler(h http.Handler) App {
	return handlerApp{h}
}

type handlerApp struct{ h http.Handler }

func (a handlerApp) Call(env *Environ, startResponse StartResponse) (Body, error) {
	ctx, cancel := context.WithCancel(context.Background())
	req, err := NewRequest(ctx, env)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("net/http adapter: %w", err)
	}
	events := make(chan event)
	done := make(chan struct{})
	finished := make(chan struct{})
	w := &responseWriter{method: req.Method, header: http.Header{}, events: events, done: done}
	go func() {
		defer close(finished)
		w.finish(serveHTTP(a.h, w, req))
	}()

	body := &handlerBody{events: events, done: done, finished: finished, cancel: cancel}
	first := <-events
	if first.start == nil { // the handler failed before the response started
		body.Close()
		return nil, fmt.Errorf("net/http handler for %s %s: %w", req.Method, req.RequestURI, first.err)
	}
	body.take(first)
	if _, err := startResponse(first.start.status, first.start.headers, nil); err != nil {
		body.Close()
		return nil, fmt.Errorf("net/http adapter: %w", err)
	}
	return body, nil
}

// serveHTTP runs the handler, turning a panic into an error: a panic must not
// cross into the WSGI server's goroutine.
func serveHTTP(h http.Handler, w http.ResponseWriter, r *http.Request) (err error) {
	defer func() {
		switch p := recover().(type) {
		case nil:
		case error:
			err = fmt.Errorf("handler panicked: %w\n%s", p, debug.Stack())
		default:
			err = fmt.Errorf("handler panicked: %v\n%s", p, debug.Stack())
		}
	}()
	h.ServeHTTP(w, r)
	return nil
}

// event is what the handler's goroutine hands to the server's.
type event struct {
	start *startLine // status and headers: on the first event, unless the handler failed first
	chunk []byte     // body bytes, owned by the receiver
	end   bool       // the handler returned
	err   error      // with end: why the handler failed, nil when it did not
}

type startLine struct {
	status  string
	headers []Header
}

// handlerBody yields the chunks the handler's goroutine sends.
type handlerBody struct {
	events   <-chan event
	done     chan struct{}      // closed by Close: the handler's Writes fail
	finished <-chan struct{}    // closed when the handler's goroutine exits
	cancel   context.CancelFunc // cancels the request's context
	once     sync.Once

	chunk []byte // a chunk received, not yet returned
	ended bool   // the last event was received
	err   error  // with ended: io.EOF or the handler's error
}

func (b *handlerBody) take(ev event) {
	b.chunk = ev.chunk
	if ev.end {
		b.ended = true
		b.err = ev.err
		if b.err == nil {
			b.err = io.EOF
		}
	}
}

// Next returns the handler's next chunk, io.EOF once it returned, or the error
// it failed with.
func (b *handlerBody) Next() ([]byte, error) {
	for {
		if len(b.chunk) > 0 {
			c := b.chunk
			b.chunk = nil
			return c, nil
		}
		if b.ended {
			return nil, b.err
		}
		select {
		case ev := <-b.events:
			b.take(ev)
		case <-b.finished:
			// Only Close makes the handler's goroutine exit without a last event.
			return nil, ErrResponseClosed
		}
	}
}

// Close stops the handler if it is still running and waits until it returned.
func (b *handlerBody) Close() error {
	b.once.Do(func() {
		close(b.done)
		b.cancel()
	})
	<-b.finished
	return nil
}

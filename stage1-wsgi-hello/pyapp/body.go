package pyapp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// maxInput caps one D frame: an app's read(10**9) is served in pieces.
const maxInput = 1 << 20

// errBodyClosed is what Next returns after Close cut a response short.
var errBodyClosed = errors.New("pyapp: Next called after Close")

// body is one request's conversation with its runner, and the wsgi.Body the
// server iterates. From its turn until the response ends (E or X) or is cut
// short by Close, it holds the runner's read baton; then it passes it on.
type body struct {
	app   *App
	r     *runner // nil once done with it
	id    uint32  // the request's id on r
	env   *wsgi.Environ
	turn  chan struct{} // receives the baton (see runner.pass)
	baton bool          // b is at the head of r's queue: it reads r's answers

	ended    error // why the response ended: io.EOF, an *AppError, a failure
	closed   bool  // Close was called
	inputEOF bool  // env.Input returned io.EOF
}

// start sends the request and waits for its turn to read the answer. If the
// runner died serving an earlier request, this one had not started (a runner
// serves its requests one by one, in order), so start sends it again, to a
// fresh runner or another one.
func (b *body) start() error {
	for sends := 1; ; sends++ {
		r, err := b.app.pick()
		if err != nil {
			return err
		}
		if err := r.enqueue(b); err != nil {
			b.app.leave(r)
			return err
		}
		b.r = r
		b.awaitTurn()
		state := r.state.Load()
		switch {
		case state == runnerOK:
			return nil
		case b.app.isClosed():
			err = ErrClosed
		case state == runnerDied && sends <= maxResends:
			b.leave()
			continue
		default:
			err = fmt.Errorf("%w before this request's turn (pid %d)", ErrRunnerDied, r.pid)
		}
		b.end(err)
		return err
	}
}

// head reads frames up to the head, serving input and log frames on the way.
func (b *body) head() (status string, headers []wsgi.Header, err error) {
	for {
		kind, payload, err := readFrame(b.r.br)
		if err != nil {
			return "", nil, b.fail(err)
		}
		switch kind {
		case kindHead:
			status, headers, err := parseHead(payload)
			if err != nil {
				return "", nil, b.fail(err)
			}
			return status, headers, nil
		case kindExc:
			err := &AppError{Traceback: string(payload)}
			b.end(err)
			return "", nil, err
		default:
			if err := b.service(kind, payload); err != nil {
				return "", nil, err
			}
		}
	}
}

// Next returns the next body chunk as the app produced it, io.EOF after the
// last, or an *AppError when the app raised after its head. Each chunk is a
// fresh slice the caller may keep.
func (b *body) Next() ([]byte, error) {
	if b.r == nil {
		if b.closed {
			return nil, errBodyClosed
		}
		return nil, b.ended
	}
	for {
		kind, payload, err := readFrame(b.r.br)
		if err != nil {
			return nil, b.fail(err)
		}
		switch kind {
		case kindBody:
			return slices.Clone(payload), nil
		case kindEnd:
			b.end(io.EOF)
			return nil, io.EOF
		case kindExc:
			err := &AppError{Traceback: string(payload)}
			b.end(err)
			return nil, err
		default:
			if err := b.service(kind, payload); err != nil {
				return nil, err
			}
		}
	}
}

// Close ends the request. If the response has not ended, it asks the runner to
// stop (the app's iterable is closed) and waits for it, so the runner is ready
// for the next request. It returns an error only if the runner failed.
func (b *body) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	if b.r == nil {
		return nil
	}
	return b.cancel("the response was closed before its end")
}

// service handles the frames that may come at any time: I and L.
func (b *body) service(kind byte, payload []byte) error {
	switch kind {
	case kindLog:
		b.log(payload)
		return nil
	case kindInput:
		if len(payload) != 4 {
			return b.fail(fmt.Errorf("%w: input request of %d bytes", ErrProtocol, len(payload)))
		}
		return b.serveInput(min(int(binary.BigEndian.Uint32(payload)), maxInput))
	}
	return b.fail(fmt.Errorf("%w: unexpected frame %q", ErrProtocol, kind))
}

// serveInput answers an I frame with up to n bytes of env.Input in a D frame,
// an empty one at the end of the body. If reading fails (the client went
// away), the request is cancelled: the app's read raises OSError.
func (b *body) serveInput(n int) error {
	r := b.r
	buf, start := beginFrame(r.obuf[:0], kindData)
	var err error
	if b.env.Input != nil && !b.inputEOF {
		buf = slices.Grow(buf, n)
		var m int
		m, err = readSome(b.env.Input, buf[len(buf):len(buf)+n])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			b.inputEOF, err = true, nil
		}
		if m > 0 {
			err = nil // report it on the next read, which will see it again
		}
	}
	r.obuf = endFrame(buf, start)
	if err != nil {
		err = fmt.Errorf("read request body: %w", err)
		if cerr := b.cancel(err.Error()); cerr != nil {
			return errors.Join(err, cerr)
		}
		b.ended = err
		return err
	}
	if err := r.write(r.obuf); err != nil {
		return b.fail(err)
	}
	return nil
}

// readSome reads at least one byte into p unless the reader fails or ends.
func readSome(rd io.Reader, p []byte) (int, error) {
	for range 100 {
		n, err := rd.Read(p)
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.ErrNoProgress
}

// cancel sends C and reads the frames up to the end of the response, dropping
// them; input requests are refused with another C. The C carries the request's
// id: the runner may already have ended this request and started the next,
// which must not be cancelled.
func (b *body) cancel(why string) error {
	r := b.r
	r.obuf = appendCancel(r.obuf[:0], b.id, why)
	if err := r.write(r.obuf); err != nil {
		return b.fail(err)
	}
	for {
		kind, payload, err := readFrame(r.br)
		if err != nil {
			return b.fail(err)
		}
		switch kind {
		case kindEnd, kindExc:
			b.end(io.EOF)
			return nil
		case kindHead, kindBody:
			// Nobody wants them any more.
		case kindLog:
			b.log(payload)
		case kindInput:
			if err := r.write(r.obuf); err != nil { // the same C again
				return b.fail(err)
			}
		default:
			return b.fail(fmt.Errorf("%w: unexpected frame %q", ErrProtocol, kind))
		}
	}
}

// log writes wsgi.errors text to env.Errors, or the error log.
func (b *body) log(text []byte) {
	w := b.env.Errors
	if w == nil {
		w = b.app.opts.ErrorLog
	}
	_, _ = w.Write(text) // a failing error log has nowhere to report to
}

// end records why the response ended and passes the baton on.
func (b *body) end(why error) {
	if b.ended == nil {
		b.ended = why
	}
	b.leave()
}

// leave takes the request off its runner, passing the baton on.
func (b *body) leave() {
	if r := b.r; r != nil {
		b.r = nil
		r.pass(b)
		b.app.leave(r)
	}
}

// fail handles a broken conversation (the runner died, or broke the
// protocol): the runner is stopped and marked for replacement, and the request
// fails with ErrRunnerDied (ErrClosed if the App is closing). The requests
// queued behind it are sent to another runner if this one died by itself
// (see runnerDied).
func (b *body) fail(cause error) error {
	r := b.r
	r.breakDown(cause)
	// At EOF the runner is exiting by itself: let it, to learn how it died.
	r.stop(!isDeath(cause))
	if errors.Is(cause, io.EOF) {
		// Mid-response, EOF is unexpected; and a caller testing
		// errors.Is(err, io.EOF) must not take a failure for the end.
		cause = io.ErrUnexpectedEOF
	}
	var err error
	if b.app.isClosed() {
		err = fmt.Errorf("%w during a request: %w", ErrClosed, cause)
	} else {
		status := r.exitStatus()
		b.app.logf("app runner (pid %d) died mid-request (%s); a new one will serve the next request", r.pid, status)
		err = fmt.Errorf("%w mid-request (pid %d, %s): %w", ErrRunnerDied, r.pid, status, cause)
	}
	b.end(err)
	return err
}

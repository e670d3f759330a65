package pyapp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"syscall"
)

// read is the worker's reader goroutine: it reads every frame the runner
// writes, as fast as the runner writes them, and hands each to the request
// it belongs to (by id). Nothing it does waits for a client, so a client
// that reads slowly never holds the runner. It returns when the
// conversation ends, failing what is still in flight.
func (w *Worker) read() {
	var err error
	for err == nil {
		var kind byte
		var id uint32
		var payload []byte
		kind, id, payload, err = readFrame(w.br)
		if err != nil {
			break
		}
		var kept bool
		kept, err = w.dispatch(kind, id, payload)
		if !kept && ownsPayload(w.br, payload) {
			putBig(payload)
		}
	}
	w.die(err)
}

// dispatch handles one frame from the runner. kept reports whether a body
// chunk's payload was kept as it is (see call.keepLocked): its buffer is
// then the call's.
func (w *Worker) dispatch(kind byte, id uint32, payload []byte) (kept bool, err error) {
	switch kind {
	case kindPing:
		w.mu.Lock()
		if ch := w.pings[id]; ch != nil {
			close(ch)
			delete(w.pings, id)
		}
		w.mu.Unlock()
		return false, nil
	case kindLog:
		w.log(id, payload)
		return false, nil
	}
	w.mu.Lock()
	c := w.calls[id]
	if c != nil && (kind == kindEnd || kind == kindExc || kind == kindNotRun) {
		delete(w.calls, id)
		w.inflight.Store(int32(len(w.calls)))
	}
	w.mu.Unlock()
	if c == nil {
		return false, fmt.Errorf("%w: frame %q for request %d, which is not running", ErrProtocol, kind, id)
	}
	switch kind {
	case kindHead:
		return false, c.onHead(payload)
	case kindBody:
		return c.onBody(payload), nil
	case kindEnd:
		c.finish(nil)
	case kindExc:
		c.finish(&AppError{Text: string(payload)})
	case kindNotRun:
		c.finish(ErrTakenBack)
		w.free(&c.Request)
		return false, nil
	default:
		return false, fmt.Errorf("%w: unexpected frame %q", ErrProtocol, kind)
	}
	w.served.Add(1)
	w.free(&c.Request)
	return false, nil
}

// log writes wsgi.errors text to its request's Errors, else the error log.
func (w *Worker) log(id uint32, text []byte) {
	out := w.opts.ErrorLog
	w.mu.Lock()
	if c := w.calls[id]; c != nil && c.env.Errors != nil {
		out = c.env.Errors
	}
	w.mu.Unlock()
	_, _ = out.Write(text) // a failing error log has nowhere to report to
}

// die ends the conversation: the runner is gone (EOF), or broke the
// protocol and is killed. Every request still in flight fails with
// ErrRunnerDied: it was running in the runner, and may have had effects.
func (w *Worker) die(cause error) {
	if !isDeath(cause) {
		_ = w.cmd.Process.Kill() // a runner we cannot understand is not trusted
	}
	shutdown(w.conn, syscall.SHUT_RDWR)
	status := w.ExitStatus() // the process is ending: learn how
	err := fmt.Errorf("%w (pid %d, %s)", ErrRunnerDied, w.pid, status)
	if !isDeath(cause) {
		err = fmt.Errorf("%w: %w", err, cause)
	}
	w.mu.Lock()
	if w.dead == nil || errors.Is(w.dead, ErrNotSent) {
		w.dead = err // how it died says more than that it could not be written to
	}
	calls := w.calls
	w.calls = map[uint32]*call{}
	w.inflight.Store(0)
	for id, ch := range w.pings {
		close(ch)
		delete(w.pings, id)
	}
	w.mu.Unlock()
	for _, c := range calls {
		c.finish(err)
	}
	close(w.done)
	for _, c := range calls {
		w.free(&c.Request)
	}
}

// isDeath reports whether err says the runner's end of the socket is gone.
func isDeath(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// appendWindow appends a W frame granting n more body bytes to request id.
func appendWindow(buf []byte, id uint32, n int64) []byte {
	buf = appendFrameHeader(buf, kindWindow, id, 8)
	return binary.BigEndian.AppendUint64(buf, uint64(n))
}

// appendCancel appends a C frame for request id.
func appendCancel(buf []byte, id uint32, why string) []byte {
	return appendFrame(buf, kindCancel, id, []byte(why))
}

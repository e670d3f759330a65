package pyapp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"syscall"
)

// Pipelining: several requests in flight per runner, and the read baton.
//
// A runner serves one request at a time, but it need not wait for Go between
// two: Calls write their Q frames as soon as they arrive, so the runner finds
// the next request already in its socket (often several in one recv) and
// never sleeps while there is work. Answers come back in request order, so
// each runner keeps a FIFO of the requests it was sent (runner.queue), and the
// request at its head is the only one that reads the socket: it holds the
// read baton. When its answer ends (E or X) it passes the baton to the next
// in the queue by waking that request's own channel. No goroutine sits between
// the socket and the requests, and payloads are read straight out of the
// bufio.Reader's buffer, as with one request at a time.

// pipelineDepth is how many requests one runner may have in flight (sent and
// not yet answered). More keeps the runner busy when Go is slow to write; but
// a request queued behind a slow one waits for it, so Calls prefer an idle
// runner, then the least busy (see App.pick).
const pipelineDepth = 16

// maxResends is how many times a request whose runner died before serving it
// is sent to another runner before the Call gives up.
const maxResends = 3

// Runner conditions (runner.state).
const (
	// runnerOK: the runner is serving.
	runnerOK int32 = iota
	// runnerDied: the process ended by itself. It died serving the request
	// at the head of its queue; the requests behind that one had not
	// started (a runner is sequential), so they are sent to another runner.
	runnerDied
	// runnerKilled: we killed it, because it broke the protocol or could
	// not be written to. It may have been running any of its requests:
	// those behind the head fail too, rather than risk running twice.
	runnerKilled
)

// enqueue sends b's request to r and puts b at the back of r's queue, both
// under r.wmu, so that the queue's order is the order in which the runner reads
// the requests. b must have been counted in r.inflight (App.pick). The error
// is one of encoding the request: b is then not queued. A failed write is not
// b's error but the runner's: it is marked broken, and b learns it when its
// turn comes (see body.start).
func (r *runner) enqueue(b *body) error {
	r.wmu.Lock()
	id := r.nextID
	buf, err := appendRequest(r.wbuf[:0], id, b.env)
	r.wbuf = buf
	if err != nil {
		r.wmu.Unlock()
		return err
	}
	r.nextID++
	b.id = id
	r.qmu.Lock()
	r.queue = append(r.queue, b)
	b.baton = len(r.queue) == 1
	r.qmu.Unlock()
	_, err = r.conn.Write(buf)
	r.wmu.Unlock()
	if err != nil {
		r.breakDown(fmt.Errorf("write to app runner: %w", err))
	}
	return nil
}

// awaitTurn waits until b is at the head of its runner's queue: the baton.
func (b *body) awaitTurn() {
	if !b.baton {
		<-b.turn
		b.baton = true
	}
}

// pass takes b off r's queue and, when b held the baton (it always does once
// its answer ended), hands the baton to the next request, if any.
func (r *runner) pass(b *body) {
	r.qmu.Lock()
	var next *body
	for i, q := range r.queue {
		if q == b {
			r.queue = append(r.queue[:i], r.queue[i+1:]...)
			if i == 0 && len(r.queue) > 0 {
				next = r.queue[0]
			}
			break
		}
	}
	r.qmu.Unlock()
	b.baton = false
	if next != nil {
		next.turn <- struct{}{} // never blocks: each request gets the baton once
	}
}

// write sends frames built by the request holding the baton (D, C), under
// r.wmu so that they do not interleave with Q frames.
func (r *runner) write(frames []byte) error {
	r.wmu.Lock()
	_, err := r.conn.Write(frames)
	r.wmu.Unlock()
	if err != nil {
		return fmt.Errorf("write to app runner: %w", err)
	}
	return nil
}

// breakDown marks r broken after a failure of its conversation. At EOF or a
// broken pipe the process is ending by itself (runnerDied); anything else
// means we cannot trust it, so it is killed (runnerKilled). The first cause
// sticks.
func (r *runner) breakDown(cause error) {
	state := runnerKilled
	if isDeath(cause) {
		state = runnerDied
	}
	if r.state.CompareAndSwap(runnerOK, state) && state == runnerKilled {
		r.stop(true)
	}
}

// broken reports whether r must be replaced.
func (r *runner) broken() bool { return r.state.Load() != runnerOK }

// isDeath reports whether err says the runner's end of the socket is gone.
func isDeath(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// appendCancel appends a C frame for request id.
func appendCancel(buf []byte, id uint32, why string) []byte {
	buf = appendFrameHeader(buf, kindCancel, 4+len(why))
	buf = binary.BigEndian.AppendUint32(buf, id)
	return append(buf, why...)
}

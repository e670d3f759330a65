package pyapp

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// call is one request sent to a runner: the answer as the reader goroutine
// receives it, kept until the server takes it, and the wsgi.Body the server
// iterates.
//
// The reader goroutine (the producer: onHead, onBody, finish) never waits
// for the server (the consumer: waitHead, Next, Close). What arrives is
// queued as segments: in memory up to Options.ResponseMemory bytes (and
// while the shared Budget lasts), then in a spool file. The consumer takes
// the segments in order. How much may wait in all is the response window
// (see protocol.go): the consumer grants the runner more as it takes.
type call struct {
	Request // its handle for Send's caller: &c.Request, no allocation of its own

	w       *Worker
	id      uint32
	env     *wsgi.Environ
	started time.Time
	cleanup func() // removes a request body pyapp spooled
	expired bool   // guarded by w.mu: given up on by Expire

	ready chan struct{} // poked (never blocks) when something arrives

	mu          sync.Mutex
	head        []byte    // guarded by mu: the H payload, until waitHead takes it
	hasHead     bool      // guarded by mu
	segs        []segment // guarded by mu: body not yet taken, in order
	memHeld     int64     // guarded by mu: bytes of segs in memory, drawn from the budget
	spool       *os.File  // guarded by mu: the response's spool file, once needed
	spoolEnd    int64     // guarded by mu: where the next spooled byte goes
	ended       bool      // guarded by mu: E, X, death or expiry: nothing more comes
	err         error     // guarded by mu: nil for E, else why it ended
	closed      bool      // guarded by mu: Close was called
	received    int64     // guarded by mu: body bytes received
	granted     int64     // guarded by mu: body bytes the runner may send in all
	consumed    int64     // guarded by mu: body bytes taken by Next
	warned      bool      // guarded by mu: the held-at-the-client's-pace warning was logged
	spoolFailed bool      // guarded by mu: the spool file could not be written, and it was logged
}

// segment is a piece of body: data in memory, or n bytes of the spool file
// from off.
type segment struct {
	data []byte
	off  int64
	n    int64
}

func newCall(w *Worker, env *wsgi.Environ, cleanup func()) *call {
	c := &call{
		w: w, env: env, cleanup: cleanup, started: time.Now(),
		ready: make(chan struct{}, 1), granted: w.opts.ResponseWindow(),
	}
	c.Request.c = c
	return c
}

func (c *call) poke() {
	select {
	case c.ready <- struct{}{}:
	default:
	}
}

// onHead takes the H frame.
func (c *call) onHead(payload []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hasHead {
		return fmt.Errorf("%w: a second head for request %d", ErrProtocol, c.id)
	}
	c.hasHead = true
	if !c.ended {
		c.head = slices.Clone(payload)
		c.poke()
	}
	return nil
}

// onBody takes a B frame's chunk: into memory while this response's share
// and the budget allow, else into the spool file. payload aliases the
// reader's buffer, so it is copied either way.
func (c *call) onBody(payload []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := int64(len(payload))
	c.received += n
	if c.ended || c.closed {
		return // nobody wants it any more
	}
	o := c.w.opts
	switch {
	case o.ResponseSpool < 0: // no spooling: memory, whatever the budget says
		o.Budget.used.Add(n)
	case c.memHeld+n <= o.ResponseMemory && o.Budget.take(n):
	default:
		err := c.spoolLocked(payload)
		if err == nil {
			c.noteHeldLocked()
			c.poke()
			return
		}
		if !c.spoolFailed {
			c.spoolFailed = true
			c.w.logf("response to %s: cannot spool it (%v); keeping it in memory", c.describe(), err)
		}
		o.Budget.used.Add(n) // over the budget: the window still bounds it
	}
	c.memHeld += n
	c.segs = append(c.segs, segment{data: slices.Clone(payload), n: n})
	c.noteHeldLocked()
	c.poke()
}

// spoolLocked appends data to the spool file, creating it first. The file
// is unlinked at once: it disappears with its descriptor, whatever happens.
func (c *call) spoolLocked(data []byte) error {
	if c.spool == nil {
		f, err := os.CreateTemp(c.w.opts.TempDir, "gunicorn-go-response-")
		if err != nil {
			return err
		}
		if err := os.Remove(f.Name()); err != nil {
			f.Close()
			return err
		}
		c.spool = f
	}
	if _, err := c.spool.WriteAt(data, c.spoolEnd); err != nil {
		return err
	}
	n := int64(len(data))
	if k := len(c.segs); k > 0 && c.segs[k-1].data == nil && c.segs[k-1].off+c.segs[k-1].n == c.spoolEnd {
		c.segs[k-1].n += n // extend the last spooled segment
	} else {
		c.segs = append(c.segs, segment{off: c.spoolEnd, n: n})
	}
	c.spoolEnd += n
	return nil
}

// noteHeldLocked logs, once, that the response has used its whole window:
// the app's thread now waits for the client.
func (c *call) noteHeldLocked() {
	if c.received >= c.granted && !c.warned {
		c.warned = true
		c.w.logf("response to %s: %d bytes wait for the client, the most one response may hold; the app now waits at the client's pace (worker pid %d)",
			c.describe(), c.received-c.consumed, c.w.pid)
	}
}

func (c *call) describe() string {
	method, _ := c.env.Get("REQUEST_METHOD")
	uri, ok := c.env.Get("RAW_URI")
	if !ok {
		uri, _ = c.env.Get("PATH_INFO")
	}
	return method + " " + uri
}

// finish ends the response: E (err nil), X (an *AppError), the runner's
// death or an expiry. The first reason sticks.
func (c *call) finish(err error) {
	c.mu.Lock()
	if !c.ended {
		c.ended, c.err = true, err
		if err != nil && !c.hasHead {
			c.head = nil
		}
		c.poke()
	}
	c.mu.Unlock()
}

// waitHead waits for the head, or for the response to end without one.
func (c *call) waitHead() (status string, headers []wsgi.Header, err error) {
	for {
		c.mu.Lock()
		head, ended, cerr := c.head, c.ended, c.err
		c.head = nil
		c.mu.Unlock()
		switch {
		case head != nil:
			return parseHead(head) // a failure after the head is Next's to report
		case ended && cerr != nil:
			return "", nil, cerr
		case ended:
			return "", nil, fmt.Errorf("%w: request %d ended without a head", ErrProtocol, c.id)
		}
		<-c.ready
	}
}

// spoolRead is the most Next reads from the spool file at once.
const spoolRead = 64 << 10

// Next returns the next body chunk, io.EOF after the last, or why the
// response failed: an *AppError when the app raised after its head, an
// error wrapping ErrRunnerDied, or the error Expire was given. Each chunk
// is a fresh slice the caller may keep.
func (c *call) Next() ([]byte, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, errBodyClosed
		}
		if len(c.segs) > 0 {
			chunk, err := c.takeLocked()
			c.mu.Unlock()
			return chunk, err
		}
		if c.ended {
			err := c.err
			c.mu.Unlock()
			if err == nil {
				return nil, io.EOF
			}
			return nil, err
		}
		c.mu.Unlock()
		<-c.ready
	}
}

// takeLocked takes the first segment (or the first spoolRead bytes of a
// spooled one) and grants the runner the room it frees.
func (c *call) takeLocked() ([]byte, error) {
	seg := &c.segs[0]
	var chunk []byte
	if seg.data != nil {
		chunk = seg.data
		c.memHeld -= seg.n
		c.w.opts.Budget.give(seg.n)
		c.segs = c.segs[1:]
	} else {
		chunk = make([]byte, min(seg.n, spoolRead))
		if _, err := c.spool.ReadAt(chunk, seg.off); err != nil {
			return nil, fmt.Errorf("read spooled response: %w", err)
		}
		seg.off += int64(len(chunk))
		seg.n -= int64(len(chunk))
		if seg.n == 0 {
			c.segs = c.segs[1:]
		}
	}
	c.consumed += int64(len(chunk))
	if window := c.w.opts.ResponseWindow(); !c.ended && c.granted-c.consumed <= window/2 {
		more := c.consumed + window - c.granted
		c.granted += more
		if err := c.w.write(appendWindow(nil, c.id, more)); err != nil {
			c.w.breakDown(err)
		}
	}
	return chunk, nil
}

// Close ends the request for the server. If the runner is still producing
// the response, it is asked to stop (C): it stops iterating, calls the
// iterable's close() and ends the request, which frees its thread. Close
// does not wait for that. What was buffered is dropped.
func (c *call) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	running := !c.ended
	c.mu.Unlock()
	if running {
		if err := c.w.write(appendCancel(nil, c.id, "the response was closed before its end")); err != nil {
			c.w.breakDown(err)
		}
	}
	c.release()
	return nil
}

// release drops what the call holds: buffered body, spool file, the
// request body pyapp spooled.
func (c *call) release() {
	c.mu.Lock()
	c.w.opts.Budget.give(c.memHeld)
	c.memHeld = 0
	c.segs = nil
	if c.spool != nil {
		_ = c.spool.Close() // unlinked already: closing frees it
		c.spool = nil
	}
	cleanup := c.cleanup
	c.cleanup = nil
	c.mu.Unlock()
	if cleanup != nil {
		cleanup()
	}
}

// errBodyClosed is what Next returns after Close.
var errBodyClosed = errors.New("pyapp: Next called after Close")

// logf hands one note to Options.Log, or writes it to the error log.
func (w *Worker) logf(format string, args ...any) {
	if w.opts.Log != nil {
		w.opts.Log(fmt.Sprintf(format, args...))
		return
	}
	_, _ = fmt.Fprintf(w.opts.ErrorLog, "pyapp: "+format+"\n", args...) // nowhere to report a failing log
}

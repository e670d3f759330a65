package pyapp

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
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
// while the shared Budget lasts), then in spool files. The consumer takes
// the segments in order. How much may wait in all is the response window
// (see protocol.go): the response's memory, plus the disk it has reserved
// from the shared SpoolBudget a step at a time; both sides grant the runner
// more (growLocked) as memory is freed or disk reserved.
type call struct {
	Request // its handle for Send's caller: &c.Request, no allocation of its own

	w       *Worker
	id      uint32
	env     *wsgi.Environ
	started time.Time
	// heard is when the app last showed it was alive, as time since
	// started (monotonic: a clock step kills nothing): the call started, a
	// frame of its answer came, or it was given room to send more, or was
	// cancelled. held is true while the runner has used its whole window
	// and waits for room: the app is then waiting for its client, not
	// stuck. Both are atomic: Silence reads them under w.mu, onBody writes
	// them under c.mu.
	heard   atomic.Int64
	held    atomic.Bool
	cleanup func() // removes a request body pyapp spooled
	expired bool   // guarded by w.mu: given up on by Expire

	mu sync.Mutex
	// arrived is signalled, under mu, when something arrives: the head, a
	// chunk, the end. (A condition rather than a channel: the waiter checks
	// what came under mu anyway, and a channel was one more allocation per
	// request.)
	arrived     sync.Cond
	hasHead     bool          // guarded by mu
	headWaits   bool          // guarded by mu: the head came, and waitHead has not taken it
	status      string        // guarded by mu: the head, parsed, until waitHead takes it
	headers     []wsgi.Header // guarded by mu: likewise
	headErr     error         // guarded by mu: why the head would not parse
	segs        []segment     // guarded by mu: body not yet taken, in order
	memHeld     int64         // guarded by mu: bytes of segs in memory, drawn from the budget
	files       []*spoolFile  // guarded by mu: open spool files, the last one written
	room        int64         // guarded by mu: disk reserved from SpoolBudget, not yet written
	ended       bool          // guarded by mu: E, X, death or expiry: nothing more comes
	err         error         // guarded by mu: nil for E, else why it ended
	closed      bool          // guarded by mu: Close was called
	received    int64         // guarded by mu: body bytes received
	granted     int64         // guarded by mu: body bytes the runner may send in all
	consumed    int64         // guarded by mu: body bytes taken by Next
	warned      bool          // guarded by mu: the held-at-the-client's-pace warning was logged
	spoolFailed bool          // guarded by mu: the spool file could not be written, and it was logged
	// lent is the pooled buffer of the chunk Next returned last, given back
	// (putBig) when the server asks for the next chunk or closes the body:
	// it has written that chunk by then (see wsgi.Body). Guarded by mu.
	lent []byte
}

// segment is a piece of body: data in memory, or n bytes of a spool file
// from off.
type segment struct {
	data   []byte
	pooled bool // data came from getBig: putBig it once it is done with
	file   *spoolFile
	off    int64
	n      int64
}

// spoolFile is one of a response's spool files. Its size is charged to the
// SpoolBudget until it is closed. Once the client has taken all that was
// written to the file being written, the next bytes go to its start again;
// one that grew to spoolFileMax is left for the next, and closed (its disk
// given back) once the client has taken what it holds: so a response's
// disk follows what the client has yet to take, not all it was sent.
type spoolFile struct {
	f       *os.File
	size    int64 // bytes written at the furthest: charged to the budget
	end     int64 // where the next byte goes
	pending int64 // bytes written and not yet taken
}

// How responses take disk.
const (
	spoolStep    = 1 << 20 // disk a response reserves at a time
	spoolFileMax = 8 << 20 // a spool file is not written past this
)

func newCall(w *Worker, env *wsgi.Environ, cleanup func()) *call {
	c := &call{
		w: w, env: env, cleanup: cleanup, started: time.Now(),
		granted: w.opts.firstWindow(),
	}
	c.arrived.L = &c.mu
	c.Request.c = c
	return c
}

// silence is how long the app has been silent in this call: 0 while the
// runner waits for room to send (see heard).
func (c *call) silence(now time.Time) time.Duration {
	if c.held.Load() {
		return 0
	}
	return max(0, now.Sub(c.started)-time.Duration(c.heard.Load()))
}

// hear notes a sign of life from the app (see heard).
func (c *call) hear() { c.heard.Store(int64(time.Since(c.started))) }

// onHead takes the H frame. It is parsed here, on the reader's goroutine,
// straight out of the reader's buffer: parseHead copies it once, into the
// string the headers are cut from.
func (c *call) onHead(payload []byte) error {
	c.hear()
	status, headers, err := parseHead(payload)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hasHead {
		return fmt.Errorf("%w: a second head for request %d", ErrProtocol, c.id)
	}
	c.hasHead = true
	if !c.ended {
		c.headWaits, c.status, c.headers, c.headErr = true, status, headers, err
		c.arrived.Broadcast()
	}
	return nil
}

// onBody takes a B frame's chunk: into memory while this response's share
// and the budget allow, else into a spool file. A payload that aliases the
// reader's buffer is copied either way (see ownsPayload). It reports
// whether it kept payload itself: its buffer is then the call's to give
// back (see bufpool.go).
func (c *call) onBody(payload []byte) (kept bool) {
	c.hear()
	c.mu.Lock()
	n := int64(len(payload))
	c.received += n
	if c.ended || c.closed {
		c.mu.Unlock()
		return false // nobody wants it any more
	}
	kept = c.keepLocked(payload)
	grant := c.growLocked()
	c.noteHeldLocked()
	c.arrived.Broadcast()
	c.mu.Unlock()
	if grant > 0 {
		c.w.grant(c.id, grant)
	}
	return kept
}

// keepLocked queues payload, in memory or in a spool file, and reports
// whether it keeps payload itself (see onBody).
func (c *call) keepLocked(payload []byte) (kept bool) {
	o := c.w.opts
	n := int64(len(payload))
	switch {
	case o.ResponseSpool < 0: // no spooling: memory, whatever the budget says
		o.Budget.force(n)
	case c.memHeld+n <= o.ResponseMemory && o.Budget.take(n):
	default:
		err := c.spoolLocked(payload)
		if err == nil {
			return false
		}
		if !c.spoolFailed {
			c.spoolFailed = true
			c.w.logf("response to %s: cannot spool it (%v); keeping it in memory", c.describe(), err)
		}
		o.Budget.force(n) // over the budget: the window still bounds it
	}
	c.memHeld += n
	data := payload
	kept = ownsPayload(c.w.br, payload)
	pooled := kept
	switch {
	case kept:
		// A larger frame's payload is kept as read: for a 100 KB
		// response, one copy and one allocation fewer, about 10% of the
		// master's CPU.
	case len(payload) >= bigPoolMin:
		// It aliases the reader's buffer: copied into a pooled one.
		data = getBig(len(payload))
		copy(data, payload)
		pooled = true
	default:
		data = slices.Clone(payload)
	}
	c.segs = append(c.segs, segment{data: data, n: n, pooled: pooled})
	return kept
}

// spoolLocked appends data to the spool file being written, starting one
// first if there is none or it is full. A file is unlinked at once: it
// disappears with its descriptor, whatever happens. Disk the file grows by
// comes from the room reserved, or is forced from the budget: it arrived
// within the window, and must be kept.
func (c *call) spoolLocked(data []byte) error {
	n := int64(len(data))
	cur := c.writingLocked()
	if cur != nil && cur.pending == 0 {
		cur.end = 0 // all taken: write over it
	}
	if cur == nil || cur.end >= spoolFileMax {
		f, err := os.CreateTemp(c.w.opts.TempDir, "gunicorn-go-response-")
		if err != nil {
			return err
		}
		if err := os.Remove(f.Name()); err != nil {
			f.Close()
			return err
		}
		cur = &spoolFile{f: f}
		c.files = append(c.files, cur)
	}
	if _, err := cur.f.WriteAt(data, cur.end); err != nil {
		return err
	}
	if growth := cur.end + n - cur.size; growth > 0 {
		cur.size += growth
		use := min(growth, c.room)
		c.room -= use
		c.w.opts.SpoolBudget.force(growth - use)
	}
	if k := len(c.segs); k > 0 && c.segs[k-1].file == cur && c.segs[k-1].off+c.segs[k-1].n == cur.end {
		c.segs[k-1].n += n // extend the last spooled segment
	} else {
		c.segs = append(c.segs, segment{file: cur, off: cur.end, n: n})
	}
	cur.end += n
	cur.pending += n
	return nil
}

// writingLocked returns the spool file being written, or nil.
func (c *call) writingLocked() *spoolFile {
	if len(c.files) == 0 {
		return nil
	}
	return c.files[len(c.files)-1]
}

// growLocked works out how much more the runner may send, reserving a step
// of disk when it is about to run short, and returns how much more to grant
// it (0: nothing worth a W frame yet). The runner may send as much as fits:
// the response's free memory share, the disk it has reserved, and what the
// file being written can take again without growing.
func (c *call) growLocked() int64 {
	if c.ended || c.closed {
		return 0
	}
	o := c.w.opts
	desired := c.received + max(0, o.ResponseMemory-c.memHeld) + c.room
	if cur := c.writingLocked(); cur != nil {
		switch {
		case cur.pending == 0:
			desired += cur.size
		case cur.end < spoolFileMax:
			desired += max(0, cur.size-cur.end)
		}
	}
	batch := min(o.ResponseMemory, spoolStep) / 2
	if o.ResponseSpool >= 0 && desired-c.received < batch && o.SpoolBudget.take(spoolStep) {
		c.room += spoolStep
		desired += spoolStep
	}
	more := desired - c.granted
	if more <= 0 || (more < batch && c.granted > c.received) {
		c.held.Store(c.granted <= c.received)
		return 0 // nothing new, or too little to be worth a frame while the runner has room
	}
	if c.granted <= c.received {
		c.hear() // it waited for us: its silence starts now
	}
	c.granted = desired
	c.held.Store(false)
	return more
}

// noteHeldLocked logs, once, that the response has used its whole window:
// its memory is full and no disk is left to reserve (or spooling is off),
// so the app's thread now waits for the client.
func (c *call) noteHeldLocked() {
	if c.received >= c.granted && !c.warned {
		c.warned = true
		c.w.logf("response to %s: %d bytes wait for the client, and the response spool has no room for more; the app now waits at the client's pace (worker pid %d)",
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
		c.arrived.Broadcast()
	}
	c.mu.Unlock()
}

// waitHead waits for the head, or for the response to end without one.
func (c *call) waitHead() (status string, headers []wsgi.Header, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		switch {
		case c.headWaits: // a failure after the head is Next's to report
			status, headers, err = c.status, c.headers, c.headErr
			c.headWaits, c.status, c.headers, c.headErr = false, "", nil, nil
			return status, headers, err
		case c.ended && c.err != nil:
			return "", nil, c.err
		case c.ended:
			return "", nil, fmt.Errorf("%w: request %d ended without a head", ErrProtocol, c.id)
		}
		c.arrived.Wait()
	}
}

// spoolRead is the most Next reads from the spool file at once.
const spoolRead = 64 << 10

// Next returns the next body chunk, io.EOF after the last, or why the
// response failed: an *AppError when the app raised after its head, an
// error wrapping ErrRunnerDied, or the error Expire was given. A chunk is
// the caller's until it calls Next again or Close, as wsgi.Body says: a
// large one's buffer is reused after that (see bufpool.go).
func (c *call) Next() ([]byte, error) {
	c.mu.Lock()
	c.giveBackLocked()
	for {
		if c.closed {
			c.mu.Unlock()
			return nil, errBodyClosed
		}
		if len(c.segs) > 0 {
			chunk, err := c.takeLocked()
			grant := c.growLocked()
			c.mu.Unlock()
			if grant > 0 {
				c.w.grant(c.id, grant)
			}
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
		c.arrived.Wait()
	}
}

// takeLocked takes the first segment (or the first spoolRead bytes of a
// spooled one), freeing its memory, or its file once the client has taken
// all of a file that is no longer written.
func (c *call) takeLocked() ([]byte, error) {
	seg := &c.segs[0]
	if seg.data != nil {
		chunk := seg.data
		if seg.pooled {
			c.lent = chunk
		}
		c.memHeld -= seg.n
		c.w.opts.Budget.give(seg.n)
		c.segs = c.segs[1:]
		c.consumed += int64(len(chunk))
		return chunk, nil
	}
	file := seg.file
	// Read back into a pooled buffer, lent as a kept chunk is: a fresh
	// 64 KiB a chunk would be zeroed and faulted in every time.
	c.lent = getBig(spoolRead)
	chunk := c.lent[:min(seg.n, spoolRead)]
	if _, err := file.f.ReadAt(chunk, seg.off); err != nil {
		return nil, fmt.Errorf("read spooled response: %w", err)
	}
	n := int64(len(chunk))
	seg.off += n
	seg.n -= n
	if seg.n == 0 {
		c.segs = c.segs[1:]
	}
	c.consumed += n
	file.pending -= n
	if file.pending == 0 && file != c.writingLocked() {
		c.closeFileLocked(file)
	}
	return chunk, nil
}

// closeFileLocked closes a spool file and gives its disk back.
func (c *call) closeFileLocked(file *spoolFile) {
	_ = file.f.Close() // unlinked already: closing frees it
	c.w.opts.SpoolBudget.give(file.size)
	c.files = slices.DeleteFunc(c.files, func(f *spoolFile) bool { return f == file })
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
		// Told to stop, it should end at once: if it does not (stuck in
		// the app, or in the iterable's close), the timeout sees it,
		// whatever window it had used.
		c.hear()
		c.held.Store(false)
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
	c.giveBackLocked()
	for _, seg := range c.segs {
		if seg.pooled {
			putBig(seg.data)
		}
	}
	c.segs = nil
	for len(c.files) > 0 {
		c.closeFileLocked(c.files[0])
	}
	c.w.opts.SpoolBudget.give(c.room)
	c.room = 0
	cleanup := c.cleanup
	c.cleanup = nil
	c.mu.Unlock()
	if cleanup != nil {
		cleanup()
	}
}

// giveBackLocked gives back the buffer of the chunk Next returned last.
func (c *call) giveBackLocked() {
	if c.lent != nil {
		putBig(c.lent)
		c.lent = nil
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

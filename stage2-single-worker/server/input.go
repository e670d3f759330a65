package server

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"gunicorn-go/stage2-single-worker/http1"
)

// requestInput is wsgi.input for one request.
//
// The server reads the whole body before it calls the app, so a slow client
// holds a goroutine, never a Python process. A body up to SpoolThreshold
// stays in memory; a larger one is written to a temporary file as it
// arrives, so memory per request stays bounded however large the upload.
// Memory across requests is bounded too: bodies held in memory by all
// connections together stay under BodyMemory; past it, even small bodies
// go to a file, so that thousands of clients each sending a megabyte cannot
// exhaust the server's memory. Both budgets are charged as bytes arrive,
// never for the length a client merely announces. And the files of all
// connections together stay under SpoolDisk rather than fill the disk: a
// body larger than all of it is refused with 413, one that does not fit
// beside the others spooling now with 503, which a client may retry.
//
// Either way the app's input implements wsgi.InputBuffer, and an app runner
// hands the bytes or the file's name to Python without copying them through
// a pipe.
//
// A client that sent "Expect: 100-continue" waits for our go-ahead before
// it sends the body (RFC 9110 §10.1.1). The server gives it as soon as it
// is ready to read the body, and then reads it like any other: the app
// never waits for a client. A body larger than LimitRequestBody is refused
// (413) before the go-ahead, so that client never sends it.
type requestInput struct {
	hasBody  bool
	buffered bufferedInput
	mem      []byte // memory kept from one request to the next
	reserved int64  // bytes of Server.BodyMemory this request holds
	spooled  int64  // bytes of Server.SpoolDisk this request holds
}

// keepMem is the most body memory a connection keeps between requests.
const keepMem = 64 << 10

// The refusals of a body.
var (
	errTooLarge      = &http1.Error{Status: 413, Reason: "request body larger than limit_request_body"}
	errTooLargeSpool = &http1.Error{Status: 413, Reason: "request body larger than request_spool_limit, the most the server spools"}
	errSpoolFull     = &http1.Error{Status: 503, Reason: "no room left to spool the request body now (request_spool_limit is taken by others)"}
)

// prepare reads the request body of c.req.
func (in *requestInput) prepare(c *conn) error {
	req := &c.req
	in.hasBody = false
	if !req.Chunked && req.ContentLength <= 0 {
		return nil
	}
	if limit := c.s.LimitRequestBody; limit > 0 && req.ContentLength > limit {
		return errTooLarge
	}
	if !req.Chunked && req.ContentLength > c.s.spoolThreshold() && req.ContentLength > c.s.spoolDisk() {
		return errTooLargeSpool // it could never fit: say so before reading it
	}
	if req.Expect100 {
		if _, err := c.bw.WriteString(req.Proto + " 100 Continue\r\n\r\n"); err != nil {
			return err
		}
		if err := c.bw.Flush(); err != nil {
			return err
		}
	}
	in.hasBody = true
	in.buffered = bufferedInput{}
	return in.readAll(c)
}

// memStep is the least body memory a request takes from the budget at a
// time: the budgets are charged for bytes as they arrive, not for the
// length a client announces, so that a client announcing megabytes and
// sending a byte holds a step, not the megabytes.
const memStep = 64 << 10

// readAll reads the body into memory, moving it to a file once it passes
// the spool threshold or when the server's body memory is spent.
func (in *requestInput) readAll(c *conn) error {
	threshold := c.s.spoolThreshold()
	var src io.Reader = bodyReader{c}
	if max := c.s.LimitRequestBody; max > 0 && c.req.Chunked {
		src = &limitedBody{r: src, left: max}
	}
	// Memory first, up to the threshold, a step of the budget at a time.
	data := in.mem[:0]
	for int64(len(data)) <= threshold {
		if len(data) == cap(data) || int64(len(data)) == in.reserved {
			// The step doubles what the body holds so far: a 1 MB body then
			// grows its memory 4 times, copying a megabyte in all, where
			// steps of memStep grew it a dozen times (each a fresh
			// allocation the kernel faults in) and copied it five times
			// over: 24% of the master's CPU in case 4b. It stays charged to
			// the budget for bytes that came, within a factor of two.
			step := max(int64(memStep), int64(len(data)))
			if !c.req.Chunked {
				step = min(step, c.req.ContentLength-int64(len(data))+1) // +1: sees the end
			}
			if !in.reserve(c.s, step) {
				break // the server's body memory is spent: to a file
			}
			if int64(cap(data)) < in.reserved {
				data = slices.Grow(data, int(in.reserved)-len(data))
			}
		}
		n, err := src.Read(data[len(data):min(in.reserved, threshold+1)])
		data = data[:len(data)+n]
		if err == io.EOF {
			in.mem = data[:0]
			in.buffered.setData(data)
			return nil
		}
		if err != nil {
			return err
		}
	}
	in.mem = data[:0]

	// Large, or no memory left: a file, the disk budget charged as it grows.
	f, err := os.CreateTemp(c.s.TempDir, "gunicorn-go-body-")
	if err != nil {
		return fmt.Errorf("spool request body: %w", err)
	}
	in.buffered.file = f // from here on, release removes it, whatever happens
	dst := &spoolWriter{in: in, s: c.s, f: f}
	if _, err := dst.Write(data); err != nil {
		return err
	}
	in.unreserve(c.s)
	buf := make([]byte, 64<<10)
	if _, err := io.CopyBuffer(dst, src, buf); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spool request body: %w", err)
	}
	return nil
}

// limitedBody refuses a chunked body as soon as it passes LimitRequestBody.
type limitedBody struct {
	r    io.Reader
	left int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if l.left -= int64(n); l.left < 0 {
		return 0, errTooLarge
	}
	return n, err
}

// spoolWriter writes a body to its file, taking room in the spool budget as
// it grows.
type spoolWriter struct {
	in *requestInput
	s  *Server
	f  *os.File
}

func (w *spoolWriter) Write(p []byte) (int, error) {
	if !w.in.spool(w.s, int64(len(p))) {
		if w.in.spooled+int64(len(p)) > w.s.spoolDisk() {
			return 0, errTooLargeSpool // alone it is too large: it could never fit
		}
		return 0, errSpoolFull
	}
	n, err := w.f.Write(p)
	if err != nil {
		return n, fmt.Errorf("spool request body: %w", err)
	}
	return n, nil
}

// spool takes n bytes of the server's spool disk budget for this request,
// if that many are left.
func (in *requestInput) spool(s *Server, n int64) bool {
	if s.spoolUsed.Add(n) > s.spoolDisk() {
		s.spoolUsed.Add(-n)
		return false
	}
	in.spooled += n
	return true
}

// reserve takes n bytes of the server's body memory for this request, if
// that many are left.
func (in *requestInput) reserve(s *Server, n int64) bool {
	if s.bodyMem.Add(n) > s.bodyMemory() {
		s.bodyMem.Add(-n)
		return false
	}
	in.reserved += n
	return true
}

// unreserve gives this request's body memory back to the server.
func (in *requestInput) unreserve(s *Server) {
	s.bodyMem.Add(-in.reserved)
	in.reserved = 0
}

// reader returns wsgi.input: nil for no body.
func (in *requestInput) reader() io.Reader {
	if in.hasBody {
		return &in.buffered
	}
	return nil
}

// release removes a spooled file, gives back the body memory and drops large
// buffers.
func (in *requestInput) release(s *Server) {
	in.unreserve(s)
	if f := in.buffered.file; f != nil {
		in.buffered.file = nil
		if err := f.Close(); err != nil {
			s.ErrorLog.Warnf("close spooled body: %v", err)
		}
		if err := os.Remove(f.Name()); err != nil {
			s.ErrorLog.Warnf("remove spooled body: %v", err)
		}
	}
	s.spoolUsed.Add(-in.spooled)
	in.spooled = 0
	if cap(in.mem) > keepMem {
		in.mem = nil
	}
	in.buffered = bufferedInput{}
	in.hasBody = false
}

// bodyReader reads the request body from the connection, giving each read
// the server's Timeout: an upload may be long, but not silent.
type bodyReader struct{ c *conn }

func (r bodyReader) Read(p []byte) (int, error) {
	_ = r.c.nc.SetReadDeadline(time.Now().Add(r.c.s.timeout()))
	return r.c.body.Read(p)
}

// bufferedInput is a body read in full: in memory or in a file.
type bufferedInput struct {
	data []byte
	rd   bytes.Reader
	file *os.File
}

func (b *bufferedInput) setData(data []byte) {
	b.data = data
	b.rd.Reset(data)
}

// Read reads the body.
func (b *bufferedInput) Read(p []byte) (int, error) {
	if b.file != nil {
		return b.file.Read(p)
	}
	return b.rd.Read(p)
}

// Buffered implements wsgi.InputBuffer.
func (b *bufferedInput) Buffered() (data []byte, path string) {
	if b.file != nil {
		return nil, b.file.Name()
	}
	return b.data, ""
}

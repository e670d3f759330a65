package server

import (
	"bytes"
	"fmt"
	"io"
	"os"
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
// exhaust the server's memory. And the files of all connections together
// stay under SpoolDisk: a body that does not fit is refused with 503 rather
// than fill the disk.
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

// errTooLarge and errSpoolFull are the refusals of a body.
var (
	errTooLarge  = &http1.Error{Status: 413, Reason: "request body larger than limit_request_body"}
	errSpoolFull = &http1.Error{Status: 503, Reason: "no room left to spool the request body (spool_disk_limit)"}
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

// readAll reads the body into memory, moving it to a file once it passes
// the spool threshold or when the server's body memory is spent.
func (in *requestInput) readAll(c *conn) error {
	limit := c.s.spoolThreshold()
	var src io.Reader = bodyReader{c}
	if max := c.s.LimitRequestBody; max > 0 && c.req.Chunked {
		src = &limitedBody{r: src, left: max}
	}
	if !c.req.Chunked && c.req.ContentLength <= limit && in.reserve(c.s, c.req.ContentLength) {
		n := int(c.req.ContentLength)
		if cap(in.mem) < n {
			in.mem = make([]byte, n)
		}
		data := in.mem[:n]
		if _, err := io.ReadFull(src, data); err != nil {
			return err
		}
		in.buffered.setData(data)
		return nil
	}

	// Unknown or large size: fill memory up to the threshold first, if the
	// server has the memory to spare.
	var mem bytes.Buffer
	if in.reserve(c.s, limit+1) {
		n, err := io.Copy(&mem, io.LimitReader(src, limit+1))
		if err != nil {
			return err
		}
		if n <= limit {
			in.buffered.setData(mem.Bytes())
			return nil
		}
	}
	if !c.req.Chunked && !in.spool(c.s, c.req.ContentLength) {
		return errSpoolFull
	}
	f, err := os.CreateTemp(c.s.TempDir, "gunicorn-go-body-")
	if err != nil {
		return fmt.Errorf("spool request body: %w", err)
	}
	in.buffered.file = f // from here on, release removes it, whatever happens
	var dst io.Writer = f
	if c.req.Chunked {
		dst = &spoolWriter{in: in, s: c.s, f: f}
	}
	if _, err := dst.Write(mem.Bytes()); err != nil {
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

// spoolWriter writes a chunked body to its file, taking room in the spool
// budget as it grows.
type spoolWriter struct {
	in *requestInput
	s  *Server
	f  *os.File
}

func (w *spoolWriter) Write(p []byte) (int, error) {
	if !w.in.spool(w.s, int64(len(p))) {
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

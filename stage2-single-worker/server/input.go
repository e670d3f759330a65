package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
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
// exhaust the server's memory.
// Either way the app's input implements wsgi.InputBuffer, and an app runner
// hands the bytes or the file's name to Python without copying them through
// a pipe.
//
// The one exception is a request with "Expect: 100-continue": its client
// waits for our go-ahead before sending the body, and RFC 9110 §10.1.1 lets
// the app refuse it without reading it. Its input is lazy: the first read
// sends "100 Continue" and reads from the connection.
type requestInput struct {
	mode     inputMode
	buffered bufferedInput
	lazy     lazyInput
	mem      []byte // memory kept from one request to the next
	reserved int64  // bytes of Server.BodyMemory this request holds
}

type inputMode int

const (
	inputNone inputMode = iota
	inputBuffered
	inputLazy
)

// keepMem is the most body memory a connection keeps between requests.
const keepMem = 64 << 10

// prepare reads the request body of c.req, or arranges to read it lazily.
func (in *requestInput) prepare(c *conn) error {
	req := &c.req
	in.mode = inputNone
	if !req.Chunked && req.ContentLength <= 0 {
		return nil
	}
	if req.Expect100 {
		in.mode = inputLazy
		in.lazy = lazyInput{c: c}
		return nil
	}
	in.mode = inputBuffered
	in.buffered = bufferedInput{}
	return in.readAll(c)
}

// readAll reads the body into memory, moving it to a file once it passes
// the spool threshold or when the server's body memory is spent.
func (in *requestInput) readAll(c *conn) error {
	limit := c.s.spoolThreshold()
	src := bodyReader{c}
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
	f, err := os.CreateTemp(c.s.TempDir, "gunicorn-go-body-")
	if err != nil {
		return fmt.Errorf("spool request body: %w", err)
	}
	in.buffered.file = f // from here on, release removes it, whatever happens
	if _, err := f.Write(mem.Bytes()); err != nil {
		return fmt.Errorf("spool request body: %w", err)
	}
	in.unreserve(c.s)
	buf := make([]byte, 64<<10)
	if _, err := io.CopyBuffer(f, src, buf); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spool request body: %w", err)
	}
	return nil
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
	switch in.mode {
	case inputBuffered:
		return &in.buffered
	case inputLazy:
		return &in.lazy
	}
	return nil
}

// consumed reports whether the whole body has been read from the
// connection, so that the next request starts where this one ends.
func (in *requestInput) consumed() bool {
	if in.mode != inputLazy || in.lazy.eof {
		return true
	}
	if in.lazy.sent && in.lazy.failed == nil {
		// An app reading exactly Content-Length bytes never asks for the
		// end; an empty read tells, without touching the connection:
		// http1.Body returns io.EOF once its last byte is read.
		if _, err := in.lazy.c.body.Read(nil); err == io.EOF {
			in.lazy.eof = true
		}
	}
	return in.lazy.eof
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
	if cap(in.mem) > keepMem {
		in.mem = nil
	}
	in.buffered = bufferedInput{}
	in.lazy = lazyInput{}
	in.mode = inputNone
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

// lazyInput reads the body of an "Expect: 100-continue" request on demand.
type lazyInput struct {
	c      *conn
	sent   bool // "100 Continue" was sent
	eof    bool
	failed error
}

// Read sends "100 Continue" the first time, then reads the body.
func (l *lazyInput) Read(p []byte) (int, error) {
	if l.failed != nil {
		return 0, l.failed
	}
	if !l.sent {
		l.sent = true
		if l.c.resp.sent {
			l.failed = errors.New("request body read after the response started")
			return 0, l.failed
		}
		if _, err := l.c.bw.WriteString(l.c.req.Proto + " 100 Continue\r\n\r\n"); err != nil {
			l.failed = err
			return 0, err
		}
		if err := l.c.bw.Flush(); err != nil {
			l.failed = err
			return 0, err
		}
	}
	n, err := bodyReader{l.c}.Read(p)
	if err == io.EOF {
		l.eof = true
	} else if err != nil {
		l.failed = err
	}
	return n, err
}

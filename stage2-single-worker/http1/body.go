package http1

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Body reads a request body as the head framed it: exactly ContentLength
// bytes, or a chunked body decoded, or nothing. It reads from the same
// bufio.Reader as ReadRequest, so after Read returns io.EOF the reader
// stands at the next pipelined request. A server keeps one Body per
// connection and calls Reset for each request: Read then allocates nothing.
//
// Read's outcomes: data; io.EOF at the body's end; io.ErrUnexpectedEOF if
// the connection closed before it; an *Error (400, or 431 for trailers over
// the field limits) for a malformed chunked body; another read error,
// wrapped. Errors are sticky: later calls return the same error.
type Body struct {
	br        *bufio.Reader
	lim       Limits
	req       *Request // holds the memory of a large trailer section
	chunked   bool
	remaining int64    // bytes left in the body, or in the current chunk
	inChunk   bool     // chunked: a chunk's data was read, its CRLF is due
	err       error    // sticky: io.EOF once done, or the first failure
	line      []byte   // scratch for chunk-size and trailer lines; reused
	trailers  []Header // a chunked body's trailer fields
}

// NewBody returns the body of req, read from br.
func NewBody(br *bufio.Reader, req *Request, lim Limits) *Body {
	b := new(Body)
	b.Reset(br, req, lim)
	return b
}

// Reset makes b read the body of req from br, reusing b's buffers.
func (b *Body) Reset(br *bufio.Reader, req *Request, lim Limits) {
	line, trailers := b.line[:0], b.trailers[:0]
	if cap(line) > maxRetainedBuf {
		line = nil
	}
	clear(trailers[:cap(trailers)]) // the last body's trailer strings
	*b = Body{br: br, lim: lim, req: req, line: line, trailers: trailers}
	switch {
	case req.Chunked:
		b.chunked = true
	case req.ContentLength > 0:
		b.remaining = req.ContentLength
	default:
		b.err = io.EOF
	}
}

// Trailers returns the trailer fields of a chunked body once Read has
// returned io.EOF, parsed and bounded like header fields; nil before, and
// for other bodies. They are informational: RFC 9110 §6.5.1 forbids letting
// them change how the message is framed or routed, and the server does not
// merge them into the headers. A field that may not be a trailer
// (Content-Length, Host, Authorization, Content-Type... see
// forbiddenTrailers) makes Read fail with a 400 instead. A trailer section
// past smallHead bytes reserves the rest from Limits.Memory, like a head,
// and the Request holds it with its head; when none is left, Read fails
// with a 503.
func (b *Body) Trailers() []Header {
	if b.err != io.EOF || len(b.trailers) == 0 {
		return nil
	}
	return b.trailers
}

// Read reads up to len(p) bytes of the body.
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if b.chunked && b.remaining == 0 {
		if err := b.nextChunk(); err != nil {
			b.err = err
			return 0, err
		}
	}
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.br.Read(p)
	b.remaining -= int64(n)
	switch {
	case err == io.EOF && b.remaining > 0:
		b.err = io.ErrUnexpectedEOF
	case err != nil && err != io.EOF:
		b.err = fmt.Errorf("read request body: %w", err)
	case b.remaining == 0 && !b.chunked:
		b.err = io.EOF // returned by the next call
		return n, nil
	default:
		return n, nil
	}
	return n, b.err
}

// unexpected turns an EOF inside the body into io.ErrUnexpectedEOF and
// wraps other read errors.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return io.ErrUnexpectedEOF
	}
	return fmt.Errorf("read request body: %w", err)
}

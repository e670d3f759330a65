package http1

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"
)

// ReadRequest reads one request head from br into req, reusing req's memory.
// Outcomes:
//   - nil: req holds a valid head; read the body with NewBody.
//   - io.EOF: the connection closed cleanly before the first byte of a
//     request (empty lines before it included).
//   - io.ErrUnexpectedEOF: the connection closed in the middle of a head.
//   - *Error: a request to refuse with Error.Status; close afterwards.
//   - any other error: reading failed (a deadline, a reset), wrapped.
//
// Leading empty lines (CRLF) before a request line are skipped (RFC 9112
// §2.2), a few of them at most.
//
// A head larger than smallHead reserves the rest from lim.Memory; when
// that is spent, ReadRequest refuses it at once with 503. A server, whose
// connections have a deadline for their head, calls ReadRequestUntil.
func ReadRequest(br *bufio.Reader, lim Limits, req *Request) error {
	return ReadRequestUntil(br, lim, req, time.Time{})
}

// ReadRequestUntil is ReadRequest for a head due by deadline: a large head
// that finds lim.Memory spent waits for memory until then, and only then
// is refused with 503. Give it the read deadline of the connection.
func ReadRequestUntil(br *bufio.Reader, lim Limits, req *Request, deadline time.Time) error {
	req.reset()
	if err := readHead(br, lim, req, deadline); err != nil {
		return err
	}
	return req.parse()
}

// readHead frames the head: it copies the request line and the field lines,
// CRLFs included, up to the empty line that ends the head (which it drops),
// applying the size limits as it goes so a client can never make it buffer
// more than the limits allow. Interpreting the lines is parse's job.
//
// The first smallHead bytes or so go into req.buf, which the Request
// reuses; the lines after them into chunks reserved from lim's memory,
// each sized so that a line always fits whole: the bytes are copied once,
// from br's buffer to where they stay.
func readHead(br *bufio.Reader, lim Limits, req *Request, deadline time.Time) error {
	var err error
	for empty := 0; ; empty++ {
		req.buf, err = readLine(br, req.buf[:0], lineMax(lim.RequestLine))
		if errors.Is(err, errLineTooLong) {
			return uriTooLong("request line too long")
		}
		if err != nil {
			return headError(err) // io.EOF stays io.EOF: no request began
		}
		if len(req.buf) > 2 {
			break // a request line: go on with the fields
		}
		// An empty line: RFC 9112 §2.2 asks us to ignore one before a
		// request line; a client sending many is up to no good.
		if empty == maxEmptyLines {
			return badRequest("too many empty lines before the request line")
		}
	}
	fieldMax, fields, total := lineMax(lim.FieldSize), 0, len(req.buf)
	for {
		dst := &req.buf
		if len(req.buf) >= smallHead {
			if !req.roomFor(fieldMax) {
				if end, err := headEnds(br, fieldMax); end || err != nil {
					req.trim()
					return err // no memory is taken for the empty line
				}
				if req.reserved == 0 {
					// The head goes on past its small part: reserve all
					// that the rest may take, a line past the limits
					// included.
					lines := (lim.fieldsMax() - fields + 1) * (fieldMax + 2)
					rest := min(maxHeadBytes+fieldMax+2-total, lines)
					if err := req.reserve(lim, rest, fieldMax, deadline); err != nil {
						return err
					}
				}
				if err := req.newChunk(fieldMax); err != nil {
					return err
				}
			}
			dst = &req.chunks[len(req.chunks)-1]
		}
		start := len(*dst)
		*dst, err = readLine(br, *dst, fieldMax)
		n := len(*dst) - start
		switch {
		case errors.Is(err, errLineTooLong):
			return fieldsTooLarge("header field line too long")
		case errors.Is(err, io.EOF):
			return io.ErrUnexpectedEOF
		case err != nil:
			return headError(err)
		case n == 2:
			*dst = (*dst)[:start] // the empty line that ends the head
			req.trim()
			return nil
		}
		if total += n; total > maxHeadBytes {
			return fieldsTooLarge("request head too large")
		}
		if fields++; fields > lim.fieldsMax() {
			return fieldsTooLarge("too many header fields")
		}
	}
}

// headEnds reports whether the next line is the empty one that ends the
// head, and consumes it if so, before readHead reserves memory for a line.
// When the connection fails first, it returns readHead's error for that.
func headEnds(br *bufio.Reader, fieldMax int) (bool, error) {
	next, err := br.Peek(2)
	if err == nil && next[0] == '\r' && next[1] == '\n' {
		_, _ = br.Discard(2)
		return true, nil
	}
	if err != nil {
		// At most a byte is left: read it as a line for the error it
		// makes (a bare LF, an unexpected end), needing no memory.
		_, err = readLine(br, nil, fieldMax)
		switch {
		case errors.Is(err, io.EOF):
			return false, io.ErrUnexpectedEOF
		case err != nil:
			return false, headError(err)
		}
	}
	return false, nil
}

// headError maps a readLine failure other than a long line.
func headError(err error) error {
	switch {
	case errors.Is(err, errBareLF):
		return badRequest("line ends in bare LF")
	case err == io.EOF, err == io.ErrUnexpectedEOF:
		return err
	}
	return fmt.Errorf("read request head: %w", err)
}

// readLine appends the next line from br, its CRLF included, to buf and
// returns the grown buffer. Outcomes:
//   - nil: the line ended in CRLF and holds at most max bytes before it.
//   - errLineTooLong: more than max bytes came before the end of the line;
//     reading stopped there, so at most about max bytes were buffered.
//   - errBareLF: the line ended in LF alone, which RFC 9112 §2.2 lets a
//     server refuse, and which we must refuse: a proxy in front that treats
//     it differently could be smuggled a request.
//   - io.EOF: the connection closed before the line's first byte;
//     io.ErrUnexpectedEOF: it closed in the middle of the line.
//   - another error from br.
func readLine(br *bufio.Reader, buf []byte, max int) ([]byte, error) {
	start := len(buf)
	for {
		frag, err := br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull && err != io.EOF {
			return buf, err // what came of the line no longer matters
		}
		if len(buf)-start+len(frag) > max+2 {
			// Too many bytes for any ending, CRLF or bare LF: too long,
			// said as soon as it is known, so that the answer does not
			// depend on how the bytes were buffered. What is not appended
			// is never held: buf takes at most max+2 bytes of a line,
			// which readHead's chunks count on.
			return buf, errLineTooLong
		}
		buf = append(buf, frag...)
		n := len(buf) - start
		switch {
		case err == nil:
			if n < 2 || buf[len(buf)-2] != '\r' {
				return buf, errBareLF
			}
			return buf, nil
		case n > max+1 && (err == bufio.ErrBufferFull || err == io.EOF):
			// Too long even if the next byte were the LF after a CR, and
			// said so whether or not the client hung up meanwhile: the
			// answer must not depend on how the bytes were buffered.
			return buf, errLineTooLong
		case err == bufio.ErrBufferFull:
		case err == io.EOF && n == 0:
			return buf, io.EOF
		default: // io.EOF within the line
			return buf, io.ErrUnexpectedEOF
		}
	}
}

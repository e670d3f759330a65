package http1

import (
	"bufio"
	"errors"
	"fmt"
	"io"
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
func ReadRequest(br *bufio.Reader, lim Limits, req *Request) error {
	req.reset()
	if err := readHead(br, lim, req); err != nil {
		return err
	}
	return req.parse(string(req.buf))
}

// readHead frames the head: it copies the request line and the field lines,
// CRLFs included, into req.buf up to and including the empty line, applying
// the size limits as it goes so a client can never make it buffer more than
// the limits allow. Interpreting the lines is parse's job.
func readHead(br *bufio.Reader, lim Limits, req *Request) error {
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
	fieldMax, fields := lineMax(lim.FieldSize), 0
	for {
		start := len(req.buf)
		req.buf, err = readLine(br, req.buf, fieldMax)
		switch {
		case errors.Is(err, errLineTooLong):
			return fieldsTooLarge("header field line too long")
		case errors.Is(err, io.EOF):
			return io.ErrUnexpectedEOF
		case err != nil:
			return headError(err)
		case len(req.buf)-start == 2:
			return nil // the empty line that ends the head
		case len(req.buf) > maxHeadBytes:
			return fieldsTooLarge("request head too large")
		}
		if fields++; fields > lim.fieldsMax() {
			return fieldsTooLarge("too many header fields")
		}
	}
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
		buf = append(buf, frag...)
		n := len(buf) - start
		switch {
		case err == nil:
			// Length first when the bytes before the LF are already too
			// many for any ending: a small buffer would have said so
			// before seeing the LF, and the answer must not depend on it.
			if n-1 > max+1 {
				return buf, errLineTooLong
			}
			if n < 2 || buf[len(buf)-2] != '\r' {
				return buf, errBareLF
			}
			if n-2 > max {
				return buf, errLineTooLong
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
		case err == io.EOF:
			return buf, io.ErrUnexpectedEOF
		default:
			return buf, err
		}
	}
}

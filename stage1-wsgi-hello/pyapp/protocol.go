package pyapp

// The wire protocol between pyapp and runner.py.
//
// One frame is
//
//	+---------------------+--------+------------------+
//	| length: 4 bytes, BE | kind: 1 | payload: length  |
//	+---------------------+--------+------------------+
//
// and each side writes a whole message (a request; a head with the body of a
// list-like response and its end) with one write system call, because at tens
// of thousands of calls a second the system calls and the wake-ups they cause
// are the cost, not the bytes.
//
// Start-up, runner → Go: R ready ("pid\0interpreter") or F failed to load
// ("kind\0summary\0traceback\0interpreter\0sys.path").
//
// A request, Go → runner: Q, whose payload is the request's id (4 bytes, BE)
// then the tuple (environ, body) in Python's marshal format (see marshal.go),
// so that the runner rebuilds the environ dict with one call into C. body is
// bytes (the body inline), a 1-tuple (path,) holding the spooled body's file
// name as bytes, or None (a lazy body: see I and D).
//
// The answer, runner → Go, in this order:
//
//	I n        the app reads wsgi.input: Go answers D with at most n bytes,
//	           an empty D at the end of the body (any time before E/X)
//	L text     the app wrote to wsgi.errors (any time)
//	H head     status and headers, latin-1, NUL-separated: "200 OK\0Name\0value…",
//	           sent with the first non-empty chunk, as PEP 3333 asks
//	B chunk    a body chunk, as the app produced it
//	E          the end: the iterable is exhausted and its close() was called
//	X text     the app raised (traceback text); close() was called too
//
// Exactly one E or X ends every request. Go may send C (cancel, payload: the
// request's id, then why) at any time to stop a request early: the runner
// stops iterating, calls close(), answers E or X, and Go reads and drops
// frames up to that end.
//
// Pipelining. Go does not wait for an answer before sending the next request:
// up to pipelineDepth Q frames may be in flight to one runner (pipeline.go),
// so a busy runner finds its next request already waiting, often several in
// one recv, and neither process sleeps between requests. The runner still
// serves them one at a time, in order, and answers in that order, so Go
// matches answers to requests by position: no answer frame carries an id.
// Frames for later requests may arrive while the runner serves one (while it
// waits for D, or checks for C between a generator's chunks): it keeps them,
// in order, for their turn.
//
// Why ids, then: a C is sent when Go gives up on a response, and by the time
// it arrives the runner may have ended that request and started the next. The
// id says which request to stop; a C for any other is ignored.
//
// Why each answer is sent as soon as it is complete, rather than several
// batched into one write: the request behind it may be slow (a database
// query, a sleep), and a finished answer must not wait for it.

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// Frame kinds. The letters are shared with runner.py.
const (
	kindReady   = 'R' // runner → Go: the app is loaded
	kindFailed  = 'F' // runner → Go: the app could not be loaded
	kindHead    = 'H' // runner → Go: status and headers
	kindBody    = 'B' // runner → Go: a body chunk
	kindEnd     = 'E' // runner → Go: the response is complete
	kindExc     = 'X' // runner → Go: the app raised
	kindLog     = 'L' // runner → Go: wsgi.errors text
	kindInput   = 'I' // runner → Go: wsgi.input wants data
	kindRequest = 'Q' // Go → runner: a request
	kindData    = 'D' // Go → runner: request body data
	kindCancel  = 'C' // Go → runner: stop this request
)

const frameHeaderLen = 5

// readBufferSize is the size of the bufio.Reader in front of the socket. Frames
// that fit are read without copying; bigger ones get a buffer of their own.
const readBufferSize = 64 << 10

// readFrame reads the next frame from br. The payload aliases br's buffer when
// it fits there and is then valid only until the next read: callers copy what
// they keep.
func readFrame(br *bufio.Reader) (kind byte, payload []byte, err error) {
	hdr, err := br.Peek(frameHeaderLen)
	if err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint32(hdr))
	kind = hdr[4]
	if _, err := br.Discard(frameHeaderLen); err != nil {
		return 0, nil, err
	}
	if n <= br.Size() {
		payload, err = br.Peek(n)
		if err != nil {
			return 0, nil, unexpected(err)
		}
		_, _ = br.Discard(n) // cannot fail: the n bytes are buffered
		return kind, payload, nil
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		return 0, nil, unexpected(err)
	}
	return kind, payload, nil
}

// unexpected turns an EOF inside a frame into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendFrameHeader appends a frame header for a payload of n bytes.
func appendFrameHeader(buf []byte, kind byte, n int) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(n))
	return append(buf, kind)
}

// beginFrame starts a frame whose length is not known yet; endFrame fills it in.
func beginFrame(buf []byte, kind byte) ([]byte, int) {
	start := len(buf)
	return appendFrameHeader(buf, kind, 0), start
}

// endFrame sets the length of the frame begun at start.
func endFrame(buf []byte, start int) []byte {
	binary.BigEndian.PutUint32(buf[start:], uint32(len(buf)-start-frameHeaderLen))
	return buf
}

// parseHead splits an H payload into the status and the headers. It copies the
// payload into one string and slices the fields out of it: one allocation for
// the text, one for the slice.
func parseHead(payload []byte) (status string, headers []wsgi.Header, err error) {
	text := string(payload)
	fields := 1
	for _, c := range payload {
		if c == 0 {
			fields++
		}
	}
	if fields%2 != 1 {
		return "", nil, fmt.Errorf("%w: head with %d fields", ErrProtocol, fields)
	}
	headers = make([]wsgi.Header, 0, fields/2)
	i := indexNUL(text)
	status, text = text[:i], text[min(i+1, len(text)):]
	for len(headers) < fields/2 {
		i = indexNUL(text)
		name := text[:i]
		text = text[i+1:]
		i = indexNUL(text)
		headers = append(headers, wsgi.Header{Name: name, Value: text[:i]})
		text = text[min(i+1, len(text)):]
	}
	return status, headers, nil
}

// indexNUL returns the index of the first NUL in s, or len(s).
func indexNUL(s string) int {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return i
	}
	return len(s)
}

package pyapp

// The wire protocol between pyapp and runner.py.
//
// Every message is a frame:
//
//	+---------------------+---------+-------------------+------------------+
//	| length: 4 bytes, BE | kind: 1 | request id: 4, BE | payload: length  |
//	+---------------------+---------+-------------------+------------------+
//
// Each side writes a whole message (a request; a head together with the
// body of a list-like response and its end) with one write system call: at
// tens of thousands of requests a second, system calls and the wake-ups they
// cause are the cost, not the bytes.
//
// Start-up, runner → Go (id 0): R ready ("pid\0interpreter") or F failed to
// load ("kind\0summary\0traceback\0interpreter\0sys.path").
//
// Go → runner:
//
//	Q environ  a request: the tuple (environ, body) in Python's marshal
//	           format (see marshal.go), so that the runner rebuilds the
//	           environ dict with one call into C. body is bytes (the body
//	           itself) or a 1-tuple (path,) naming the file it was spooled to.
//	C why      cancel: stop producing this response (the client went away)
//	W n        window: the response may send n more body bytes (see below)
//	T          take back: if this request has not started, answer N instead
//	P          ping (id: a sequence number); the runner answers P with it
//
// Runner → Go, for each request, in this order:
//
//	L text     the app wrote to wsgi.errors (any time; id 0 outside a request)
//	H head     status and headers, latin-1, NUL-separated: "200 OK\0Name\0value…",
//	           sent with the first non-empty chunk, as PEP 3333 asks
//	B chunk    a body chunk, as the app produced it
//	E          the end: the iterable is exhausted and its close() was called
//	X text     the app raised (traceback text); close() was called too
//	N          not run: taken back (T) before it started
//
// Exactly one E, X or N ends every request, cancelled or not. Because a runner
// may run several requests at once (Options.Threads), answers interleave:
// the id in every frame says which request a frame belongs to.
//
// Sending ahead. A dispatcher may send a request to a runner whose threads
// are all busy, so that the runner finds it the moment a thread frees,
// without waiting for Go: it then waits in the runner, in order. If another
// runner frees first, the dispatcher takes it back (T) and sends it there;
// a request that has started by then is not taken back, and ends as usual.
// With one thread the runner's main thread is running the app, so a T comes
// with SIGURG, whose handler reads it meanwhile.
//
// Flow control. Go reads every answer as fast as the runner writes it and
// keeps it (in memory, then in spool files) until the client has taken it,
// so a slow client never holds a Python thread. What Go holds is bounded: a
// request starts with a window of Options.ResponseMemory body bytes, and
// once it has used them the app's thread waits for a W frame, which Go sends
// as the client takes bytes, or ahead of need as it reserves disk for the
// response a megabyte at a time from the SpoolBudget all responses share.
// Only when that budget is spent does a response wait for its client.

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
	kindNotRun  = 'N' // runner → Go: taken back before it started
	kindRequest = 'Q' // Go → runner: a request
	kindCancel  = 'C' // Go → runner: stop this request
	kindWindow  = 'W' // Go → runner: more room for this response's body
	kindTake    = 'T' // Go → runner: take this request back, if not started
	kindPing    = 'P' // both ways: are you there? yes.
)

const frameHeaderLen = 9

// readBufferSize is the size of the bufio.Reader in front of the socket. Frames
// that fit are read without copying; bigger ones get a buffer of their own.
const readBufferSize = 64 << 10

// readFrame reads the next frame from br. The payload aliases br's buffer when
// it fits there and is then valid only until the next read: callers copy what
// they keep. A larger one comes from getBig, and is the caller's to give back.
func readFrame(br *bufio.Reader) (kind byte, id uint32, payload []byte, err error) {
	hdr, err := br.Peek(frameHeaderLen)
	if err != nil {
		return 0, 0, nil, unexpectedIfStarted(err, len(hdr))
	}
	n := int(binary.BigEndian.Uint32(hdr))
	kind = hdr[4]
	id = binary.BigEndian.Uint32(hdr[5:])
	if _, err := br.Discard(frameHeaderLen); err != nil {
		return 0, 0, nil, err
	}
	if n <= br.Size() {
		payload, err = br.Peek(n)
		if err != nil {
			return 0, 0, nil, unexpected(err)
		}
		_, _ = br.Discard(n) // cannot fail: the n bytes are buffered
		return kind, id, payload, nil
	}
	payload = getBig(n) // n > readBufferSize ≥ bigPoolMin: the caller gives it back with putBig (see bufpool.go)
	if _, err := io.ReadFull(br, payload); err != nil {
		putBig(payload)
		return 0, 0, nil, unexpected(err)
	}
	return kind, id, payload, nil
}

// ownsPayload reports whether a payload readFrame returned is the caller's
// to keep: one larger than br's buffer is read into a slice of its own,
// while a smaller one aliases br's buffer and must be copied.
func ownsPayload(br *bufio.Reader, payload []byte) bool { return len(payload) > br.Size() }

// unexpected turns an EOF inside a frame into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// unexpectedIfStarted keeps a clean EOF (no byte of a frame read) as io.EOF.
func unexpectedIfStarted(err error, have int) error {
	if have > 0 {
		return unexpected(err)
	}
	return err
}

// appendFrameHeader appends a frame header for a payload of n bytes.
func appendFrameHeader(buf []byte, kind byte, id uint32, n int) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(n))
	buf = append(buf, kind)
	return binary.BigEndian.AppendUint32(buf, id)
}

// appendFrame appends a whole frame.
func appendFrame(buf []byte, kind byte, id uint32, payload []byte) []byte {
	return append(appendFrameHeader(buf, kind, id, len(payload)), payload...)
}

// beginFrame starts a frame whose length is not known yet; endFrame fills it in.
func beginFrame(buf []byte, kind byte, id uint32) ([]byte, int) {
	start := len(buf)
	return appendFrameHeader(buf, kind, id, 0), start
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

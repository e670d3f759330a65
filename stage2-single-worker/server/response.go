package server

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// Errors an app can make in its response, each answered with a 500 (or a
// closed connection, if the response had started) and an error log line.
var (
	errBadStatus      = errors.New("invalid status line")
	errInterim        = errors.New("a 1xx status cannot end a response (no upgrade is served)")
	errBadHeader      = errors.New("invalid response header")
	errTwice          = errors.New("start_response called twice without exc_info")
	errNotStarted     = errors.New("app sent a body without calling start_response")
	errTooLong        = errors.New("response body longer than its Content-Length")
	errNoStartAtClose = errors.New("app returned without calling start_response")
)

// response is the server's side of start_response and of the body: it checks
// what the app says, frames the body, and writes it to the connection.
//
// Headers go out with the first non-empty chunk (or at the end, for an empty
// body), as PEP 3333 asks: until then the app may still replace them with a
// second start_response carrying exc_info.
type response struct {
	c *conn

	started bool // start_response was called
	sent    bool // the head is in the write buffer
	failed  error

	status        string
	code          int
	server        string        // the app's own Server header, if it sent one
	headers       []wsgi.Header // the app's headers, less those the server owns
	contentLength int64         // from the app's Content-Length, -1 when absent
	chunked       bool
	noBody        bool  // HEAD, 1xx, 204, 304: no body on the wire
	written       int64 // body bytes put on the wire
	keepAlive     bool

	// startFn and writeFn are r.startResponse and r.write as func values,
	// made once per connection: a method value made per request would be
	// an allocation per request.
	startFn wsgi.StartResponse
	writeFn wsgi.Write
	scratch []byte // formats chunk sizes
}

func (r *response) reset(c *conn, keepAlive bool) {
	startFn, writeFn := r.startFn, r.writeFn
	if startFn == nil {
		startFn, writeFn = r.startResponse, r.write
	}
	*r = response{
		c: c, headers: r.headers[:0], keepAlive: keepAlive, contentLength: -1,
		startFn: startFn, writeFn: writeFn, scratch: r.scratch[:0],
	}
}

// streaming reports whether the body may have more to come after what was
// written: the head is out and the Content-Length, if any, is not reached.
func (r *response) streaming() bool {
	return r.sent && r.c.bw.Buffered() > 0 && (r.contentLength < 0 || r.written < r.contentLength)
}

// startResponse is the StartResponse handed to the app.
func (r *response) startResponse(status string, headers []wsgi.Header, excInfo error) (wsgi.Write, error) {
	if r.started && excInfo == nil {
		return nil, errTwice
	}
	if excInfo != nil && r.sent {
		return nil, fmt.Errorf("%w: %w", wsgi.ErrHeadersSent, excInfo)
	}
	code, err := wsgi.CheckStatus(status)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBadStatus, err)
	}
	if code < 200 {
		// 100 Continue is the server's to send, and 101 would need an
		// upgrade gunicorn-go does not do: a final 1xx would leave the
		// client waiting for a response that never comes.
		return nil, fmt.Errorf("%w: %q", errInterim, status)
	}
	r.headers, r.server = r.headers[:0], ""
	r.contentLength = -1
	for _, h := range headers {
		// Surrounding whitespace is not part of a field value (RFC 9110
		// §5.5); Django's Set-Cookie begins with a space.
		h.Value = strings.Trim(h.Value, " \t")
		if err := wsgi.CheckHeader(h); err != nil {
			return nil, fmt.Errorf("%w: %w", errBadHeader, err)
		}
		switch {
		case strings.EqualFold(h.Name, "Content-Length"):
			// Digits only ("+5" would parse but is no valid field value),
			// and one value: two would leave the client to pick the framing.
			n, err := strconv.ParseInt(h.Value, 10, 64)
			if err != nil || !isDigits(h.Value) {
				return nil, fmt.Errorf("%w: Content-Length %q", errBadHeader, h.Value)
			}
			if r.contentLength >= 0 {
				return nil, fmt.Errorf("%w: more than one Content-Length", errBadHeader)
			}
			r.contentLength = n
			if code == 204 {
				continue // a 204 has no content, and says no length (RFC 9110 §8.6)
			}
		case strings.EqualFold(h.Name, "Connection"):
			// Hop-by-hop: the server owns it, but an app asking to close is heeded.
			if strings.EqualFold(strings.TrimSpace(h.Value), "close") {
				r.keepAlive = false
			}
			continue
		case wsgi.IsHopByHop(h.Name):
			r.c.s.ErrorLog.Debugf("dropping hop-by-hop response header %s set by the app", h.Name)
			continue
		case strings.EqualFold(h.Name, "Date"):
			// The server dates every response; two Dates would contradict.
			continue
		case strings.EqualFold(h.Name, "Server"):
			// One Server header: the app's, when it names itself (gunicorn
			// drops it; letting the app hide the server's version is kinder).
			r.server = h.Value
			continue
		}
		r.headers = append(r.headers, h)
	}
	r.started = true
	r.status, r.code = status, code
	r.noBody = r.c.req.Method == "HEAD" || code == 204 || code == 304
	if code == 204 {
		r.contentLength = -1
	}
	return r.writeFn, nil
}

// write sends one chunk of the body: it is both the legacy write() callable
// and what the server calls for each chunk the body yields.
func (r *response) write(chunk []byte) error {
	if r.failed != nil {
		return r.failed
	}
	if !r.started {
		return errNotStarted
	}
	if len(chunk) == 0 {
		return nil
	}
	if r.contentLength >= 0 && r.written+int64(len(chunk)) > r.contentLength {
		// Never put more on the wire than the head announced. Checked
		// before the head goes out, so a single chunk too long is a 500.
		return fmt.Errorf("%w (%d)", errTooLong, r.contentLength)
	}
	if !r.sent {
		r.sendHead(false)
	}
	if r.noBody {
		return nil
	}
	r.written += int64(len(chunk))
	bw := r.c.bw
	if r.chunked {
		r.scratch = strconv.AppendInt(r.scratch[:0], int64(len(chunk)), 16)
		bw.Write(r.scratch)
		bw.WriteString("\r\n")
		bw.Write(chunk)
		_, err := bw.WriteString("\r\n")
		return err
	}
	_, err := bw.Write(chunk)
	return err
}

// finish ends a response whose body was iterated to the end.
func (r *response) finish() error {
	if !r.started {
		return errNoStartAtClose
	}
	if !r.sent {
		r.sendHead(true)
	}
	if r.chunked {
		_, err := r.c.bw.WriteString("0\r\n\r\n")
		return err
	}
	if r.contentLength >= 0 && r.written < r.contentLength && !r.noBody {
		// The app sent less than it announced: the client must not wait for
		// the rest, nor take the next response for it.
		r.c.s.ErrorLog.Errorf("%s %s: response body of %d bytes shorter than its Content-Length %d", r.c.req.Method, r.c.req.Target, r.written, r.contentLength)
		r.keepAlive = false
	}
	return nil
}

// fail handles an app error: before the head went out, a plain 500; after,
// the connection is closed so the client sees a truncated response, never a
// fake complete one. Either way the error and its traceback are logged.
func (r *response) fail(err error) {
	if r.failed != nil {
		return
	}
	r.failed = err
	r.keepAlive = false
	if clientGone(err) {
		// Nothing to fix on our side: as gunicorn's "Ignoring EPIPE", a
		// debug line, not an error an operator would be paged for.
		r.c.s.ErrorLog.Debugf("Ignoring the client of %s, gone: %v", r.c.req.Target, err)
	} else {
		r.c.s.ErrorLog.Errorf("Error handling request %s\n%s", r.c.req.Target, traceback(err))
	}
	if r.sent {
		return
	}
	r.code = wsgi.StatusOf(err) // 500, or 502, 503, 504 when what runs the app failed
	r.written = writeSimple(r.c.bw, r.c.req.Proto, r.code, r.c.req.Method == "HEAD")
}

// clientGone reports whether err says the client hung up or stopped reading
// (a write timed out), rather than that the app failed.
func clientGone(err error) bool {
	var exc wsgi.Exception
	if errors.As(err, &exc) {
		return false // the app's own, whatever it says
	}
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded)
}

// traceback returns what the error log shows of an app error: a Python
// app's whole traceback, else the error's text.
func traceback(err error) string {
	return strings.TrimRight(wsgi.TracebackOf(err), "\n")
}

// sendHead writes the status line and headers. empty says the body is
// known to be empty (the app finished without a chunk).
func (r *response) sendHead(empty bool) {
	r.sent = true
	zeroLength := false // not one of the app's headers: the access log shows those
	switch {
	case r.noBody || r.contentLength >= 0:
	case empty:
		r.contentLength, zeroLength = 0, true
	case r.c.req.Minor >= 1:
		r.chunked = true
	default:
		// HTTP/1.0 has no chunked coding: the body ends when the connection does.
		r.keepAlive = false
	}
	if r.c.s.closing() {
		r.keepAlive = false // shutting down: this response is the connection's last
	}
	bw := r.c.bw
	bw.WriteString(r.c.req.Proto)
	bw.WriteByte(' ')
	bw.WriteString(r.status)
	bw.WriteString("\r\nServer: ")
	bw.WriteString(orDefault(r.server, ServerHeader))
	bw.WriteString("\r\nDate: ")
	bw.WriteString(dates.now())
	if r.keepAlive {
		bw.WriteString("\r\nConnection: keep-alive\r\n")
	} else {
		bw.WriteString("\r\nConnection: close\r\n")
	}
	for _, h := range r.headers {
		bw.WriteString(h.Name)
		bw.WriteString(": ")
		bw.WriteString(h.Value)
		bw.WriteString("\r\n")
	}
	if r.chunked {
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	} else if zeroLength {
		bw.WriteString("Content-Length: 0\r\n")
	}
	bw.WriteString("\r\n")
}

// header returns the last value of a response header, for the access log's
// %({name}o)s, as in gunicorn; ok is false when there is none.
func (r *response) header(name string) (string, bool) {
	for i := len(r.headers) - 1; i >= 0; i-- {
		if strings.EqualFold(r.headers[i].Name, name) {
			return r.headers[i].Value, true
		}
	}
	return "", false
}

// writeSimple writes a complete small response from the server itself: an
// error page for a refused request or a failed app, without its body for a
// HEAD request. It always closes, and returns the body's size.
func writeSimple(bw *bufio.Writer, proto string, code int, head bool) int64 {
	if proto != "HTTP/1.0" {
		proto = "HTTP/1.1"
	}
	text := http.StatusText(code)
	body := text + "\n"
	fmt.Fprintf(bw, "%s %d %s\r\nServer: %s\r\nDate: %s\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n",
		proto, code, text, ServerHeader, dates.now(), len(body))
	if head {
		return 0
	}
	bw.WriteString(body)
	return int64(len(body))
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

package wsgi

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// bufferSize is how much a handler may write before its output leaves as a
// chunk; net/http's server buffers as much.
const bufferSize = 4096

// responseWriter is the http.ResponseWriter (and http.Flusher) a handler
// served by FromHTTPHandler writes to. It lives on the handler's goroutine;
// what it sends over events belongs to the receiver.
type responseWriter struct {
	method string
	header http.Header
	events chan<- event
	done   <-chan struct{} // closed when the server closed the body

	status    int    // 0 until WriteHeader or the first Write
	committed bool   // the status and headers were sent
	buf       []byte // written, not yet sent
	err       error  // sticky: ErrResponseClosed, or a bad WriteHeader
}

// Header returns the response headers, changeable until the first chunk leaves.
func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader sets the status. As under net/http, only the first call counts;
// 1xx codes are ignored (WSGI has no interim responses), and a code outside
// 100-999 fails the response.
func (w *responseWriter) WriteHeader(code int) {
	switch {
	case w.status != 0 || w.err != nil:
	case code < 100 || code > 999:
		w.err = fmt.Errorf("WriteHeader: invalid status code %d", code)
	case code >= 200:
		w.status = code
	}
}

// Write buffers p, sending the buffer as a chunk once it holds bufferSize
// bytes. It returns ErrResponseClosed once the server closed the body, and
// http.ErrBodyNotAllowed for a status that has no body (1xx, 204, 304).
func (w *responseWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.WriteHeader(http.StatusOK)
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) >= bufferSize {
		if err := w.send(event{}); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush sends what is buffered now, starting the response if need be.
func (w *responseWriter) Flush() {
	_ = w.FlushError() // http.Flusher has no way to report it; Write will
}

// FlushError is Flush that says why it failed; http.ResponseController uses it.
func (w *responseWriter) FlushError() error {
	if w.err != nil {
		return w.err
	}
	if w.committed && len(w.buf) == 0 {
		return nil
	}
	w.WriteHeader(http.StatusOK)
	return w.send(event{})
}

// send sends ev with the buffer as its chunk, and the status and headers
// first if they have not gone yet.
func (w *responseWriter) send(ev event) error {
	if !w.committed {
		ev.start = w.startLine()
		w.committed = true
	}
	ev.chunk, w.buf = w.buf, nil
	select {
	case w.events <- ev:
		return nil
	case <-w.done:
		w.err = ErrResponseClosed
		return w.err
	}
}

// finish sends the last event once the handler returned with err.
func (w *responseWriter) finish(err error) {
	if err == nil && w.err != nil && !errors.Is(w.err, ErrResponseClosed) {
		err = w.err // a bad WriteHeader the handler ignored
	}
	switch {
	case err != nil && !w.committed:
		w.buf = nil // nothing went out: the server answers 500 instead
	case err == nil && !w.committed:
		// The whole body is known: say how long it is, as net/http does.
		w.WriteHeader(http.StatusOK)
		_, hasLength := w.header["Content-Length"]
		_, hasTE := w.header["Transfer-Encoding"]
		noBody := w.method == http.MethodHead && len(w.buf) == 0
		if !hasLength && !hasTE && !noBody && bodyAllowed(w.status) {
			w.header.Set("Content-Length", strconv.Itoa(len(w.buf)))
		}
	}
	ev := event{end: true, err: err}
	if err != nil && !w.committed {
		// No start line: Call, waiting for this, returns err.
		select {
		case w.events <- ev:
		case <-w.done:
		}
		return
	}
	// send fails only when the server closed the body: nobody listens then.
	_ = w.send(ev)
}

// startLine snapshots the status and headers for start_response: sorted by
// name as net/http writes them, without hop-by-hop headers, trailers or
// invalid names, control characters in values turned to spaces.
func (w *responseWriter) startLine() *startLine {
	if _, ok := w.header["Content-Type"]; !ok && len(w.buf) > 0 && bodyAllowed(w.status) {
		w.header.Set("Content-Type", http.DetectContentType(w.buf))
	}
	names := make([]string, 0, len(w.header))
	for name := range w.header {
		if isToken(name) && !IsHopByHop(name) && !strings.HasPrefix(name, http.TrailerPrefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var headers []Header
	for _, name := range names {
		for _, value := range w.header[name] {
			headers = append(headers, Header{name, controlToSpace(value)})
		}
	}
	text := http.StatusText(w.status)
	if text == "" {
		text = "status code " + strconv.Itoa(w.status)
	}
	return &startLine{status: strconv.Itoa(w.status) + " " + text, headers: headers}
}

// controlToSpace turns the control characters CheckHeaders forbids (CR and
// LF above all, which would split the header) into spaces.
// It works on bytes: a value need not be UTF-8.
func controlToSpace(value string) string {
	if strings.IndexFunc(value, isControl) < 0 {
		return value
	}
	b := []byte(value)
	for i, c := range b {
		if isControl(rune(c)) {
			b[i] = ' '
		}
	}
	return string(b)
}

// bodyAllowed reports whether a response with this status may have a body
// (RFC 9110: not 1xx, 204 or 304).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

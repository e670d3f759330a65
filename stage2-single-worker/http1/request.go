package http1

// Request is one parsed request head. ReadRequest fills it, reusing its
// memory: every string field is a slice of one string made from the head's
// bytes, so the strings stay valid (and unchanged) after the next
// ReadRequest, which builds a new one.
type Request struct {
	Method        string   // a token, case as sent
	Target        string   // request-target exactly as sent (gunicorn's RAW_URI)
	Path          string   // path part of Target, still percent-encoded; "/" for an absolute-form target without one; "*" for asterisk-form; "" for authority-form
	Query         string   // after the first '?', without it ("" if none)
	Proto         string   // "HTTP/1.0" or "HTTP/1.1"
	Minor         int      // 0 or 1
	Headers       []Header // in order received (a repeated Content-Length once); Name as sent, Value with surrounding OWS trimmed
	Host          string   // the Host header value, or the authority of an absolute-form target
	Scheme        string   // "http" or "https" for an absolute-form target, whatever its case; "" otherwise
	ContentLength int64    // -1 when the request has no Content-Length (chunked, or no body)
	Chunked       bool     // Transfer-Encoding: chunked
	KeepAlive     bool     // the connection may stay open after this request
	Expect100     bool     // "Expect: 100-continue" on an HTTP/1.1 request

	buf []byte // the head's bytes, CRLFs included; reused
}

// Header is one field line of the head.
type Header struct {
	Name, Value string
}

// Get returns the first header value with that name, compared without
// regard to ASCII case, and whether there was one.
func (r *Request) Get(name string) (string, bool) {
	for i := range r.Headers {
		if equalFold(r.Headers[i].Name, name) {
			return r.Headers[i].Value, true
		}
	}
	return "", false
}

// reset clears r for the next request, keeping its buffers unless the last
// head was unusually large.
func (r *Request) reset() {
	headers, buf := r.Headers[:0], r.buf[:0]
	if cap(buf) > maxRetainedBuf {
		buf = nil
	}
	if cap(headers) > 256 {
		headers = nil
	}
	clear(headers[:cap(headers)]) // drop references to the last head's string
	*r = Request{Headers: headers, buf: buf, ContentLength: -1}
}

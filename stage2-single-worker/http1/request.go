package http1

import (
	"fmt"
	"time"
)

// Request is one parsed request head. ReadRequest fills it, reusing its
// memory: every string field is a slice of the head's bytes, made a string
// once (the first smallHead bytes copied out of a reused buffer, the rest
// kept where they were read, in chunks never reused), so the strings stay
// valid (and unchanged) after the next ReadRequest.
//
// A large head's chunks are reserved from Limits.Memory, and the Request
// holds them until the next ReadRequest into it or Release.
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

	buf       []byte      // the head's first bytes (its first smallHead or so), CRLFs included; reused
	chunks    [][]byte    // the rest of a large head, each chunk's lines whole; never reused
	mem       *HeadMemory // where the chunks are reserved
	reserved  int64       // bytes of mem this Request holds
	allocated int64       // bytes of them the chunks take
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

// Release gives back the head memory r holds and forgets its head. Call it
// when done with a connection: a Request read into again releases its last
// head by itself. The strings taken from r stay valid.
func (r *Request) Release() {
	r.reset()
}

// reset clears r for the next request, releasing its reserved memory and
// keeping its buffers unless the last head was unusually large.
func (r *Request) reset() {
	if r.reserved > 0 {
		r.mem.release(r.reserved)
	}
	headers, buf, chunks := r.Headers[:0], r.buf[:0], r.chunks[:0]
	if cap(buf) > keptHeadBuf {
		buf = nil
	}
	if cap(headers) > 256 {
		headers = nil
	}
	clear(headers[:cap(headers)]) // drop references to the last head's strings
	clear(chunks[:cap(chunks)])
	*r = Request{Headers: headers, buf: buf, chunks: chunks, ContentLength: -1}
}

// reserve takes from lim's memory all that the rest of a large head may
// need under the limits, waiting for it until deadline: a Request never
// waits while it holds memory, so waiting heads cannot hold each other up.
// What the head did not use is given back by trim.
func (r *Request) reserve(lim Limits, rest, lineMax int, deadline time.Time) error {
	need := int64(chunksFor(rest, lineMax))
	mem := lim.memory()
	if err := mem.reserve(need, deadline); err != nil {
		return err
	}
	r.mem, r.reserved = mem, need
	return nil
}

// trim gives back the part of the reservation that no chunk took.
func (r *Request) trim() {
	if unused := r.reserved - r.allocated; unused > 0 {
		r.mem.release(unused)
		r.reserved = r.allocated
	}
}

// roomFor reports whether the last chunk has room for a line of lineMax
// bytes.
func (r *Request) roomFor(lineMax int) bool {
	n := len(r.chunks)
	return n > 0 && cap(r.chunks[n-1])-len(r.chunks[n-1]) >= lineMax+2
}

// newChunk cuts a chunk for lines of up to lineMax bytes from the
// reservation.
func (r *Request) newChunk(lineMax int) error {
	last := 0
	if n := len(r.chunks); n > 0 {
		last = cap(r.chunks[n-1])
	}
	size := chunkSize(last, lineMax)
	if r.allocated+int64(size) > r.reserved {
		// chunksFor said no more could be needed.
		return fmt.Errorf("http1: request head outgrew its reservation of %d bytes", r.reserved)
	}
	r.allocated += int64(size)
	r.chunks = append(r.chunks, make([]byte, 0, size))
	return nil
}

// hold reserves n more bytes from lim's memory for what the request keeps
// beside its head (a large trailer section), without waiting: the Request
// may hold memory already. Release gives them back with the head's.
func (r *Request) hold(lim Limits, n int64) error {
	mem := r.mem
	if mem == nil {
		mem = lim.memory()
	}
	if err := mem.reserve(n, time.Time{}); err != nil {
		return err
	}
	r.mem, r.reserved, r.allocated = mem, r.reserved+n, r.allocated+n
	return nil
}

package wsgi

import "io"

// App is a WSGI application: PEP 3333's `application(environ, start_response)`.
//
// Call is given the request's Environ and a StartResponse callable. It must
// call startResponse (once, or again only with excInfo) before the first
// non-empty chunk of its Body, and return the Body to be iterated. A non-nil
// error is an exception raised by the app: before the response has started the
// server answers 500 Internal Server Error; after, it closes the connection.
//
// Go apps, the net/http adapter and Python apps run by an app runner all
// implement App, so the server never needs to know which kind it serves.
type App interface {
	Call(environ *Environ, startResponse StartResponse) (Body, error)
}

// AppFunc lets an ordinary function be an App, like net/http's HandlerFunc.
type AppFunc func(environ *Environ, startResponse StartResponse) (Body, error)

// Call calls f(environ, startResponse).
func (f AppFunc) Call(environ *Environ, startResponse StartResponse) (Body, error) {
	return f(environ, startResponse)
}

// StartResponse is PEP 3333's start_response(status, response_headers, exc_info=None).
//
// status is a status line without the protocol, "200 OK". headers are the
// response headers in order. excInfo is nil on the first call; an app that
// caught an error and wants to replace the response passes it on a second call.
// If the headers have already been sent, that second call returns an error
// wrapping both ErrHeadersSent and excInfo (PEP 3333's "re-raise"), and the
// app must give up.
//
// The returned Write is the legacy write() callable: it sends its bytes at once,
// ahead of any chunk of the returned Body.
type StartResponse func(status string, headers []Header, excInfo error) (Write, error)

// Write is the legacy write(data) callable returned by StartResponse.
type Write func(data []byte) error

// Header is one response header, a (name, value) pair as in PEP 3333's
// response_headers list. Order is kept and names may repeat (Set-Cookie).
type Header struct {
	Name  string
	Value string
}

// Body is the iterable an App returns. Next yields the chunks in order and
// io.EOF after the last one; each chunk is sent before the next is asked for,
// so a Body can stream. Empty chunks are allowed and mean "nothing yet". A
// chunk is the server's until it calls Next again or Close, so a Body may
// reuse a chunk's memory after that (pyapp does, for large chunks): a
// server that keeps a chunk longer copies it.
//
// Close is PEP 3333's close(): the server calls it exactly once after the
// response, whether it completed, failed or the client went away.
type Body interface {
	Next() ([]byte, error)
	Close() error
}

// Version is wsgi.version.
var Version = [2]int{1, 0}

// Environ is the request as PEP 3333 describes it: CGI variables plus the
// wsgi.* keys.
//
// In Python the environ is a dict. Here the CGI and server variables
// (REQUEST_METHOD, PATH_INFO, HTTP_HOST, RAW_URI…) are an ordered list of
// pairs, Vars: a server fills it in the order it parses the request, an app
// runner sends it to Python in that order, and resetting it for the next
// request costs no allocation. Look keys up with Get. Values are "native
// strings": bytes from the wire, each byte one latin-1 character.
//
// The wsgi.* keys are fields, typed.
type Environ struct {
	// Vars holds the CGI and server variables, in order, each key once.
	Vars []Var

	// Input is wsgi.input, the request body; nil means an empty body.
	Input io.Reader
	// Errors is wsgi.errors; what an app writes goes to the error log.
	Errors io.Writer
	// URLScheme is wsgi.url_scheme, "http" or "https".
	URLScheme string
	// Multithread, Multiprocess and RunOnce are the wsgi.* flags of the same names.
	Multithread  bool
	Multiprocess bool
	RunOnce      bool
}

// Var is one environ variable.
type Var struct {
	Key   string
	Value string
}

// Get returns the value of key and whether it is set.
func (e *Environ) Get(key string) (string, bool) {
	for i := range e.Vars {
		if e.Vars[i].Key == key {
			return e.Vars[i].Value, true
		}
	}
	return "", false
}

// Set sets key to value, replacing an earlier value.
func (e *Environ) Set(key, value string) {
	for i := range e.Vars {
		if e.Vars[i].Key == key {
			e.Vars[i].Value = value
			return
		}
	}
	e.Vars = append(e.Vars, Var{key, value})
}

// Del removes key.
func (e *Environ) Del(key string) {
	for i := range e.Vars {
		if e.Vars[i].Key == key {
			e.Vars = append(e.Vars[:i], e.Vars[i+1:]...)
			return
		}
	}
}

// InputBuffer is implemented by an Environ's Input when the whole body is
// already read: in memory (Bytes) or spooled to a file (Path, the file's name).
// An app runner uses it to hand the body over without copying it through a
// pipe. Exactly one of the two is set; both empty means an empty body.
type InputBuffer interface {
	io.Reader
	Buffered() (data []byte, path string)
}

// Chunks returns a Body that yields the given chunks, like returning a list
// from a Python app.
func Chunks(chunks ...[]byte) Body {
	return &sliceBody{chunks: chunks}
}

type sliceBody struct {
	chunks [][]byte
}

func (b *sliceBody) Next() ([]byte, error) {
	if len(b.chunks) == 0 {
		return nil, io.EOF
	}
	c := b.chunks[0]
	b.chunks = b.chunks[1:]
	return c, nil
}

func (b *sliceBody) Close() error { return nil }

package wsgi

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
)

// Checker is an App that checks, at every step of every request, that the app
// it wraps and the server that calls it keep PEP 3333's rules. Make one with
// Validate.
//
// A broken rule is a *Violation (see the Rule constants). Where the app broke
// it, the Checker returns the violation to the server in place of what the app
// gave, as if the app had raised it; where the server broke it, the Checker
// returns it from the server's own call (Next, Close) when it can. Either way
// it records every violation, and Err reports them all at the end of a test,
// with one "body never closed" for every Body the server never closed.
//
// A Checker is safe for concurrent requests.
type Checker struct {
	app App

	mu       sync.Mutex
	seen     []error                 // guarded by mu: the violations, in order
	open     map[*checkedBody]string // guarded by mu: bodies not yet closed, with their request
	requests int                     // guarded by mu: calls so far, to name requests
}

// Validate wraps app in a Checker, the Go twin of Python's wsgiref.validate:
//
//	v := wsgi.Validate(app)
//	serve(v) // a server under test, or call v.Call directly
//	...      // once every request has finished:
//	if err := v.Err(); err != nil {
//		t.Fatal(err)
//	}
func Validate(app App) *Checker {
	return &Checker{app: app, open: map[*checkedBody]string{}}
}

// Err returns nil when no rule was broken, or every violation seen so far
// joined into one error, each a *Violation (test one with
// errors.Is(err, wsgi.RuleX)). Call it once the server has finished with every
// request: a Body still being served counts as never closed.
func (c *Checker) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	errs := append([]error(nil), c.seen...)
	var unclosed []string
	for _, request := range c.open {
		unclosed = append(unclosed, request)
	}
	sort.Strings(unclosed)
	for _, request := range unclosed {
		errs = append(errs, violation(RuleNeverClosed, "%s", request))
	}
	return errors.Join(errs...)
}

// Call checks the environ, then calls the wrapped app with a checking
// start_response, and returns its Body wrapped to check the iteration.
func (c *Checker) Call(environ *Environ, startResponse StartResponse) (Body, error) {
	c.mu.Lock()
	c.requests++
	request := fmt.Sprintf("request %d (%s)", c.requests, describe(environ))
	c.mu.Unlock()

	if err := CheckEnviron(environ); err != nil {
		return nil, c.record(err)
	}
	r := &response{checker: c, server: startResponse}
	body, err := c.app.Call(environ, r.startResponse)
	if err != nil {
		return body, err // the app raised: the server's to handle
	}
	if body == nil {
		return nil, c.record(violation(RuleNilBody, "%s", request))
	}
	b := &checkedBody{r: r, body: body}
	c.mu.Lock()
	c.open[b] = request
	c.mu.Unlock()
	return b, nil
}

// record remembers err (one violation or several joined) and returns it.
func (c *Checker) record(err error) error {
	c.mu.Lock()
	c.seen = append(c.seen, err)
	c.mu.Unlock()
	return err
}

// describe names a request for messages: "GET /path?query".
func describe(env *Environ) string {
	method, _ := env.Get("REQUEST_METHOD")
	script, _ := env.Get("SCRIPT_NAME")
	path, _ := env.Get("PATH_INFO")
	if query, _ := env.Get("QUERY_STRING"); query != "" {
		path += "?" + query
	}
	return method + " " + script + path
}

// response is the state of one request's response, shared by the checking
// start_response, write and Body.
type response struct {
	checker *Checker
	server  StartResponse

	mu          sync.Mutex
	started     bool // guarded by mu: start_response succeeded
	headersSent bool // guarded by mu: a non-empty chunk passed, or write() was called
	ended       bool // guarded by mu: Next returned an error or io.EOF
	closed      bool // guarded by mu: Close was called
}

// startResponse checks the app's call, passes it to the server and, when
// the headers were already sent, checks that the server re-raised.
func (r *response) startResponse(status string, headers []Header, excInfo error) (Write, error) {
	r.mu.Lock()
	started, sent := r.started, r.headersSent
	r.mu.Unlock()

	if started && excInfo == nil {
		return nil, r.checker.record(violation(RuleStartTwice, "status %q", status))
	}
	if excInfo != nil && sent {
		_, err := r.server(status, headers, excInfo)
		if !errors.Is(err, ErrHeadersSent) || !errors.Is(err, excInfo) {
			r.checker.record(violation(RuleReRaise, "it returned %v", err))
			err = fmt.Errorf("%w: %w", ErrHeadersSent, excInfo)
		}
		return nil, err // the app must give up
	}
	_, statusErr := CheckStatus(status)
	if err := errors.Join(statusErr, CheckHeaders(headers)); err != nil {
		return nil, r.checker.record(err)
	}
	write, err := r.server(status, headers, excInfo)
	if err != nil {
		return nil, fmt.Errorf("start_response %q: %w", status, err)
	}
	if write == nil {
		// Only an app that uses write() suffers, so fail there.
		r.checker.record(violation(RuleNilWrite, "status %q", status))
	}
	r.mu.Lock()
	r.started = true
	r.mu.Unlock()
	return r.checkedWrite(write), nil
}

// checkedWrite wraps the server's write(): once it is called the headers
// count as sent, and it must not be used after the body was closed.
func (r *response) checkedWrite(write Write) Write {
	return func(data []byte) error {
		r.mu.Lock()
		closed := r.closed
		r.headersSent = true
		r.mu.Unlock()
		switch {
		case closed:
			return r.checker.record(violation(RuleWriteAfterClose, "%d bytes", len(data)))
		case write == nil:
			return violation(RuleNilWrite, "write of %d bytes", len(data))
		}
		return write(data)
	}
}

// checkedBody wraps the app's Body to check how the app yields and how the
// server iterates and closes.
type checkedBody struct {
	r    *response
	body Body
}

func (b *checkedBody) Next() ([]byte, error) {
	r := b.r
	r.mu.Lock()
	closed, ended := r.closed, r.ended
	r.mu.Unlock()
	switch {
	case closed:
		return nil, r.checker.record(violation(RuleNextAfterClose, "Next after Close"))
	case ended:
		return nil, r.checker.record(violation(RuleNextAfterEnd, "Next after the body's end or error"))
	}

	chunk, err := b.body.Next()

	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil:
		r.ended = true
		if err == io.EOF && !r.started {
			return nil, r.checker.record(violation(RuleNoStart, "io.EOF before start_response"))
		}
		return chunk, err
	case len(chunk) > 0 && !r.started:
		r.ended = true
		return nil, r.checker.record(violation(RuleStartBeforeBody, "chunk of %d bytes", len(chunk)))
	case len(chunk) > 0:
		r.headersSent = true
	}
	return chunk, nil
}

func (b *checkedBody) Close() error {
	r := b.r
	r.mu.Lock()
	closed := r.closed
	r.closed = true
	r.mu.Unlock()
	if closed {
		return r.checker.record(violation(RuleCloseTwice, "second Close"))
	}
	r.checker.mu.Lock()
	delete(r.checker.open, b)
	r.checker.mu.Unlock()
	return b.body.Close()
}

package wsgi

import "errors"

// Sentinel errors. Check them with errors.Is: the errors this package returns
// wrap them with the details.
var (
	// ErrHeadersSent is wrapped by the error StartResponse returns (PEP 3333's
	// re-raise) when it is called with excInfo after the headers went out.
	ErrHeadersSent = errors.New("wsgi: start_response called with exc_info after headers were sent")

	// ErrInvalid is wrapped by every Violation: an app or a server broke a
	// rule of PEP 3333 (see Validate and the Rule constants).
	ErrInvalid = errors.New("wsgi: invalid")

	// ErrResponseClosed is returned by the net/http adapter's ResponseWriter
	// when the handler writes after the server closed the response body
	// (the client went away or the server gave up), so the handler can stop.
	ErrResponseClosed = errors.New("wsgi: response closed")
)

// Errors an App returns to say that the request failed not because the app
// raised, but because what runs the app did: a server answers each with its
// own status instead of 500 (see StatusOf). An app runner wraps them, so the
// server needs to know nothing of how the app is run.
var (
	// ErrAppLoad: the app can no longer be loaded (a worker restarted and the
	// code on disk no longer imports). Every request would fail the same way,
	// so a server should stop rather than answer each with 500.
	ErrAppLoad = errors.New("wsgi: the app cannot be loaded")

	// ErrBadGateway: the process running the app died, or broke its
	// protocol, in the middle of the request (502).
	ErrBadGateway = errors.New("wsgi: the app's process failed")

	// ErrGatewayTimeout: the request ran longer than it is allowed to and
	// was abandoned (504).
	ErrGatewayTimeout = errors.New("wsgi: the app took too long")

	// ErrUnavailable: nothing can run the request now, for example every
	// worker is stopping (503).
	ErrUnavailable = errors.New("wsgi: the app is unavailable")
)

// StatusOf is the status a server answers an App's error with, when the
// response has not started: 502, 504 or 503 for the errors above, 500 for
// anything else (an exception the app raised).
func StatusOf(err error) int {
	switch {
	case errors.Is(err, ErrBadGateway):
		return 502
	case errors.Is(err, ErrGatewayTimeout):
		return 504
	case errors.Is(err, ErrUnavailable), errors.Is(err, ErrAppLoad):
		return 503
	}
	return 500
}

// Exception is implemented by an App's error that carries a traceback, as
// a Python exception does. The error log shows the traceback whole, where
// for other errors it shows Error().
type Exception interface {
	error
	Traceback() string
}

// TracebackOf returns the traceback of err when it is (or wraps) an
// Exception with one, else err.Error().
func TracebackOf(err error) string {
	var exc Exception
	if errors.As(err, &exc) {
		if tb := exc.Traceback(); tb != "" {
			return tb
		}
	}
	return err.Error()
}

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

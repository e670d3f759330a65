package http1

import (
	"errors"
	"strconv"
)

// Error is a request the server must refuse. Status is the response code to
// send: 400 Bad Request, 414 URI Too Long, 417 Expectation Failed, 431 Request
// Header Fields Too Large, 501 Not Implemented (a transfer coding other than
// chunked), 503 Service Unavailable (no memory left for a large head; see
// HeadMemory) or 505 HTTP Version Not Supported. Reason is a short text for
// the error log. After an *Error the connection's framing is unknown: the
// server answers and closes it.
type Error struct {
	Status int
	Reason string
}

// Error formats the refusal as "http1: 400 bad request line".
func (e *Error) Error() string {
	return "http1: " + strconv.Itoa(e.Status) + " " + e.Reason
}

// The refusals, one constructor per status so call sites read as the rule.
func badRequest(reason string) error     { return &Error{Status: 400, Reason: reason} }
func uriTooLong(reason string) error     { return &Error{Status: 414, Reason: reason} }
func expectFailed(reason string) error   { return &Error{Status: 417, Reason: reason} }
func fieldsTooLarge(reason string) error { return &Error{Status: 431, Reason: reason} }
func notImplemented(reason string) error { return &Error{Status: 501, Reason: reason} }
func unavailable(reason string) error    { return &Error{Status: 503, Reason: reason} }
func badVersion(reason string) error     { return &Error{Status: 505, Reason: reason} }

// Sentinel errors. ErrBadEscape is exported for the server; the others are
// internal signals from readLine that callers turn into an *Error whose
// status depends on which line was being read.
var (
	// ErrBadEscape is returned (wrapped) by Unescape for a '%' not followed
	// by two hex digits.
	ErrBadEscape = errors.New("http1: bad percent-escape")

	errLineTooLong = errors.New("http1: line too long")
	errBareLF      = errors.New("http1: line ends in LF without CR")
)

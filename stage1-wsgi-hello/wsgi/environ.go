package wsgi

import (
	"bytes"
	"io"
	"net/url"
	"strings"
)

// NewEnviron returns the environ of a made-up request, method target, as if a
// client at 127.0.0.1 had sent it to localhost:8000 over HTTP/1.1: every key
// PEP 3333 requires, plus gunicorn's RAW_URI. It is for callers with no
// network to take a request from: stage 1's command and tests. target is
// "/path?query"; the path is percent-decoded into PATH_INFO (a bad escape is
// kept as it is). body becomes wsgi.input; the caller sets CONTENT_TYPE and
// CONTENT_LENGTH when it wants them, and Errors (io.Discard until then).
func NewEnviron(method, target string, body io.Reader) *Environ {
	path, query, _ := strings.Cut(target, "?")
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	return &Environ{
		Vars: []Var{
			{Key: "REQUEST_METHOD", Value: method},
			{Key: "SCRIPT_NAME", Value: ""},
			{Key: "PATH_INFO", Value: path},
			{Key: "QUERY_STRING", Value: query},
			{Key: "RAW_URI", Value: target},
			{Key: "SERVER_NAME", Value: "localhost"},
			{Key: "SERVER_PORT", Value: "8000"},
			{Key: "SERVER_PROTOCOL", Value: "HTTP/1.1"},
			{Key: "REMOTE_ADDR", Value: "127.0.0.1"},
			{Key: "HTTP_HOST", Value: "localhost:8000"},
		},
		Input:     body,
		Errors:    io.Discard,
		URLScheme: "http",
	}
}

// BytesInput is a request body held in memory. It is an InputBuffer, so an
// app runner hands the bytes to Python in the request itself.
type BytesInput struct {
	bytes.Reader
	data []byte
}

// NewBytesInput returns data as a request body.
func NewBytesInput(data []byte) *BytesInput {
	b := &BytesInput{data: data}
	b.Reset(data)
	return b
}

// Buffered implements InputBuffer.
func (b *BytesInput) Buffered() (data []byte, path string) { return b.data, "" }

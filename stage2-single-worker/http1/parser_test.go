package http1

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// readOne parses in with lim, through a bufio.Reader of the given size (small
// sizes make every line cross buffer boundaries).
func readOne(t testing.TB, in string, lim Limits, bufSize int) (*Request, error) {
	t.Helper()
	req := new(Request)
	err := ReadRequest(bufio.NewReaderSize(strings.NewReader(in), bufSize), lim, req)
	return req, err
}

// statusOf returns the status of an *Error, or 0.
func statusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

var ignoreBuf = cmpopts.IgnoreUnexported(Request{})

// get11 is a minimal valid HTTP/1.1 request as parsed.
func get11(target, path, query string, headers ...Header) *Request {
	if headers == nil {
		headers = []Header{{"Host", "h"}}
	}
	return &Request{
		Method: "GET", Target: target, Path: path, Query: query,
		Proto: "HTTP/1.1", Minor: 1, Headers: headers, Host: "h",
		ContentLength: -1, KeepAlive: true,
	}
}

func TestReadRequestValid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Request
	}{
		{"origin-form", "GET /a/b HTTP/1.1\r\nHost: h\r\n\r\n", get11("/a/b", "/a/b", "")},
		{"query", "GET /p?x=1&y=%20 HTTP/1.1\r\nHost: h\r\n\r\n", get11("/p?x=1&y=%20", "/p", "x=1&y=%20")},
		{"second question mark stays in query", "GET /p?a?b HTTP/1.1\r\nHost: h\r\n\r\n", get11("/p?a?b", "/p", "a?b")},
		{"empty query", "GET /p? HTTP/1.1\r\nHost: h\r\n\r\n", get11("/p?", "/p", "")},
		{"percent-encoded path kept", "GET /a%2Fb HTTP/1.1\r\nHost: h\r\n\r\n", get11("/a%2Fb", "/a%2Fb", "")},
		{"raw UTF-8 in target, as nginx passes it", "GET /caf\xc3\xa9?q=\xe9 HTTP/1.1\r\nHost: h\r\n\r\n", get11("/caf\xc3\xa9?q=\xe9", "/caf\xc3\xa9", "q=\xe9")},
		{"leading empty lines skipped", "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", get11("/", "/", "")},
		{"OWS trimmed, tab and obs-text kept inside", "GET / HTTP/1.1\r\nHost: h\r\nX-A: \t a\tb \xe9 \t\r\nX-Empty:\r\n\r\n",
			get11("/", "/", "", Header{"Host", "h"}, Header{"X-A", "a\tb \xe9"}, Header{"X-Empty", ""})},
		{"header names as sent", "GET / HTTP/1.1\r\nhOsT: h\r\nX-Weird!#$%&'*+-.^_`|~9: v\r\n\r\n",
			get11("/", "/", "", Header{"hOsT", "h"}, Header{"X-Weird!#$%&'*+-.^_`|~9", "v"})},
		{"absolute-form", "GET http://example.com:8080/x?q HTTP/1.1\r\nHost: h\r\n\r\n", &Request{
			Method: "GET", Target: "http://example.com:8080/x?q", Path: "/x", Query: "q", Proto: "HTTP/1.1", Minor: 1,
			Headers: []Header{{"Host", "h"}}, Host: "example.com:8080", Scheme: "http", ContentLength: -1, KeepAlive: true}},
		{"absolute-form without path", "GET HTTPS://[::1]?q HTTP/1.1\r\nHost: h\r\n\r\n", &Request{
			Method: "GET", Target: "HTTPS://[::1]?q", Path: "/", Query: "q", Proto: "HTTP/1.1", Minor: 1,
			Headers: []Header{{"Host", "h"}}, Host: "[::1]", Scheme: "https", ContentLength: -1, KeepAlive: true}},
		{"asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &Request{
			Method: "OPTIONS", Target: "*", Path: "*", Proto: "HTTP/1.1", Minor: 1,
			Headers: []Header{{"Host", "h"}}, Host: "h", ContentLength: -1, KeepAlive: true}},
		{"authority-form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", &Request{
			Method: "CONNECT", Target: "example.com:443", Proto: "HTTP/1.1", Minor: 1,
			Headers: []Header{{"Host", "example.com:443"}}, Host: "example.com:443", ContentLength: -1, KeepAlive: true}},
		{"a later HTTP/1 is served as 1.1 (RFC 9110 §2.5)", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", get11("/", "/", "")},
		{"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", &Request{
			Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.0", ContentLength: -1}},
		{"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &Request{
			Method: "GET", Target: "/", Path: "/", Proto: "HTTP/1.0", ContentLength: -1, KeepAlive: true,
			Headers: []Header{{"Connection", "Keep-Alive"}}}},
		{"lower-case method is a token", "get / HTTP/1.1\r\nHost: h\r\n\r\n", func() *Request {
			r := get11("/", "/", "")
			r.Method = "get"
			return r
		}()},
		{"POST with body length", "POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-Continue\r\n\r\nabc", &Request{
			Method: "POST", Target: "/f", Path: "/f", Proto: "HTTP/1.1", Minor: 1,
			Headers: []Header{{"Host", "h"}, {"Content-Length", "3"}, {"Expect", "100-Continue"}},
			Host:    "h", ContentLength: 3, KeepAlive: true, Expect100: true}},
		{"chunked", "PUT /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n", &Request{
			Method: "PUT", Target: "/f", Path: "/f", Proto: "HTTP/1.1", Minor: 1,
			Headers: []Header{{"Host", "h"}, {"Transfer-Encoding", "Chunked"}, {"Connection", "close"}},
			Host:    "h", ContentLength: -1, Chunked: true}},
	}
	for _, tt := range tests {
		for _, size := range []int{16, 4096} {
			t.Run(fmt.Sprintf("%s/buffer %d", tt.name, size), func(t *testing.T) {
				got, err := readOne(t, tt.in, DefaultLimits, size)
				if err != nil {
					t.Fatalf("ReadRequest(%q) = %v, want nil", tt.in, err)
				}
				if diff := cmp.Diff(tt.want, got, ignoreBuf, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("ReadRequest(%q) (-want +got):\n%s", tt.in, diff)
				}
			})
		}
	}
}

// TestReadRequestFraming covers what the fields say: body length, chunked,
// persistence and 100-continue.
func TestReadRequestFraming(t *testing.T) {
	type framing struct {
		ContentLength int64
		Chunked       bool
		KeepAlive     bool
		Expect100     bool
	}
	const h11 = "POST / HTTP/1.1\r\nHost: h\r\n"
	const h10 = "POST / HTTP/1.0\r\n"
	tests := []struct {
		name   string
		fields string
		want   framing
	}{
		{"no body", h11, framing{-1, false, true, false}},
		{"content-length", h11 + "Content-Length: 42\r\n", framing{42, false, true, false}},
		{"content-length zero", h11 + "Content-Length: 0\r\n", framing{0, false, true, false}},
		{"content-length leading zeros", h11 + "Content-Length: 007\r\n", framing{7, false, true, false}},
		{"content-length max int64", h11 + "Content-Length: 9223372036854775807\r\n", framing{1<<63 - 1, false, true, false}},
		{"content-length repeated identical", h11 + "Content-Length: 5\r\ncontent-length: 5\r\n", framing{5, false, true, false}},
		{"chunked", h11 + "Transfer-Encoding: chunked\r\n", framing{-1, true, true, false}},
		{"chunked with empty list elements", h11 + "Transfer-Encoding: ,chunked,\r\n", framing{-1, true, true, false}},
		{"connection close", h11 + "Connection: close\r\n", framing{-1, false, false, false}},
		{"connection close in a list", h11 + "Connection: Upgrade, CLOSE\r\n", framing{-1, false, false, false}},
		{"connection close in a second field", h11 + "Connection: x\r\nConnection: close\r\n", framing{-1, false, false, false}},
		{"HTTP/1.0 closes by default", h10, framing{-1, false, false, false}},
		{"HTTP/1.0 keep-alive", h10 + "Connection: keep-alive\r\n", framing{-1, false, true, false}},
		{"HTTP/1.0 keep-alive and close", h10 + "Connection: keep-alive, close\r\n", framing{-1, false, false, false}},
		{"HTTP/1.0 keep-alive with a KELVIN SIGN is not keep-alive", h10 + "Connection: \u212aeep-alive\r\n", framing{-1, false, false, false}},
		{"expect 100-continue", h11 + "Expect: 100-continue\r\n", framing{-1, false, true, true}},
		{"expect 100-continue ignored in HTTP/1.0", h10 + "Expect: 100-continue\r\n", framing{-1, false, false, false}},
		{"empty expect ignored", h11 + "Expect: \r\n", framing{-1, false, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := readOne(t, tt.fields+"\r\n", DefaultLimits, 4096)
			if err != nil {
				t.Fatalf("ReadRequest = %v, want nil", err)
			}
			got := framing{req.ContentLength, req.Chunked, req.KeepAlive, req.Expect100}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("framing (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadRequestRefused covers every rule a request can break, with the
// status the server must answer.
func TestReadRequestRefused(t *testing.T) {
	const host = "Host: h\r\n"
	tests := []struct {
		name   string
		in     string
		status int
	}{
		// Request line (RFC 9112 §3).
		{"HTTP/0.9 simple request", "GET /\r\n\r\n", 400},
		{"no spaces", "GET\r\n\r\n", 400},
		{"two spaces after method", "GET  / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"two spaces before version", "GET /  HTTP/1.1\r\n" + host + "\r\n", 400},
		{"trailing space", "GET / HTTP/1.1 \r\n" + host + "\r\n", 400},
		{"leading space", " GET / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"tab separator", "GET\t/ HTTP/1.1\r\n" + host + "\r\n", 400},
		{"method not a token", "GE(T / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"method with non-ASCII", "G\xc3\x89T / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"space inside target", "GET /a b HTTP/1.1\r\n" + host + "\r\n", 400},
		{"control in target", "GET /a\x01 HTTP/1.1\r\n" + host + "\r\n", 400},
		{"DEL in target", "GET /a\x7f HTTP/1.1\r\n" + host + "\r\n", 400},
		{"NUL in target", "GET /a\x00 HTTP/1.1\r\n" + host + "\r\n", 400},
		{"fragment in target", "GET /a#f HTTP/1.1\r\n" + host + "\r\n", 400},
		{"relative target", "GET a/b HTTP/1.1\r\n" + host + "\r\n", 400},
		{"asterisk without OPTIONS", "GET * HTTP/1.1\r\n" + host + "\r\n", 400},
		{"authority-form without CONNECT", "GET example.com:80 HTTP/1.1\r\n" + host + "\r\n", 400},
		{"CONNECT with a path", "CONNECT / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"CONNECT without port", "CONNECT example.com HTTP/1.1\r\n" + host + "\r\n", 400},
		{"CONNECT with bad port", "CONNECT example.com:x HTTP/1.1\r\n" + host + "\r\n", 400},
		{"absolute-form other scheme", "GET ftp://h/ HTTP/1.1\r\n" + host + "\r\n", 400},
		{"absolute-form empty host", "GET http:///x HTTP/1.1\r\n" + host + "\r\n", 400},
		{"absolute-form userinfo", "GET http://u:p@h/x HTTP/1.1\r\n" + host + "\r\n", 400},
		{"absolute-form bad port", "GET http://h:8o/x HTTP/1.1\r\n" + host + "\r\n", 400},
		// Version (§2.3).
		{"HTTP/2.0", "GET / HTTP/2.0\r\n" + host + "\r\n", 505},
		{"HTTP/0.9 line", "GET / HTTP/0.9\r\n" + host + "\r\n", 505},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
		{"lower-case version", "GET / http/1.1\r\n" + host + "\r\n", 400},
		{"two-digit minor", "GET / HTTP/1.10\r\n" + host + "\r\n", 400},
		{"no minor", "GET / HTTP/1\r\n" + host + "\r\n", 400},
		{"not HTTP", "GET / FTP/1.1\r\n" + host + "\r\n", 400},
		// Line endings (§2.2).
		{"bare LF after request line", "GET / HTTP/1.1\n" + host + "\r\n", 400},
		{"bare LF after field", "GET / HTTP/1.1\r\nHost: h\n\r\n", 400},
		{"bare LF ending head", "GET / HTTP/1.1\r\nHost: h\r\n\n", 400},
		{"bare LF before request line", "\nGET / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"bare CR in request line", "GET /\r HTTP/1.1\r\n" + host + "\r\n", 400},
		{"too many empty lines", strings.Repeat("\r\n", 9) + "GET / HTTP/1.1\r\n" + host + "\r\n", 400},
		// Field lines (§5).
		{"obs-fold", "GET / HTTP/1.1\r\n" + host + "X: a\r\n b\r\n\r\n", 400},
		{"obs-fold with tab", "GET / HTTP/1.1\r\n" + host + "X: a\r\n\tb\r\n\r\n", 400},
		{"whitespace before first field", "GET / HTTP/1.1\r\n " + host + "\r\n", 400},
		{"space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},
		{"tab before colon", "GET / HTTP/1.1\r\n" + host + "X\t: a\r\n\r\n", 400},
		{"no colon", "GET / HTTP/1.1\r\n" + host + "X-A\r\n\r\n", 400},
		{"empty name", "GET / HTTP/1.1\r\n" + host + ": v\r\n\r\n", 400},
		{"name not a token", "GET / HTTP/1.1\r\n" + host + "X(A): v\r\n\r\n", 400},
		{"NUL in value", "GET / HTTP/1.1\r\n" + host + "X: a\x00b\r\n\r\n", 400},
		{"bare CR in value", "GET / HTTP/1.1\r\n" + host + "X: a\rb\r\n\r\n", 400},
		{"escape in value", "GET / HTTP/1.1\r\n" + host + "X: a\x1bb\r\n\r\n", 400},
		{"DEL in value", "GET / HTTP/1.1\r\n" + host + "X: a\x7f\r\n\r\n", 400},
		// Host (RFC 9112 §3.2).
		{"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"absolute-form without Host", "GET http://h/ HTTP/1.1\r\n\r\n", 400},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n", 400},
		{"two Hosts in HTTP/1.0", "GET / HTTP/1.0\r\nHost: h\r\nhost: i\r\n\r\n", 400},
		{"Host with path", "GET / HTTP/1.1\r\nHost: h/x\r\n\r\n", 400},
		{"Host with userinfo", "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", 400},
		{"Host with space", "GET / HTTP/1.1\r\nHost: h i\r\n\r\n", 400},
		{"Host bad port", "GET / HTTP/1.1\r\nHost: h:8o\r\n\r\n", 400},
		{"Host bad escape", "GET / HTTP/1.1\r\nHost: h%zz\r\n\r\n", 400},
		// Content-Length (RFC 9110 §8.6).
		{"content-length sign", "POST / HTTP/1.1\r\n" + host + "Content-Length: +5\r\n\r\n", 400},
		{"content-length negative", "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", 400},
		{"content-length hex", "POST / HTTP/1.1\r\n" + host + "Content-Length: 0x5\r\n\r\n", 400},
		{"content-length empty", "POST / HTTP/1.1\r\n" + host + "Content-Length:\r\n\r\n", 400},
		{"content-length inner space", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1 2\r\n\r\n", 400},
		{"content-length overflow", "POST / HTTP/1.1\r\n" + host + "Content-Length: 9223372036854775808\r\n\r\n", 400},
		{"content-length different values", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
		{"content-length different list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5, 6\r\n\r\n", 400},
		{"content-length identical list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5, 5\r\n\r\n", 400},
		{"content-length empty element", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5,\r\n\r\n", 400},
		// Transfer-Encoding (RFC 9112 §6.1, §6.3).
		{"TE and CL", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400},
		{"CL and TE", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"chunked twice", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400},
		{"chunked twice in two fields", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"chunked not last", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400},
		{"chunked with parameter", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked;x=1\r\n\r\n", 400},
		{"TE empty", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: \r\n\r\n", 400},
		{"TE not a token", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: \"chunked\"\r\n\r\n", 400},
		{"TE gzip alone", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n", 501},
		{"TE gzip then chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"TE identity", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: identity\r\n\r\n", 501},
		// Expect (RFC 9110 §10.1.1).
		{"unknown expectation", "POST / HTTP/1.1\r\n" + host + "Expect: 200-ok\r\n\r\n", 417},
		{"100-continue with another", "POST / HTTP/1.1\r\n" + host + "Expect: 100-continue, x\r\n\r\n", 417},
		{"100-continue with parameter", "POST / HTTP/1.1\r\n" + host + "Expect: 100-continue;a=b\r\n\r\n", 417},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readOne(t, tt.in, DefaultLimits, 4096)
			if got := statusOf(err); got != tt.status {
				t.Errorf("ReadRequest(%q) = %v, want status %d", tt.in, err, tt.status)
			}
		})
	}
}

func TestReadRequestLimits(t *testing.T) {
	line := func(n int) string { // a request line of exactly n bytes
		return "GET /" + strings.Repeat("a", n-len("GET / HTTP/1.1")) + " HTTP/1.1\r\n"
	}
	field := func(n int) string { // a field line of exactly n bytes
		return "X: " + strings.Repeat("v", n-3) + "\r\n"
	}
	fields := func(n int) string { return strings.Repeat("X: v\r\n", n) }
	const host = "Host: h\r\n"
	tests := []struct {
		name   string
		lim    Limits
		in     string
		status int // 0: accepted
	}{
		{"request line at limit", DefaultLimits, line(4094) + host + "\r\n", 0},
		{"request line over limit", DefaultLimits, line(4095) + host + "\r\n", 414},
		{"request line huge, stops early", DefaultLimits, line(1 << 20), 414},
		{"request line unlimited", Limits{RequestLine: 0, Fields: 100, FieldSize: 8190}, line(60000) + host + "\r\n", 0},
		{"request line unlimited still capped", Limits{RequestLine: 0, Fields: 100, FieldSize: 8190}, line(hardLineCap + 1), 414},
		{"request line small limit", Limits{RequestLine: 20, Fields: 100, FieldSize: 8190}, line(21) + host + "\r\n", 414},
		{"field at limit", DefaultLimits, line(20) + host + field(8190) + "\r\n", 0},
		{"field over limit", DefaultLimits, line(20) + host + field(8191) + "\r\n", 431},
		{"field size unlimited", Limits{RequestLine: 4094, Fields: 100, FieldSize: 0}, line(20) + host + field(60000) + "\r\n", 0},
		{"field size unlimited still capped", Limits{RequestLine: 4094, Fields: 100, FieldSize: 0}, line(20) + host + field(hardLineCap+1), 431},
		{"fields at limit", DefaultLimits, line(20) + host + fields(99) + "\r\n", 0},
		{"fields over limit", DefaultLimits, line(20) + host + fields(100) + "\r\n", 431},
		{"fields limit 2", Limits{RequestLine: 4094, Fields: 2, FieldSize: 8190}, line(20) + host + fields(2) + "\r\n", 431},
		{"whole head capped", Limits{}, line(20) + host + strings.Repeat(field(60000), 20) + "\r\n", 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readOne(t, tt.in, tt.lim, 4096)
			if got := statusOf(err); got != tt.status || (tt.status == 0 && err != nil) {
				t.Errorf("ReadRequest = %v, want status %d", err, tt.status)
			}
		})
	}
}

func TestReadRequestEndOfInput(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"nothing", "", io.EOF},
		{"only empty lines", "\r\n\r\n", io.EOF},
		{"part of a request line", "GE", io.ErrUnexpectedEOF},
		{"request line without CRLF", "GET / HTTP/1.1", io.ErrUnexpectedEOF},
		{"CR without LF", "GET / HTTP/1.1\r", io.ErrUnexpectedEOF},
		{"head without empty line", "GET / HTTP/1.1\r\nHost: h\r\n", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := readOne(t, tt.in, DefaultLimits, 4096); err != tt.want {
				t.Errorf("ReadRequest(%q) = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
	t.Run("read error is wrapped", func(t *testing.T) {
		boom := errors.New("boom")
		r := io.MultiReader(strings.NewReader("GET / HT"), iotest.ErrReader(boom))
		err := ReadRequest(bufio.NewReader(r), DefaultLimits, new(Request))
		if !errors.Is(err, boom) || statusOf(err) != 0 {
			t.Errorf("ReadRequest = %v, want an error wrapping %v", err, boom)
		}
	})
}

// TestPipelining reads several requests and their bodies from one buffer,
// as a client that pipelines sends them.
func TestPipelining(t *testing.T) {
	in := "POST /one HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello" +
		"POST /two HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n" +
		"\r\nGET /three?q HTTP/1.1\r\nHost: h\r\n\r\n" +
		"GET /four HTTP/1.0\r\n\r\n"
	want := []struct {
		path, body string
	}{{"/one", "hello"}, {"/two", "abcde"}, {"/three", ""}, {"/four", ""}}
	for _, size := range []int{16, 4096} {
		br := bufio.NewReaderSize(strings.NewReader(in), size)
		var req Request
		var body Body
		for i, w := range want {
			if err := ReadRequest(br, DefaultLimits, &req); err != nil {
				t.Fatalf("size %d: request %d: ReadRequest = %v", size, i, err)
			}
			body.Reset(br, &req, DefaultLimits)
			got, err := io.ReadAll(&body)
			if err != nil {
				t.Fatalf("size %d: request %d: read body: %v", size, i, err)
			}
			if req.Path != w.path || string(got) != w.body {
				t.Errorf("size %d: request %d = %s %q, want %s %q", size, i, req.Path, got, w.path, w.body)
			}
		}
		if err := ReadRequest(br, DefaultLimits, &req); err != io.EOF {
			t.Errorf("size %d: after the last request: %v, want io.EOF", size, err)
		}
	}
}

// TestRequestReuse checks that strings from one request survive the next
// ReadRequest into the same Request.
func TestRequestReuse(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("GET /first HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\nGET /second HTTP/1.1\r\nHost: b\r\n\r\n"))
	var req Request
	if err := ReadRequest(br, DefaultLimits, &req); err != nil {
		t.Fatal(err)
	}
	path, hdr := req.Path, req.Headers[1]
	if err := ReadRequest(br, DefaultLimits, &req); err != nil {
		t.Fatal(err)
	}
	if path != "/first" || hdr != (Header{"X", "1"}) {
		t.Errorf("first request's strings changed to %q %v", path, hdr)
	}
	if req.Path != "/second" || len(req.Headers) != 1 || req.Host != "b" {
		t.Errorf("second request = %s %v host %q", req.Path, req.Headers, req.Host)
	}
}

func TestGet(t *testing.T) {
	req, err := readOne(t, "GET / HTTP/1.1\r\nHost: h\r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n", DefaultLimits, 4096)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, header, want string
		ok                 bool
	}{
		{"exact", "Host", "h", true},
		{"other case", "X-DUP", "1", true},
		{"missing", "Accept", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := req.Get(tt.header); got != tt.want || ok != tt.ok {
				t.Errorf("Get(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	_, err := readOne(t, "GET / HTTP/1.1\r\n\r\n", DefaultLimits, 4096)
	if got, want := err.Error(), "http1: 400 HTTP/1.1 request without Host"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct {
		name, in, want string
		bad            bool
	}{
		{"plain", "/a/b", "/a/b", false},
		{"space", "/a%20b", "/a b", false},
		{"plus kept", "/a+b", "/a+b", false},
		{"slash decoded", "/a%2fb%2F", "/a/b/", false},
		{"raw bytes, not UTF-8", "/caf%C3%A9%FF", "/caf\xc3\xa9\xff", false},
		{"NUL", "/%00", "/\x00", false},
		{"percent encoded", "/100%25", "/100%", false},
		{"truncated", "/a%2", "", true},
		{"lone percent", "/a%", "", true},
		{"not hex", "/a%zz", "", true},
		{"half hex", "/a%2g", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unescape(tt.in)
			if tt.bad {
				if !errors.Is(err, ErrBadEscape) {
					t.Errorf("Unescape(%q) = %q, %v; want ErrBadEscape", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Unescape(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestSingletonFieldsRFC9110_5_3: a field whose grammar is one value (see
// singletons) sent twice is refused, since joining the two values makes a
// third that neither sender meant; list fields repeat freely. A repeated
// Content-Length with the same number is kept as one field (RFC 9110 §8.6,
// RFC 9112 §6.3), so the app sees "7", not "7,7".
func TestSingletonFieldsRFC9110_5_3(t *testing.T) {
	const start = "POST / HTTP/1.1\r\nHost: h\r\n"
	for _, name := range singletons {
		if name == "Host" || name == "Content-Length" {
			continue // below
		}
		t.Run("twice is 400: "+name, func(t *testing.T) {
			in := start + name + ": a\r\n" + strings.ToLower(name) + ": a\r\n\r\n"
			if _, err := readOne(t, in, DefaultLimits, 4096); statusOf(err) != 400 {
				t.Errorf("ReadRequest(%q) = %v, want a 400", in, err)
			}
		})
		t.Run("once is fine: "+name, func(t *testing.T) {
			if _, err := readOne(t, start+name+": a\r\nX-Other: b\r\n\r\n", DefaultLimits, 4096); err != nil {
				t.Errorf("ReadRequest = %v, want nil", err)
			}
		})
	}
	tests := []struct {
		name    string
		fields  string
		status  int      // 0: accepted
		headers []Header // when accepted
	}{
		{"RFC 9110 §7.2 two Hosts", "Host: h\r\n", 400, nil},
		{"RFC 9110 §8.6 same Content-Length twice is kept once", "Content-Length: 7\r\nX-A: 1\r\ncontent-length: 7\r\n", 0,
			[]Header{{"Host", "h"}, {"Content-Length", "7"}, {"X-A", "1"}}},
		{"RFC 9110 §8.6 same number, other spelling", "Content-Length: 7\r\nContent-Length: 007\r\n", 0,
			[]Header{{"Host", "h"}, {"Content-Length", "7"}}},
		{"RFC 9110 §8.6 different Content-Lengths", "Content-Length: 7\r\nContent-Length: 8\r\n", 400, nil},
		{"RFC 9110 §8.3 two Content-Types", "Content-Type: text/plain\r\nContent-Type: application/json\r\n", 400, nil},
		{"RFC 9110 §8.3 two identical Content-Types", "Content-Type: text/plain\r\nContent-Type: text/plain\r\n", 400, nil},
		{"RFC 9110 §11.6.2 two Authorizations", "Authorization: Basic YTpi\r\nAuthorization: Basic Yzpk\r\n", 400, nil},
		{"RFC 9110 §5.3 list fields repeat", "Accept: text/html\r\nAccept: */*\r\nX-A: 1\r\nx-a: 2\r\nCookie: a=1\r\nCookie: b=2\r\n", 0,
			[]Header{{"Host", "h"}, {"Accept", "text/html"}, {"Accept", "*/*"}, {"X-A", "1"}, {"x-a", "2"}, {"Cookie", "a=1"}, {"Cookie", "b=2"}}},
		{"RFC 9110 §5.3 response singletons are not checked", "Location: /a\r\nLocation: /b\r\n", 0,
			[]Header{{"Host", "h"}, {"Location", "/a"}, {"Location", "/b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, size := range []int{16, 4096} {
				req, err := readOne(t, start+tt.fields+"\r\n", DefaultLimits, size)
				if got := statusOf(err); got != tt.status || (tt.status == 0 && err != nil) {
					t.Fatalf("buffer %d: ReadRequest = %v, want status %d", size, err, tt.status)
				}
				if tt.status != 0 {
					continue
				}
				if diff := cmp.Diff(tt.headers, req.Headers); diff != "" {
					t.Errorf("buffer %d: headers (-want +got):\n%s", size, diff)
				}
			}
		})
	}
}

// TestSingletonLookup: singleton finds each name in any case, and nothing
// else, near misses included.
func TestSingletonLookup(t *testing.T) {
	for i, name := range singletons {
		for _, variant := range []string{name, strings.ToLower(name), strings.ToUpper(name)} {
			if got := singleton(variant); got != i {
				t.Errorf("singleton(%q) = %d, want %d", variant, got, i)
			}
		}
		near := []string{name[:len(name)-1] + "~", "~" + name[1:], name + "s", name[1:], strings.ReplaceAll(name, "-", "_")}
		for _, miss := range near {
			if got := singleton(miss); got >= 0 && miss != name {
				t.Errorf("singleton(%q) = %d, want -1", miss, got)
			}
		}
	}
	for _, other := range []string{"Accept", "Cookie", "X-Host", "Hos", "0", "Content-Encoding", "Location"} {
		if got := singleton(other); got >= 0 {
			t.Errorf("singleton(%q) = %d, want -1", other, got)
		}
	}
}

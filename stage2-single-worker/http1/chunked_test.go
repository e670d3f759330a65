package http1

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readBody reads a chunked body from in, through a bufio.Reader of the given
// size, and returns its bytes, its trailers, what is left after it and the
// error that ended it (nil at io.EOF).
func readBody(t testing.TB, in string, lim Limits, bufSize int) (body string, trailers []Header, rest string, err error) {
	t.Helper()
	br := bufio.NewReaderSize(strings.NewReader(in), bufSize)
	b := NewBody(br, &Request{Chunked: true, ContentLength: -1}, lim)
	got, err := io.ReadAll(b)
	left, rerr := io.ReadAll(br)
	if rerr != nil {
		t.Fatalf("read what follows the body: %v", rerr)
	}
	return string(got), b.Trailers(), string(left), err
}

func TestChunkedValid(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		body     string
		trailers []Header
	}{
		{"one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"empty body", "0\r\n\r\n", "", nil},
		{"several chunks", "1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n", "abcdef", nil},
		{"lower-case hex", "a\r\n0123456789\r\n0\r\n\r\n", "0123456789", nil},
		{"upper-case hex", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789", nil},
		{"leading zeros", "0005\r\nhello\r\n0000\r\n\r\n", "hello", nil},
		{"sixteen digits", "0000000000000005\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"data holding CRLF", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n", nil},
		{"extension name", "5;foo\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"extension token value", "5;foo=bar\r\nhello\r\n0;last\r\n\r\n", "hello", nil},
		{"extension quoted value", "5;foo=\"a b;\\\"c\\\\\"\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"several extensions", "5;a=1;b;c=\"\"\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"BWS around extension", "5 ;\ta = 1 ; b\r\nhello\r\n0\r\n\r\n", "hello", nil},
		{"trailers", "5\r\nhello\r\n0\r\nX-Sum: abc \r\nX-Other:1\r\n\r\n", "hello",
			[]Header{{"X-Sum", "abc"}, {"X-Other", "1"}}},
		{"RFC 9110 §6.5.1 fields that may be trailers", "5\r\nhello\r\n0\r\nDigest: sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\r\nServer-Timing: app;dur=3\r\n\r\n", "hello",
			[]Header{{"Digest", "sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="}, {"Server-Timing", "app;dur=3"}}},
	}
	for _, tt := range tests {
		for _, size := range []int{16, 4096} {
			t.Run(fmt.Sprintf("%s/buffer %d", tt.name, size), func(t *testing.T) {
				body, trailers, rest, err := readBody(t, tt.in+"NEXT", DefaultLimits, size)
				if err != nil {
					t.Fatalf("read %q: %v", tt.in, err)
				}
				if body != tt.body {
					t.Errorf("body = %q, want %q", body, tt.body)
				}
				if diff := cmp.Diff(tt.trailers, trailers); diff != "" {
					t.Errorf("trailers (-want +got):\n%s", diff)
				}
				if rest != "NEXT" {
					t.Errorf("after the body: %q, want %q", rest, "NEXT")
				}
			})
		}
	}
}

func TestChunkedRefused(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		lim    Limits
		status int
	}{
		{"empty size", "\r\nhello\r\n0\r\n\r\n", DefaultLimits, 400},
		{"not hex", "g\r\n", DefaultLimits, 400},
		{"plus sign", "+5\r\nhello\r\n0\r\n\r\n", DefaultLimits, 400},
		{"minus sign", "-5\r\nhello\r\n0\r\n\r\n", DefaultLimits, 400},
		{"0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", DefaultLimits, 400},
		{"leading space", " 5\r\nhello\r\n0\r\n\r\n", DefaultLimits, 400},
		{"trailing space", "5 \r\nhello\r\n0\r\n\r\n", DefaultLimits, 400},
		{"space inside", "1 0\r\n", DefaultLimits, 400},
		{"underscore", "1_0\r\n", DefaultLimits, 400},
		{"seventeen digits", "00000000000000005\r\nhello\r\n0\r\n\r\n", DefaultLimits, 400},
		{"overflows int64", "8000000000000000\r\n", DefaultLimits, 400},
		{"max uint64", "ffffffffffffffff\r\n", DefaultLimits, 400},
		{"bare LF after size", "5\nhello\r\n0\r\n\r\n", DefaultLimits, 400},
		{"bare CR in size line", "5\r;a\r\n", DefaultLimits, 400},
		{"data without CRLF", "5\r\nhelloX\r\n0\r\n\r\n", DefaultLimits, 400},
		{"data with bare LF", "5\r\nhello\n0\r\n\r\n", DefaultLimits, 400},
		{"data longer than size", "3\r\nhello\r\n0\r\n\r\n", DefaultLimits, 400},
		{"extension without name", "5;\r\nhello\r\n0\r\n\r\n", DefaultLimits, 400},
		{"extension without semicolon", "5 foo\r\n", DefaultLimits, 400},
		{"extension empty value", "5;a=\r\n", DefaultLimits, 400},
		{"extension trailing BWS", "5;a \r\n", DefaultLimits, 400},
		{"extension bad token", "5;a=b@c\r\n", DefaultLimits, 400},
		{"extension unterminated quote", "5;a=\"bc\r\n", DefaultLimits, 400},
		{"extension control in quote", "5;a=\"b\x01c\"\r\n", DefaultLimits, 400},
		{"extension too long", "5;a=" + strings.Repeat("x", maxChunkLine) + "\r\n", DefaultLimits, 400},
		{"trailer obs-fold", "0\r\nX: a\r\n b\r\n\r\n", DefaultLimits, 400},
		{"trailer without colon", "0\r\nX\r\n\r\n", DefaultLimits, 400},
		{"trailer bare LF", "0\r\nX: a\n\r\n", DefaultLimits, 400},
		{"trailer NUL", "0\r\nX: a\x00\r\n\r\n", DefaultLimits, 400},
		{"last chunk bare LF end", "0\r\n\n", DefaultLimits, 400},
		{"RFC 9110 §6.5.1 Content-Length in a trailer", "0\r\nContent-Length: 5\r\n\r\n", DefaultLimits, 400},
		{"RFC 9110 §6.5.1 Transfer-Encoding in a trailer", "0\r\ntransfer-encoding: chunked\r\n\r\n", DefaultLimits, 400},
		{"RFC 9110 §6.5.1 Host in a trailer", "0\r\nX-Sum: 1\r\nHOST: evil.example\r\n\r\n", DefaultLimits, 400},
		{"RFC 9110 §6.5.1 TE in a trailer", "0\r\nTE: trailers\r\n\r\n", DefaultLimits, 400},
		{"RFC 9110 §6.5.1 Trailer in a trailer", "0\r\nTrailer: X\r\n\r\n", DefaultLimits, 400},
		{"RFC 9110 §6.5.1 Authorization in a trailer", "0\r\nAuthorization: Basic YTpi\r\n\r\n", DefaultLimits, 400},
		{"RFC 9110 §6.5.1 Content-Type in a trailer", "0\r\nContent-Type: text/html\r\n\r\n", DefaultLimits, 400},
		{"RFC 9110 §6.5.1 Content-Encoding in a trailer", "0\r\nContent-Encoding: gzip\r\n\r\n", DefaultLimits, 400},
		{"RFC 9110 §6.5.1 Expect in a trailer", "0\r\nExpect: 100-continue\r\n\r\n", DefaultLimits, 400},
		{"RFC 9110 §6.5.1 Range in a trailer", "0\r\nRange: bytes=0-1\r\n\r\n", DefaultLimits, 400},
		{"RFC 9110 §6.5.1 Cookie in a trailer", "0\r\nCookie: session=x\r\n\r\n", DefaultLimits, 400},
		{"too many trailers", "0\r\n" + strings.Repeat("X: v\r\n", 3) + "\r\n", Limits{RequestLine: 100, Fields: 2, FieldSize: 100}, 431},
		{"trailer too long", "0\r\nX: " + strings.Repeat("v", 100) + "\r\n\r\n", Limits{RequestLine: 100, Fields: 2, FieldSize: 100}, 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := readBody(t, tt.in, tt.lim, 4096)
			if got := statusOf(err); got != tt.status {
				t.Errorf("read %q: %v, want status %d", tt.in, err, tt.status)
			}
		})
	}
}

func TestChunkedAtLimits(t *testing.T) {
	lim := Limits{RequestLine: 100, Fields: 2, FieldSize: 100}
	in := "5;a=" + strings.Repeat("x", maxChunkLine-4) + "\r\nhello\r\n0\r\nA: 1\r\nX: " + strings.Repeat("v", 97) + "\r\n\r\n"
	body, trailers, _, err := readBody(t, in, lim, 4096)
	if err != nil || body != "hello" || len(trailers) != 2 {
		t.Errorf("read at the limits = %q, %d trailers, %v; want hello, 2, nil", body, len(trailers), err)
	}
}

func TestChunkedTruncated(t *testing.T) {
	full := "5;a=b\r\nhello\r\n0\r\nX: y\r\n\r\n"
	for i := 0; i < len(full); i++ {
		t.Run(fmt.Sprintf("cut at %d", i), func(t *testing.T) {
			_, _, _, err := readBody(t, full[:i], DefaultLimits, 4096)
			if err != io.ErrUnexpectedEOF {
				t.Errorf("read %q: %v, want io.ErrUnexpectedEOF", full[:i], err)
			}
		})
	}
}

func TestContentLengthBody(t *testing.T) {
	tests := []struct {
		name    string
		length  int64
		in      string
		want    string
		wantErr error
	}{
		{"exact", 5, "hello", "hello", nil},
		{"stops at length", 5, "helloGET", "hello", nil},
		{"zero", 0, "GET", "", nil},
		{"no body", -1, "GET", "", nil},
		{"truncated", 10, "hello", "hello", io.ErrUnexpectedEOF},
		{"nothing", 1, "", "", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(tt.in), 16)
			body := NewBody(br, &Request{ContentLength: tt.length}, DefaultLimits)
			got, err := io.ReadAll(body)
			if string(got) != tt.want || err != tt.wantErr {
				t.Errorf("body = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
			end := tt.wantErr
			if end == nil {
				end = io.EOF
			}
			if _, again := body.Read(make([]byte, 1)); again != end {
				t.Errorf("Read after the end = %v, want %v again", again, end)
			}
		})
	}
}

// TestBodyLargeRead reads a large body in one call: it must not be split
// into tiny reads, nor read past the body.
func TestBodyLargeRead(t *testing.T) {
	data := strings.Repeat("0123456789", 10000)
	in := fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\nNEXT", len(data), data)
	body, _, rest, err := readBody(t, in, DefaultLimits, 4096)
	if err != nil || body != data || rest != "NEXT" {
		t.Errorf("large chunk: %d bytes, %v, rest %q", len(body), err, rest)
	}
}

// TestTrailerMemory: a trailer section past smallHead is held like a large
// head: reserved from Limits.Memory until the Request is released, and
// refused with 503 when none is left.
func TestTrailerMemory(t *testing.T) {
	trailers := strings.Repeat("X-Sum: "+strings.Repeat("0", 1000)+"\r\n", 20) // 20 KB
	in := "5\r\nhello\r\n0\r\n" + trailers + "\r\n"
	read := func(lim Limits) (*Request, error) {
		req := &Request{Chunked: true, ContentLength: -1}
		_, err := io.ReadAll(NewBody(bufio.NewReader(strings.NewReader(in)), req, lim))
		return req, err
	}
	lim := DefaultLimits
	lim.Memory = NewHeadMemory(16 << 10)
	req, err := read(lim)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if held := lim.Memory.InUse(); held < 10<<10 || held > 16<<10 {
		t.Errorf("%d bytes reserved for 20 KB of trailers, want about 12 KB", held)
	}
	second, err := read(lim)
	if statusOf(err) != 503 {
		t.Errorf("second body with the memory spent: %v, want a 503", err)
	}
	second.Release()
	req.Release()
	if n := lim.Memory.InUse(); n != 0 {
		t.Errorf("%d bytes reserved after Release", n)
	}
}

package http1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// FuzzReadRequest feeds arbitrary bytes to ReadRequest and NewBody as a
// pipelined connection and checks the invariants every outcome must keep.
// It also parses the input again through a 16-byte buffer, one byte per
// read, and requires the same outcome: framing must not depend on how the
// bytes arrive. Seeds: below and testdata/fuzz/FuzzReadRequest.
func FuzzReadRequest(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /p?q=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=\"y\"\r\nabc\r\n0\r\nT: v\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
		"CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n",
		"GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
		"GET / HTTP/1.1\nHost: h\n\n",
		"\r\n\r\nGET / HTTP/2.0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
		// Past smallHead: the last fields go into a reserved chunk.
		"GET / HTTP/1.1\r\nHost: h\r\n" + strings.Repeat("X-Fill: "+strings.Repeat("v", 1000)+"\r\n", 9) + "Content-Length: 2\r\nX: y\r\n\r\nab",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want := fuzzConnection(t, bufio.NewReader(bytes.NewReader(in)))
		got := fuzzConnection(t, bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(in)), 16))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("outcome depends on buffering (-4096 +16/one byte):\n%s", diff)
		}
	})
}

// fuzzConnection reads requests and bodies from br until an error, checks
// each, and returns a transcript of what it read.
func fuzzConnection(t *testing.T, br *bufio.Reader) []string {
	var (
		transcript []string
		req        Request
		body       Body
	)
	lim := DefaultLimits
	lim.Memory = NewHeadMemory(4 << 20) // this connection's alone
	defer func() {
		req.Release()
		if n := lim.Memory.InUse(); n != 0 {
			t.Errorf("%d bytes of head memory still reserved after Release", n)
		}
	}()
	for range 8 {
		err := ReadRequest(br, lim, &req)
		if err != nil {
			checkFuzzError(t, err, 400, 414, 417, 431, 501, 505)
			return append(transcript, err.Error())
		}
		checkRequest(t, &req)
		transcript = append(transcript, req.Method+" "+req.Target+" "+req.Proto)
		body.Reset(br, &req, lim)
		data, err := io.ReadAll(&body)
		if err != nil {
			checkFuzzError(t, err, 400, 431)
			return append(transcript, err.Error())
		}
		transcript = append(transcript, string(data))
	}
	return transcript
}

func checkFuzzError(t *testing.T, err error, statuses ...int) {
	t.Helper()
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is neither io.EOF, io.ErrUnexpectedEOF nor *Error", err)
	}
	for _, s := range statuses {
		if e.Status == s {
			return
		}
	}
	t.Fatalf("error %v has status %d, want one of %v", err, e.Status, statuses)
}

func checkRequest(t *testing.T, r *Request) {
	t.Helper()
	if !isToken(r.Method) {
		t.Errorf("method %q is not a token", r.Method)
	}
	if !(r.Proto == "HTTP/1.1" && r.Minor == 1 || r.Proto == "HTTP/1.0" && r.Minor == 0) {
		t.Errorf("version %q minor %d", r.Proto, r.Minor)
	}
	if r.Target == "" || strings.ContainsAny(r.Target, " \t\r\n\x00#") {
		t.Errorf("target %q", r.Target)
	}
	if r.Target[0] == '/' && r.Target != r.Path && r.Target != r.Path+"?"+r.Query {
		t.Errorf("target %q split into path %q and query %q", r.Target, r.Path, r.Query)
	}
	var seen [len(singletons)]bool
	for _, h := range r.Headers {
		if i := singleton(h.Name); i >= 0 {
			if seen[i] {
				t.Errorf("%s twice in an accepted request", h.Name)
			}
			seen[i] = true
		}
		if !isToken(h.Name) || strings.ContainsAny(h.Value, "\r\n\x00") || h.Value != trimOWS(h.Value) {
			t.Errorf("header %q: %q", h.Name, h.Value)
		}
	}
	if r.Chunked && r.ContentLength >= 0 {
		t.Errorf("both chunked and Content-Length %d", r.ContentLength)
	}
	if r.Minor == 1 {
		if _, ok := r.Get("Host"); !ok {
			t.Errorf("HTTP/1.1 request without Host accepted")
		}
	}
}

// FuzzChunkedBody feeds arbitrary bytes to the chunked decoder, checking its
// errors and that the result does not depend on buffering.
func FuzzChunkedBody(f *testing.F) {
	for _, s := range []string{
		"5\r\nhello\r\n0\r\n\r\n",
		"a;x=1;y=\"q\\\"\"\r\n0123456789\r\n0\r\nT: v\r\n\r\n",
		"0000000000000005\r\nhello\r\n0\r\n\r\n",
		"ffffffffffffffff\r\n",
		"5 ;a\r\nhello\r\n0\r\n\r\n",
		"5\r\nhelloX",
		"0\r\n" + strings.Repeat("X-Sum: "+strings.Repeat("0", 1000)+"\r\n", 10) + "\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		read := func(br *bufio.Reader) (string, string) {
			lim := DefaultLimits
			lim.Memory = NewHeadMemory(4 << 20)
			req := &Request{Chunked: true, ContentLength: -1}
			b := NewBody(br, req, lim)
			data, err := io.ReadAll(b)
			if req.Release(); lim.Memory.InUse() != 0 {
				t.Errorf("%d bytes of trailer memory reserved after Release", lim.Memory.InUse())
			}
			if len(data) > len(in) {
				t.Fatalf("decoded %d bytes from %d", len(data), len(in))
			}
			if err != nil {
				checkFuzzError(t, err, 400, 431)
				return string(data), err.Error()
			}
			return string(data), ""
		}
		data, err := read(bufio.NewReader(bytes.NewReader(in)))
		data16, err16 := read(bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(in)), 16))
		if data != data16 || err != err16 {
			t.Errorf("outcome depends on buffering: %q %q vs %q %q", data, err, data16, err16)
		}
	})
}

package http1

import (
	"bufio"
	"strings"
	"testing"
)

// Typical requests: what curl and wrk send, and a browser-ish one.
var benchRequests = []struct{ name, raw string }{
	{"curl", "GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"},
	{"browser", "GET /static/app.js?v=3 HTTP/1.1\r\nHost: localhost:8000\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
		"Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n" +
		"Connection: keep-alive\r\n\r\n"},
}

func BenchmarkReadRequest(b *testing.B) {
	for _, bench := range benchRequests {
		b.Run(bench.name, func(b *testing.B) {
			src := strings.NewReader(bench.raw)
			br := bufio.NewReader(src)
			var req Request
			b.ReportAllocs()
			b.SetBytes(int64(len(bench.raw)))
			for b.Loop() {
				src.Reset(bench.raw)
				br.Reset(src)
				if err := ReadRequest(br, DefaultLimits, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestReadRequestAllocs holds the hot path to its budget: one allocation
// per request (the head's string) once the Request's buffers have grown.
func TestReadRequestAllocs(t *testing.T) {
	for _, bench := range benchRequests {
		t.Run(bench.name, func(t *testing.T) {
			src := strings.NewReader(bench.raw)
			br := bufio.NewReader(src)
			var req Request
			allocs := testing.AllocsPerRun(100, func() {
				src.Reset(bench.raw)
				br.Reset(src)
				if err := ReadRequest(br, DefaultLimits, &req); err != nil {
					t.Fatal(err)
				}
			})
			if allocs > 1 {
				t.Errorf("ReadRequest allocates %v times per request, want at most 1", allocs)
			}
		})
	}
}

// TestBodyAllocs checks that a reused Body reads without allocating.
func TestBodyAllocs(t *testing.T) {
	const raw = "5;a=b\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
	src := strings.NewReader(raw)
	br := bufio.NewReader(src)
	req := Request{Chunked: true, ContentLength: -1}
	var body Body
	buf := make([]byte, 64)
	allocs := testing.AllocsPerRun(100, func() {
		src.Reset(raw)
		br.Reset(src)
		body.Reset(br, &req, DefaultLimits)
		for {
			if _, err := body.Read(buf); err != nil {
				break
			}
		}
	})
	if allocs > 0 {
		t.Errorf("reading a chunked body allocates %v times, want 0", allocs)
	}
}

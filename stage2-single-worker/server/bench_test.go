package server

import (
	"bufio"
	"io"
	"net"
	"testing"

	"gunicorn-go/shared/examples/goapps"
	"gunicorn-go/stage2-single-worker/http1"
	"gunicorn-go/stage2-single-worker/logging"
)

// BenchmarkKeepAliveHello measures one request and response of go:hello on
// a kept-alive connection, the hot path; allocs/op counts both sides.
func BenchmarkKeepAliveHello(b *testing.B) {
	hello, _ := goapps.Lookup("hello")
	s := &Server{App: hello, Limits: http1.DefaultLimits, ErrorLog: logging.NewErrorLog(logging.NewOutput(io.Discard), logging.Info)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Close()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	const req = "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"
	br := bufio.NewReader(nc)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := io.WriteString(nc, req); err != nil {
			b.Fatal(err)
		}
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if len(line) == 2 {
				break
			}
		}
		if _, err := br.Discard(len("<html>Hello, world!</html>")); err != nil {
			b.Fatal(err)
		}
	}
}

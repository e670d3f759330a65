package http1

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gunicorn-go/shared/testkit"
)

// seen is what the test server parsed from one request.
type seen struct {
	Method, Path, Query string
	ContentLength       int64
	Chunked, Expect100  bool
	Body                string
}

// serveOnce accepts one connection on a fresh 127.0.0.1:0 listener, parses
// every request on it with ReadRequest and Body, answers each with a short
// 200 (and "100 Continue" first when asked), and reports what it parsed.
func serveOnce(t *testing.T) (addr string, got <-chan []seen) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("close listener: %v", err)
		}
	})
	out := make(chan []seen, 1)
	go func() {
		var all []seen
		defer func() { out <- all }()
		fail := func(what string, err error) { all = append(all, seen{Method: what + ": " + err.Error()}) }
		conn, err := ln.Accept()
		if err != nil {
			fail("accept", err)
			return
		}
		defer conn.Close()
		if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
			fail("deadline", err)
			return
		}
		br := bufio.NewReader(conn)
		var req Request
		var body Body
		for {
			if err := ReadRequest(br, DefaultLimits, &req); err != nil {
				if !errors.Is(err, io.EOF) {
					fail("read request", err)
				}
				return
			}
			if req.Expect100 {
				if _, err := io.WriteString(conn, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
					fail("write 100", err)
					return
				}
			}
			body.Reset(br, &req, DefaultLimits)
			data, err := io.ReadAll(&body)
			if err != nil {
				fail("read body", err)
				return
			}
			all = append(all, seen{req.Method, req.Path, req.Query, req.ContentLength, req.Chunked, req.Expect100, string(data)})
			if _, err := io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); err != nil {
				fail("write response", err)
				return
			}
			if !req.KeepAlive {
				return
			}
		}
	}()
	return ln.Addr().String(), out
}

// TestRealClients parses what curl and Python's http.client really send.
func TestRealClients(t *testing.T) {
	curl := testkit.RequireTool(t, "curl", "curl")
	python := testkit.Python(t)
	file := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(file, []byte("chunky"), 0o644); err != nil {
		t.Fatal(err)
	}
	const pyScript = `import http.client, sys
c = http.client.HTTPConnection(sys.argv[1])
c.request("POST", "/py?a=b", body=iter([b"ab", b"cd"]), encode_chunked=True)
c.getresponse().read()
c.request("PUT", "/again", body=b"xyz")
c.getresponse().read()
c.close()
`
	tests := []struct {
		name string
		cmd  func(addr string) []string
		want []seen
	}{
		{"curl GET", func(a string) []string { return []string{curl, "-sS", "http://" + a + "/p%20q?x=1&y"} },
			[]seen{{Method: "GET", Path: "/p%20q", Query: "x=1&y", ContentLength: -1}}},
		{"curl POST", func(a string) []string { return []string{curl, "-sS", "--data-binary", "hello", "http://" + a + "/f"} },
			[]seen{{Method: "POST", Path: "/f", ContentLength: 5, Body: "hello"}}},
		{"curl chunked", func(a string) []string {
			return []string{curl, "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, "http://" + a + "/c"}
		}, []seen{{Method: "POST", Path: "/c", ContentLength: -1, Chunked: true, Body: "chunky"}}},
		{"curl expect", func(a string) []string {
			return []string{curl, "-sS", "-H", "Expect: 100-continue", "--data-binary", "hi", "http://" + a + "/e"}
		}, []seen{{Method: "POST", Path: "/e", ContentLength: 2, Expect100: true, Body: "hi"}}},
		{"python http.client", func(a string) []string { return []string{python, "-c", pyScript, a} },
			[]seen{
				{Method: "POST", Path: "/py", Query: "a=b", ContentLength: -1, Chunked: true, Body: "abcd"},
				{Method: "PUT", Path: "/again", ContentLength: 3, Body: "xyz"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, got := serveOnce(t)
			args := tt.cmd(addr)
			if out, code := testkit.Run(t, 20*time.Second, "", args[0], args[1:]...); code != 0 {
				t.Fatalf("%v: exit %d\n%s", args, code, out)
			}
			if diff := cmp.Diff(tt.want, <-got); diff != "" {
				t.Errorf("parsed (-want +got):\n%s", diff)
			}
		})
	}
}

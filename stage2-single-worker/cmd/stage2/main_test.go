package main

// The end-to-end tests: each starts the real stage2 binary on 127.0.0.1:0 and
// talks to it the way clients do, with curl, Python's http.client and raw
// sockets. Helpers shared by the test files live here.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// Generous limits: they only bound a test that went wrong, and never decide
// whether a test passes.
const (
	startTimeout = 30 * time.Second
	ioTimeout    = 15 * time.Second
)

// liveServer is a running stage2 process.
type liveServer struct {
	*testkit.Proc
	t testing.TB
}

// startServer starts stage2 with args (the app last) bound to a free port,
// and waits until it listens.
func startServer(t testing.TB, args ...string) *liveServer {
	t.Helper()
	return startServerWith(t, testkit.StartOptions{}, args...)
}

// startServerWith is startServer with a working directory or extra environment.
func startServerWith(t testing.TB, opts testkit.StartOptions, args ...string) *liveServer {
	t.Helper()
	bin := testkit.Binary(t, "stage2-single-worker/cmd/stage2")
	p := testkit.Start(t, opts, bin, append([]string{"-b", "127.0.0.1:0"}, args...)...)
	p.WaitListening(startTimeout)
	return &liveServer{Proc: p, t: t}
}

// testApps returns the arguments serving testdata/testapps.py's app name.
func testApps(t testing.TB, name string) []string {
	t.Helper()
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return []string{"--chdir", dir, "testapps:" + name}
}

// url returns the server's URL for path.
func (s *liveServer) url(path string) string { return "http://" + s.Addr + path }

// dial opens a raw connection to the server, closed when the test ends.
func (s *liveServer) dial() net.Conn {
	s.t.Helper()
	nc, err := net.DialTimeout("tcp", s.Addr, ioTimeout)
	if err != nil {
		s.t.Fatalf("dial %s: %v", s.Addr, err)
	}
	s.t.Cleanup(func() { nc.Close() })
	if err := nc.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		s.t.Fatal(err)
	}
	return nc
}

// children returns the pids of the server's child processes (its app runners).
func (s *liveServer) children() []string {
	s.t.Helper()
	out, err := exec.Command("pgrep", "-P", fmt.Sprint(s.Pid())).Output()
	if err != nil {
		return nil // pgrep exits 1 when it finds none
	}
	return strings.Fields(string(out))
}

// write sends raw bytes.
func write(t testing.TB, nc net.Conn, raw string) {
	t.Helper()
	if _, err := io.WriteString(nc, raw); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// response is one response as read off the wire.
type response struct {
	*http.Response
	Body []byte
	// Head is the status line and header lines exactly as sent.
	Head string
}

// readResponse reads one response to a request of method from br, leaving
// br at the start of the next one. The head is parsed by net/http; the body
// is framed here, by RFC 9112 §6.3, so that nothing beyond it is read.
func readResponse(t testing.TB, br *bufio.Reader, method string) *response {
	t.Helper()
	var head bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		head.WriteString(line)
		if err != nil {
			t.Fatalf("read response head: %v (so far %q)", err, head.String())
		}
		if line == "\r\n" {
			break
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(head.Bytes())), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("parse response %q: %v", head.String(), err)
	}
	var body io.Reader
	switch {
	case method == "HEAD", resp.StatusCode < 200, resp.StatusCode == 204, resp.StatusCode == 304:
		body = strings.NewReader("")
	case len(resp.TransferEncoding) > 0:
		body = httputil.NewChunkedReader(br)
	case resp.ContentLength >= 0:
		body = io.LimitReader(br, resp.ContentLength)
	default:
		body = br // close-delimited
	}
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read response body (head %q): %v", head.String(), err)
	}
	if resp.ContentLength > 0 && int64(len(data)) != resp.ContentLength && method != "HEAD" {
		t.Fatalf("response body of %d bytes, Content-Length %d", len(data), resp.ContentLength)
	}
	if len(resp.TransferEncoding) > 0 {
		// The chunked reader stops at the last chunk; the empty trailer follows.
		if line, err := br.ReadString('\n'); err != nil || line != "\r\n" {
			t.Fatalf("after the last chunk: %q, %v", line, err)
		}
	}
	return &response{Response: resp, Body: data, Head: head.String()}
}

// headerLine reports whether the head holds the exact line "Name: value".
func (r *response) headerLine(name, value string) bool {
	return strings.Contains(r.Head, "\r\n"+name+": "+value+"\r\n")
}

// expectClosed checks that the server closes nc: the next read sees EOF (or
// a reset) and no more bytes.
func expectClosed(t testing.TB, nc net.Conn, br *bufio.Reader) {
	t.Helper()
	if err := nc.SetReadDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(br)
	if err != nil && !isReset(err) {
		t.Fatalf("waiting for the server to close: %v", err)
	}
	if len(rest) > 0 {
		t.Fatalf("bytes after the last response: %q", rest)
	}
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET)
}

// roundTrip sends one raw request on a new connection and reads the answer.
func (s *liveServer) roundTrip(raw, method string) *response {
	s.t.Helper()
	nc := s.dial()
	write(s.t, nc, raw)
	return readResponse(s.t, bufio.NewReader(nc), method)
}

// environ parses the body of an echo app (go:echo or testapps:validated):
// KEY=VALUE lines, an empty line, then the request body.
func environ(t testing.TB, body []byte) (vars map[string]string, rest []byte) {
	t.Helper()
	vars = map[string]string{}
	for len(body) > 0 {
		line, after, ok := bytes.Cut(body, []byte("\n"))
		if !ok {
			t.Fatalf("echo body: unterminated line %q", line)
		}
		body = after
		if len(line) == 0 {
			return vars, body
		}
		k, v, ok := bytes.Cut(line, []byte("="))
		if !ok {
			t.Fatalf("echo body: line %q is not KEY=VALUE", line)
		}
		vars[string(k)] = string(v)
	}
	return vars, body
}

// curl runs curl with args and returns its output (stderr included) and exit code.
func curl(t testing.TB, args ...string) (string, int) {
	t.Helper()
	testkit.RequireTool(t, "curl", "curl")
	return testkit.Run(t, 60*time.Second, t.TempDir(), "curl", append([]string{"--silent", "--show-error", "--max-time", "30"}, args...)...)
}

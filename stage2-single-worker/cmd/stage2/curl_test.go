package main

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomFile writes size random bytes to a file in a temporary directory and
// returns its path and "SIZE SHA256", what testapps:upload answers for it.
func randomFile(t *testing.T, size int) (path, sum string) {
	t.Helper()
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "upload.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, fmt.Sprintf("%d %x", size, sha256.Sum256(data))
}

func TestCurlKeepAliveReusesTheConnection(t *testing.T) {
	t.Parallel()
	s := startServer(t, "go:hello")
	out, code := curl(t, "-v", s.url("/one"), s.url("/two"))
	if code != 0 {
		t.Fatalf("curl exit %d:\n%s", code, out)
	}
	if !strings.Contains(out, "Re-using existing connection") {
		t.Errorf("curl did not reuse the connection:\n%s", out)
	}
	if n := strings.Count(out, "Connected to"); n != 1 {
		t.Errorf("curl connected %d times, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "< HTTP/1.1 200"); n != 2 {
		t.Errorf("%d responses with 200, want 2:\n%s", n, out)
	}
}

func TestCurlUploadsAFile(t *testing.T) {
	t.Parallel()
	s := startServer(t, testApps(t, "upload")...)
	// Above the 1 MiB spool threshold: the body goes through a temporary file.
	path, sum := randomFile(t, 3<<20+17)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"content-length", nil},
		{"chunked", []string{"-H", "Transfer-Encoding: chunked"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--data-binary", "@" + path}, tc.args...)
			out, code := curl(t, append(args, s.url("/upload"))...)
			if code != 0 {
				t.Fatalf("curl exit %d:\n%s", code, out)
			}
			if strings.TrimSpace(out) != sum {
				t.Errorf("app saw %q, want %q", strings.TrimSpace(out), sum)
			}
		})
	}
}

func TestCurlChunkedUploadHasNoContentLength(t *testing.T) {
	t.Parallel()
	s := startServer(t, "go:echo")
	out, code := curl(t, "-H", "Transfer-Encoding: chunked", "--data-binary", "chunked body", s.url("/"))
	if code != 0 {
		t.Fatalf("curl exit %d:\n%s", code, out)
	}
	vars, body := environ(t, []byte(out))
	if string(body) != "chunked body" {
		t.Errorf("body %q, want %q", body, "chunked body")
	}
	if v, ok := vars["CONTENT_LENGTH"]; ok {
		t.Errorf("CONTENT_LENGTH=%q set for a chunked request", v)
	}
}

func TestCurlExpectContinue(t *testing.T) {
	t.Parallel()
	path, _ := randomFile(t, 4096)
	// A long expect100-timeout: curl must not send the body unasked.
	args := []string{"-v", "-H", "Expect: 100-continue", "--expect100-timeout", "60", "--data-binary", "@" + path}

	t.Run("app reads the body", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, "go:echo")
		out, code := curl(t, append(args, s.url("/"))...)
		if code != 0 {
			t.Fatalf("curl exit %d:\n%s", code, out)
		}
		if !strings.Contains(out, "< HTTP/1.1 100 Continue") {
			t.Errorf("no 100 Continue although the app read the body:\n%.2000s", out)
		}
		if !strings.Contains(out, "< HTTP/1.1 200") {
			t.Errorf("no 200:\n%.2000s", out)
		}
	})
	t.Run("app ignores the body", func(t *testing.T) {
		// The server reads every body before the app runs, so that no app
		// waits for a client: it says 100 Continue whatever the app will
		// do, and the connection stays open, the body read.
		t.Parallel()
		s := startServer(t, "go:hello")
		out, code := curl(t, append(args, s.url("/"))...)
		if code != 0 {
			t.Fatalf("curl exit %d:\n%s", code, out)
		}
		if !strings.Contains(out, "< HTTP/1.1 100 Continue") || !strings.Contains(out, "< Connection: keep-alive") {
			t.Errorf("want 100 Continue and keep-alive:\n%s", out)
		}
	})
	t.Run("body over the limit", func(t *testing.T) {
		// RFC 9110 §10.1.1: a server may answer the final status instead of
		// 100 Continue; a body it would refuse is then never sent.
		t.Parallel()
		s := startServer(t, "--limit-request-body", "1000", "go:echo")
		out, code := curl(t, append(args, s.url("/"))...)
		if code != 0 {
			t.Fatalf("curl exit %d:\n%s", code, out)
		}
		if strings.Contains(out, "100 Continue") || !strings.Contains(out, "< HTTP/1.1 413") {
			t.Errorf("want 413 and no 100 Continue:\n%s", out)
		}
		if strings.Contains(out, "We are completely uploaded") {
			t.Errorf("curl sent the body:\n%s", out)
		}
	})
}

func TestCurlHead(t *testing.T) {
	t.Parallel()
	s := startServer(t, "go:hello")
	// Two HEADs on one connection: a body sent after the first head would
	// be read as the second response, which curl would refuse.
	out, code := curl(t, "-I", s.url("/"), s.url("/"))
	if code != 0 {
		t.Fatalf("curl exit %d:\n%s", code, out)
	}
	head, second, _ := strings.Cut(out, "\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.1 200") || !strings.HasPrefix(second, "HTTP/1.1 200") {
		t.Errorf("want two 200 heads, got:\n%s", out)
	}
	for _, h := range []string{"\r\nServer: gunicorn-go\r\n", "\r\nDate: ", "\r\nConnection: keep-alive", "\r\nContent-Length: "} {
		if !strings.Contains(head, h) {
			t.Errorf("no %q in the head:\n%s", strings.TrimSpace(h), head)
		}
	}
}

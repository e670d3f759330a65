package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

// TestPythonHTTPClient runs testdata/httpclient.py, Python's http.client
// against go:echo: several requests on one connection, a POST, a chunked POST
// and an HTTP/1.0 request.
func TestPythonHTTPClient(t *testing.T) {
	t.Parallel()
	python := testkit.Python(t)
	s := startServer(t, "go:echo")
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("testdata/httpclient.py")
	if err != nil {
		t.Fatal(err)
	}
	out, code := testkit.Run(t, 60*time.Second, t.TempDir(), python, script, host, port)
	if code != 0 {
		t.Fatalf("httpclient.py exit %d:\n%s", code, out)
	}
	if n := strings.Count(out, "ok "); n != 13 {
		t.Errorf("%d checks passed, want 13:\n%s", n, out)
	}
}

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gunicorn-go/shared/testkit"
)

// TestAppErrorBeforeResponse checks that an app raising before its response
// starts gets a plain 500, its traceback in the error log and none in the body.
func TestAppErrorBeforeResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		log  []string // in the error log
	}{
		{"go", []string{"go:crash"}, []string{"Error handling request /", "the app failed on purpose"}},
		{"python", testApps(t, "crash"), []string{"Error handling request /", "Traceback (most recent call last)", "ValueError: testapps crash before the response"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, tc.args...)
			resp := s.roundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
			if resp.StatusCode != 500 || string(resp.Body) != "Internal Server Error\n" {
				t.Errorf("status %d body %q, want 500 and a plain page", resp.StatusCode, resp.Body)
			}
			if !resp.headerLine("Connection", "close") {
				t.Errorf("want Connection: close:\n%s", resp.Head)
			}
			for _, want := range tc.log {
				s.WaitLog(want, ioTimeout)
			}
			// The server survives: the next request is served.
			if again := s.roundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET"); again.StatusCode != 500 {
				t.Errorf("second request: %d", again.StatusCode)
			}
		})
	}
}

// TestAppErrorAfterResponse checks that an app raising after its first chunk
// leaves the client with a truncated response: no terminating chunk.
func TestAppErrorAfterResponse(t *testing.T) {
	t.Parallel()
	t.Run("go with curl", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, "go:crash")
		out, code := curl(t, s.url("/?when=after"))
		if code != 18 { // CURLE_PARTIAL_FILE
			t.Errorf("curl exit %d, want 18 (partial file):\n%s", code, out)
		}
		if !strings.Contains(out, "partial\n") {
			t.Errorf("the first chunk is missing:\n%s", out)
		}
		s.WaitLog("the app failed on purpose", ioTimeout)
	})
	t.Run("python with a raw socket", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, testApps(t, "crash_after")...)
		nc := s.dial()
		write(t, nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		raw, err := io.ReadAll(nc)
		if err != nil && !isReset(err) {
			t.Fatal(err)
		}
		got := string(raw)
		if !strings.HasPrefix(got, "HTTP/1.1 200 ") || !strings.Contains(got, "first chunk\n") {
			t.Errorf("want a 200 and the first chunk:\n%s", got)
		}
		if strings.HasSuffix(got, "0\r\n\r\n") {
			t.Errorf("the response was terminated as if complete:\n%q", got)
		}
		s.WaitLog("ValueError: testapps crash after the first chunk", ioTimeout)
	})
}

// TestAppBrokenOnDiskStopsTheServer: when a runner dies and its replacement
// cannot load the app any more (its code was changed and broke), the server
// stops with exit code 4 and gunicorn's reason, instead of limping on and
// failing every request.
func TestAppBrokenOnDiskStopsTheServer(t *testing.T) {
	t.Parallel()
	testkit.Python(t)
	dir := t.TempDir()
	app := "import os\n\n" +
		"if os.path.exists(os.path.join(os.path.dirname(__file__), 'broken')):\n" +
		"    raise ImportError('the module broke on disk')\n\n\n" +
		"def app(environ, start_response):\n" +
		"    if environ['PATH_INFO'] == '/die':\n" +
		"        os._exit(1)\n" +
		"    start_response('200 OK', [('Content-Type', 'text/plain')])\n" +
		"    return [b'fine']\n"
	if err := os.WriteFile(filepath.Join(dir, "fragile.py"), []byte(app), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--chdir", dir, "fragile:app")
	if resp := s.roundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET"); resp.StatusCode != 200 {
		t.Fatalf("GET / = %d", resp.StatusCode)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The runner dying mid-request is a bad gateway; no app to run the
	// next one, unavailable.
	if resp := s.roundTrip("GET /die HTTP/1.1\r\nHost: x\r\n\r\n", "GET"); resp.StatusCode != 502 {
		t.Errorf("GET /die = %d, want 502", resp.StatusCode)
	}
	if resp := s.roundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET"); resp.StatusCode != 503 {
		t.Errorf("GET / with the app broken = %d, want 503", resp.StatusCode)
	}
	if code := s.Wait(ioTimeout); code != 4 {
		t.Errorf("exit code %d, want 4", code)
	}
	s.WaitLog("ImportError: the module broke on disk", ioTimeout)
	s.WaitLog("[INFO] Reason: App failed to load.", ioTimeout)
}

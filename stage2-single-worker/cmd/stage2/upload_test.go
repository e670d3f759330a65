package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"gunicorn-go/shared/testkit"
)

// peakRSS returns the peak resident set size of process pid in bytes: VmHWM
// in /proc/PID/status.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read process status: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// TestLargeUploadMemoryIsBounded streams large bodies, never held in memory
// by the client, to a Python app reading wsgi.input in 64 KiB blocks. The
// server spools them to a temporary file: its peak memory stays far below
// the body's size, and the file is gone once the request is answered.
func TestLargeUploadMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 300 MB")
	}
	t.Parallel()
	const maxRSS = 80 << 20
	tmp := t.TempDir()
	s := startServerWith(t, testkit.StartOptions{Env: []string{"TMPDIR=" + tmp}}, testApps(t, "upload")...)

	for _, tc := range []struct {
		name    string
		size    int64
		chunked bool
	}{
		{"content-length 200 MB", 200 << 20, false},
		{"chunked 100 MB", 100 << 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A pseudo-random stream, hashed as it is sent.
			digest := sha256.New()
			src := io.TeeReader(io.LimitReader(rand.NewChaCha8([32]byte{1}), tc.size), digest)
			req, err := http.NewRequest("POST", s.url("/upload"), io.NopCloser(src))
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = tc.size
			if tc.chunked {
				req.ContentLength = -1
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(bufio.NewReader(resp.Body))
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("%d %x\n", tc.size, digest.Sum(nil))
			if resp.StatusCode != 200 || string(got) != want {
				t.Fatalf("status %d, app saw %q, want %q", resp.StatusCode, got, want)
			}
			if rss := peakRSS(t, s.Pid()); rss > maxRSS {
				t.Errorf("server's peak RSS %d MiB, want under %d MiB", rss>>20, maxRSS>>20)
			}
			left, err := os.ReadDir(tmp)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range left {
				if strings.HasPrefix(e.Name(), "gunicorn-go-body-") {
					t.Errorf("spooled body %s left behind", e.Name())
				}
			}
		})
	}
}

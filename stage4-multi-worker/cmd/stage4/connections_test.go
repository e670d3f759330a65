package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

// TestWorkerConnections: the master holds at most workers ×
// worker_connections client connections. At the bound, a new client is
// served by closing an idle keep-alive connection, which its client can
// simply reopen.
func TestWorkerConnections(t *testing.T) {
	t.Parallel()
	m := startMaster(t, nil, "-w", "1", "--worker-connections", "2", "--keep-alive", "60", "apps:app")
	m.waitWorkers(1, nil)
	ask := func(nc net.Conn, br *bufio.Reader) (*http.Response, error) {
		if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return nil, err
		}
		resp, err := http.ReadResponse(br, nil)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return resp, err
	}
	var idle []net.Conn
	for range 2 {
		nc, err := net.Dial("tcp", m.url[len("http://"):])
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(waitTimeout))
		if resp, err := ask(nc, bufio.NewReader(nc)); err != nil || resp.StatusCode != 200 {
			t.Fatalf("a keep-alive request: %v %v", resp, err)
		}
		idle = append(idle, nc)
	}
	// Both connections are now idle, and the master at its bound.
	third, err := net.Dial("tcp", m.url[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	_ = third.SetDeadline(time.Now().Add(waitTimeout))
	if resp, err := ask(third, bufio.NewReader(third)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("a third client at the bound: %v %v", resp, err)
	}
	closed := 0
	for _, nc := range idle {
		_ = nc.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := nc.Read(make([]byte, 1)); err == io.EOF {
			closed++
		}
	}
	if closed != 1 {
		t.Errorf("%d idle connections closed to make room, want 1", closed)
	}
}

// TestSpoolDirectory: the master spools large bodies in a directory of its
// own under worker_tmp_dir, gunicorn-go-<pid>, which the workers read, and
// which is gone once the master has exited.
func TestSpoolDirectory(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	m := startMaster(t, nil, "-w", "1", "--worker-tmp-dir", tmp, "apps:app")
	m.waitWorkers(1, nil)
	dir := filepath.Join(tmp, "gunicorn-go-"+strconv.Itoa(m.Pid()))
	body := strings.Repeat("x", 3<<20) // past the memory a body may take
	resp, err := http.Post(m.url+"/upload", "application/octet-stream", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	err = json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if r["size"] != float64(len(body)) {
		t.Errorf("the app read %v bytes, want %d", r["size"], len(body))
	}
	if spooled, _ := r["spooled"].(string); filepath.Dir(spooled) != dir {
		t.Errorf("the body was spooled to %v, want a file in %s", r["spooled"], dir)
	}
	testkit.WaitFor(t, "the spooled body to be removed once answered", waitTimeout, func() bool {
		entries, err := os.ReadDir(dir)
		return err == nil && len(entries) == 0
	})
	m.Signal(syscall.SIGTERM)
	if code := m.Wait(waitTimeout); code != 0 {
		t.Errorf("exit %d after TERM", code)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the spool directory outlives the master (%v)", err)
	}
}

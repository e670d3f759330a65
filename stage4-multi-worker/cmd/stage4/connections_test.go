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

// TestSlowHeadsGiveWay: at the bound, connections that drip a request head
// a byte at a time (slowloris) do not keep a real client out: one that has
// not sent its whole head within a second is closed for it, and the error
// log says so. Whether they drip their first head, or send a whole request
// first and drip the next one.
func TestSlowHeadsGiveWay(t *testing.T) {
	t.Parallel()
	for _, later := range []bool{false, true} {
		t.Run(map[bool]string{false: "first head", true: "later head"}[later], func(t *testing.T) {
			t.Parallel()
			m := startMaster(t, nil, "-w", "1", "--worker-connections", "4", "-t", "120", "apps:app")
			m.waitWorkers(1, nil)
			stop := make(chan struct{})
			defer close(stop)
			for range 4 {
				nc := dialSlow(t, m.url[len("http://"):], later, stop)
				defer nc.Close()
			}
			time.Sleep(1500 * time.Millisecond) // all four are reading heads now, for longer than a second
			// Without eviction the client would wait for the slow heads'
			// timeout (two minutes).
			client := &http.Client{Timeout: waitTimeout / 2}
			status, _, err := get(client, m.url+"/")
			if err != nil || status != 200 {
				t.Fatalf("a client beside four slow heads at the bound: %d, %v", status, err)
			}
			m.WaitLog("to make room: at the connection limit (4), it had not sent a whole request head within 1s", waitTimeout)
		})
	}
}

// dialSlow opens a connection that drips a request head, a byte every
// 100 ms, until stop is closed; with later, after a whole request answered.
func dialSlow(t *testing.T, addr string, later bool, stop <-chan struct{}) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if later {
		_ = nc.SetDeadline(time.Now().Add(waitTimeout))
		if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	go func() {
		head := "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 1000)
		for i := 0; ; i++ {
			if _, err := io.WriteString(nc, head[i%len(head):i%len(head)+1]); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return nc
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

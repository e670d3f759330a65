package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

const timeout = 30 * time.Second // bounds a test gone wrong; nothing is timed

// get requests / from a sketch listening at addr (a unix: one too).
func get(t *testing.T, addr string) string {
	t.Helper()
	tr := &http.Transport{}
	url := addr + "/"
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}
		url = "http://localhost/"
	}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: timeout}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", addr, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// addresses reads the sketch's "Listening at: " lines.
func addresses(t *testing.T, p *testkit.Proc, n int) []string {
	t.Helper()
	var addrs []string
	testkit.WaitFor(t, "the sketch to listen", timeout, func() bool {
		addrs = addrs[:0]
		out := p.Stdout.String()
		out = out[:strings.LastIndexByte(out, '\n')+1] // whole lines only: the last may be half written
		for _, line := range strings.Split(out, "\n") {
			if a, ok := strings.CutPrefix(line, "Listening at: "); ok {
				addrs = append(addrs, a)
			}
		}
		return len(addrs) == n
	})
	return addrs
}

// TestSketch: a TCP port and a unix socket answer alike; TERM closes them,
// and the socket file goes.
func TestSketch(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "sketch.sock")
	if err := os.WriteFile(sock, nil, 0o644); err != nil { // "a file left by a server that died"
		t.Fatal(err)
	}
	p := testkit.Start(t, testkit.StartOptions{}, testkit.Binary(t, "stage5-bind-unix-sockets/sketch"), "-b", "127.0.0.1:0", "-b", "unix:"+sock)
	addrs := addresses(t, p, 2)
	if !strings.HasPrefix(addrs[0], "http://127.0.0.1:") || addrs[1] != "unix:"+sock {
		t.Fatalf("Listening at: %q", addrs)
	}
	if got := get(t, addrs[0]); !strings.HasPrefix(got, "hello through "+addrs[0]+`, from "127.0.0.1:`) {
		t.Errorf("over TCP: %q", got)
	}
	if got, want := get(t, addrs[1]), "hello through unix:"+sock+", from \"@\"\n"; got != want {
		t.Errorf("over the unix socket: %q, want %q", got, want)
	}
	p.Signal(syscall.SIGTERM)
	if code := p.Wait(timeout); code != 0 {
		t.Errorf("exit %d", code)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("the socket file after TERM: %v", err)
	}
}

// TestSketchActivated: examples/activate.py hands the sketch a socket as
// systemd does, and the sketch serves it instead of its binds.
func TestSketchActivated(t *testing.T) {
	t.Parallel()
	python := testkit.Python(t)
	activate := filepath.Join(testkit.RepoRoot(t), "stage5-bind-unix-sockets", "examples", "activate.py")
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // activate.py binds it again
	p := testkit.Start(t, testkit.StartOptions{}, python, activate, addr, testkit.Binary(t, "stage5-bind-unix-sockets/sketch"), "-b", "127.0.0.1:1")
	addrs := addresses(t, p, 1)
	if addrs[0] != "http://"+addr {
		t.Fatalf("Listening at: %q, want the socket passed, %s", addrs, addr)
	}
	if got := get(t, addrs[0]); !strings.HasPrefix(got, "hello through http://"+addr) {
		t.Errorf("%q", got)
	}
	p.Signal(syscall.SIGTERM)
	if code := p.Wait(timeout); code != 0 {
		t.Errorf("exit %d", code)
	}
}

package main

// Helpers for stage 4's end-to-end tests: each test runs the real stage4
// binary with real Python workers, as an operator would, and watches the
// workers in /proc.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// Generous limits: they only bound a test that went wrong. No test measures
// time.
const (
	startTimeout = 60 * time.Second
	waitTimeout  = 60 * time.Second
)

func binary(t testing.TB) string {
	t.Helper()
	return testkit.Binary(t, "stage4-multi-worker/cmd/stage4")
}

// master is a running stage4 and what the tests know of it.
type master struct {
	*testkit.Proc
	t   testing.TB
	url string // http://127.0.0.1:PORT
}

// startMaster starts stage4 on a free port with args (the app last) and
// waits until it listens. Workers run the test apps with a python3 that
// has what the tests need; the environment gets env.
func startMaster(t testing.TB, env []string, args ...string) *master {
	t.Helper()
	python := testkit.RealPython(t)
	all := append([]string{"-b", "127.0.0.1:0", "--python", python, "--chdir", testkit.Testdata(t)}, args...)
	p := testkit.Start(t, testkit.StartOptions{Env: append([]string{"PYTHONDONTWRITEBYTECODE=1"}, env...)}, binary(t), all...)
	addr := p.WaitListening(startTimeout)
	return &master{Proc: p, t: t, url: "http://" + addr}
}

// workerPids returns the pids of the master's live workers.
func (m *master) workerPids() []int { return testkit.Workers(m.Pid()) }

// cmdline is a process's command line as ps shows it.
func cmdline(pid int) string { return testkit.Cmdline(pid) }

// waitWorkers waits until the master has n live workers, satisfying ok
// when given, and returns their pids.
func (m *master) waitWorkers(n int, ok func(pids []int) bool) []int {
	m.t.Helper()
	var pids []int
	testkit.WaitFor(m.t, fmt.Sprintf("%d workers", n), waitTimeout, func() bool {
		pids = m.workerPids()
		return len(pids) == n && (ok == nil || ok(pids))
	})
	return pids
}

// reply is what the test apps answer.
type reply struct {
	Pid          int    `json:"pid"`
	Version      string `json:"version"`
	Multithread  bool   `json:"multithread"`
	Multiprocess bool   `json:"multiprocess"`
	Barrier      string `json:"barrier"`
	Executable   string `json:"executable"`
	Prefix       string `json:"prefix"`
}

// get fetches path with client and decodes the reply; status is the HTTP
// status, err a transport error.
func get(client *http.Client, url string) (status int, r reply, err error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, r, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, r, err
	}
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(body, &r); err != nil {
			return resp.StatusCode, r, fmt.Errorf("%w: %q", err, body)
		}
	}
	return resp.StatusCode, r, nil
}

// mustGet fetches path and fails the test unless it is answered 200.
func (m *master) mustGet(path string) reply {
	m.t.Helper()
	status, r, err := get(http.DefaultClient, m.url+path)
	if err != nil || status != 200 {
		m.t.Fatalf("GET %s: %d, %v", path, status, err)
	}
	return r
}

// startLoad starts clients keep-alive clients requesting url in a loop.
func startLoad(url string, clients int) *testkit.Load { return testkit.StartLoad(url, clients) }

// refused reports whether err is a connection refused: a request that never
// reached the server.
func refused(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	// Reset on a fresh connection: one the kernel queued as the listener
	// closed, which the server never accepted (see testkit.LoadError).
	var le *testkit.LoadError
	return errors.As(err, &le) && !le.Reused && errors.Is(err, syscall.ECONNRESET)
}

// writeApp writes a Python module into dir.
func writeApp(t testing.TB, dir, name, source string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
}

package main

// Helpers for stage 4's end-to-end tests: each test runs the real stage4
// binary with real Python workers, as an operator would, and watches the
// workers in /proc.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// testdata is the absolute path of this package's testdata folder.
func testdata(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return dir
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
	all := append([]string{"-b", "127.0.0.1:0", "--python", python, "--chdir", testdata(t)}, args...)
	p := testkit.Start(t, testkit.StartOptions{Env: append([]string{"PYTHONDONTWRITEBYTECODE=1"}, env...)}, binary(t), all...)
	addr := p.WaitListening(startTimeout)
	return &master{Proc: p, t: t, url: "http://" + addr}
}

// workerPids returns the pids of the master's live workers: its children
// whose command line is a worker's title.
func (m *master) workerPids() []int {
	var pids []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat") // the pattern is valid
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // it exited meanwhile
		}
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 2 || fields[1] != strconv.Itoa(m.Pid()) || fields[0] == "Z" {
			continue
		}
		pid, _ := strconv.Atoi(strings.Fields(s)[0])
		if strings.HasPrefix(cmdline(pid), "gunicorn-go: worker") {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids
}

// cmdline is a process's command line as ps shows it: NULs as spaces.
func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)) // gone: ""
	return strings.TrimSpace(string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
}

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

// load is a steady loop of requests from several keep-alive clients.
type load struct {
	stop chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	ok       int            // 200s
	statuses map[int]int    // other statuses, counted
	errs     []error        // transport errors
	pids     map[int]bool   // workers seen
	versions []string       // each reply's version, in order of arrival
	last     map[string]int // per version, how many
}

// startLoad starts clients goroutines, each with a keep-alive connection of
// its own, requesting url in a loop until stopped.
func startLoad(url string, clients int) *load {
	l := &load{stop: make(chan struct{}), statuses: map[int]int{}, pids: map[int]bool{}, last: map[string]int{}}
	for range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: waitTimeout}
			defer client.CloseIdleConnections()
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				status, r, err := get(client, url)
				l.mu.Lock()
				switch {
				case err != nil:
					l.errs = append(l.errs, err)
				case status == 200:
					l.ok++
					l.pids[r.Pid] = true
					l.versions = append(l.versions, r.Version)
					l.last[r.Version]++
				default:
					l.statuses[status]++
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

// waitFor waits until cond holds of what the load saw so far.
func (l *load) waitFor(t testing.TB, what string, cond func(l *load) bool) {
	t.Helper()
	testkit.WaitFor(t, what, waitTimeout, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return cond(l)
	})
}

// end stops the clients and waits for them.
func (l *load) end() {
	close(l.stop)
	l.wg.Wait()
}

// failures describes what was not a 200, for a test's message.
func (l *load) failures() string {
	return fmt.Sprintf("%d ok, other statuses %v, transport errors %v", l.ok, l.statuses, l.errs)
}

// refused reports whether err is a connection refused: a request that never
// reached the server.
func refused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}

// writeApp writes a Python module into dir.
func writeApp(t testing.TB, dir, name, source string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
}

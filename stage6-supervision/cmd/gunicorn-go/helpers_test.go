package main

// Helpers for stage 6's end-to-end tests: each runs the real gunicorn-go
// binary with real Python workers, and plays what runs it in production
// (systemd's notify socket, supervisord, logrotate's moves, an operator's
// signals).

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/proc"
	"gunicorn-go/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// Generous limits: they only bound a test that went wrong. No test
// measures time.
const (
	startTimeout = 60 * time.Second
	waitTimeout  = 60 * time.Second
)

func binary(t testing.TB) string {
	t.Helper()
	return testkit.Binary(t, "stage6-supervision/cmd/gunicorn-go")
}

// copyBinary puts a copy of the binary in dir, for a test that replaces
// the binary on disk as a deploy does.
func copyBinary(t testing.TB, dir string) string {
	t.Helper()
	b, err := os.ReadFile(binary(t))
	if err != nil {
		t.Fatal(err)
	}
	// A new file renamed over the old, as install(1) and package managers
	// replace a binary: a running one cannot be written to.
	path := filepath.Join(dir, "gunicorn-go")
	if err := os.WriteFile(path+".new", b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
	return path
}

// server is a running gunicorn-go master started by the test.
type server struct {
	*testkit.Proc
	t   testing.TB
	url string // http://127.0.0.1:PORT, from the start-up line's first address
}

// startOptions are startServer's optional settings.
type startOptions struct {
	bin string   // the binary; the built one when empty
	dir string   // the working directory; a temp dir when empty
	env []string // added to the environment
}

// startServer starts gunicorn-go with args (the app last), Python from
// testkit, and waits until it listens.
func startServer(t testing.TB, o startOptions, args ...string) *server {
	t.Helper()
	bin := o.bin
	if bin == "" {
		bin = binary(t)
	}
	all := append([]string{"--python", testkit.RealPython(t)}, args...)
	p := testkit.Start(t, testkit.StartOptions{Dir: o.dir, Env: append([]string{"PYTHONDONTWRITEBYTECODE=1"}, o.env...)}, bin, all...)
	s := &server{Proc: p, t: t}
	line := p.WaitLog("Listening at: ", startTimeout)
	_, rest, _ := strings.Cut(line, "Listening at: ")
	first, _, _ := strings.Cut(rest, " ")
	s.url = strings.TrimSuffix(first, ",")
	return s
}

// answer is what testdata/apps.py (and the versioned app) say.
type answer struct {
	Pid     int      `json:"pid"`
	Ppid    int      `json:"ppid"`
	Leaked  []string `json:"leaked"`
	Version string   `json:"version"`
}

// get asks url with client and decodes the answer.
func get(client *http.Client, url string) (int, answer, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, answer{}, err
	}
	var a answer
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(body, &a); err != nil {
			return resp.StatusCode, a, fmt.Errorf("%w: %q", err, body)
		}
	}
	return resp.StatusCode, a, nil
}

// mustGet asks the server for path and fails the test unless it answers 200.
func (s *server) mustGet(path string) answer {
	s.t.Helper()
	// No keep-alive: an idle connection left behind would hold up a
	// graceful stop.
	client := &http.Client{Timeout: waitTimeout, Transport: &http.Transport{DisableKeepAlives: true}}
	status, a, err := get(client, s.url+path)
	if err != nil || status != 200 {
		s.t.Fatalf("GET %s: %d, %v", path, status, err)
	}
	return a
}

// load is keep-alive clients asking url again and again.
type load struct {
	stop chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex // guards what follows
	ok       int
	errs     []error
	statuses map[int]int    // status codes other than 200
	masters  map[int]int    // answers by the master (the worker's parent) that served them
	versions map[string]int // answers by version
	lastPpid int
}

func startLoad(url string, clients int) *load {
	l := &load{stop: make(chan struct{}), statuses: map[int]int{}, masters: map[int]int{}, versions: map[string]int{}}
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
				status, a, err := get(client, url)
				l.mu.Lock()
				switch {
				case err != nil:
					l.errs = append(l.errs, err)
				case status == 200:
					l.ok++
					l.masters[a.Ppid]++
					l.versions[a.Version]++
					l.lastPpid = a.Ppid
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

// failed says whether any request failed, and how.
func (l *load) failed() (bool, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.errs) > 0 || len(l.statuses) > 0,
		fmt.Sprintf("%d ok, other statuses %v, transport errors %v", l.ok, l.statuses, l.errs)
}

// writeFile writes a file into dir.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// versioned is a test app that answers its VERSION. Each version is a
// different length, so that Python never takes a stale .pyc for the new
// source.
func versioned(version string) string {
	return "import json, os\n\nVERSION = " + fmt.Sprintf("%q", version) + "\n\n\n" +
		"def app(environ, start_response):\n" +
		"    start_response('200 OK', [('Content-Type', 'application/json')])\n" +
		"    return [json.dumps({'pid': os.getpid(), 'ppid': os.getppid(), 'version': VERSION}).encode()]\n"
}

// readPid reads a pid file; 0 when it is missing or holds no pid.
func readPid(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var pid int
	fmt.Sscanf(string(b), "%d", &pid)
	return pid
}

// stopPid stops a master the test did not start itself (a new master after
// USR2, a daemon) by its pid: TERM, then, at the end of the test, KILL to
// whatever of its tree is left. It registers the KILL as a cleanup.
func stopPid(t testing.TB, pid int) {
	t.Helper()
	tree, _ := proc.Tree(pid)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		t.Errorf("TERM to %d: %v", pid, err)
	}
	waitGone(t, pid)
	for _, p := range tree {
		syscall.Kill(p, syscall.SIGKILL)
	}
}

// killLater makes sure pid and its descendants are gone when the test ends,
// whatever happens in between.
func killLater(t testing.TB, pid int) {
	t.Cleanup(func() {
		if !testkit.Running(pid) {
			return
		}
		tree, _ := proc.Tree(pid)
		for _, p := range tree {
			syscall.Kill(p, syscall.SIGKILL)
		}
		waitGone(t, pid)
	})
}

// waitGone waits until process pid has exited.
func waitGone(t testing.TB, pid int) {
	t.Helper()
	testkit.WaitFor(t, fmt.Sprintf("process %d to exit", pid), waitTimeout, func() bool { return !testkit.Running(pid) })
}

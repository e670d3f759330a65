package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// Generous: they only bound a test that went wrong. Nothing here measures time.
const timeout = 60 * time.Second

// TestSketch starts the sketch for real, with two Python workers running
// testdata/slow.py: two requests at once are answered by two workers; a
// worker killed with SIGKILL is replaced, and the replacement serves; TERM
// stops the master and its workers.
func TestSketch(t *testing.T) {
	bin := testkit.Binary(t, "stage4-multi-worker/sketch")
	testkit.Python(t)
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	p := testkit.Start(t, testkit.StartOptions{}, bin, "-w", "2", "127.0.0.1:0", testdata, "slow:app")
	url := "http://" + p.WaitListening(timeout) + "/"

	// Two requests at once: a worker runs one at a time, so each goes to
	// its own.
	type answer struct {
		body string
		err  error
	}
	answers := make(chan answer, 2)
	for range 2 {
		go func() {
			body, err := fetch(url + "?0.5")
			answers <- answer{body, err}
		}()
	}
	a, b := <-answers, <-answers
	if err := errors.Join(a.err, b.err); err != nil {
		t.Fatal(err)
	}
	first, second := a.body, b.body
	if first == second {
		t.Fatalf("one worker answered both requests: %q", first)
	}
	workers := children(t, p.Pid())
	if len(workers) != 2 || !slices.Contains(workers, pidOf(t, first)) || !slices.Contains(workers, pidOf(t, second)) {
		t.Fatalf("the answers came from pids %d and %d; the sketch's children are %v", pidOf(t, first), pidOf(t, second), workers)
	}

	// A worker killed is replaced, and its replacement takes requests.
	victim, survivor := workers[0], workers[1]
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.WaitLog(fmt.Sprintf("Worker (pid:%d) died: signal: killed", victim), timeout)
	var replacement int
	testkit.WaitFor(t, "a replacement worker", timeout, func() bool {
		for _, pid := range children(t, p.Pid()) {
			if pid != survivor && pid != victim {
				replacement = pid
			}
		}
		return replacement != 0
	})
	p.WaitLog(fmt.Sprintf("Booting worker with pid: %d", replacement), timeout)
	testkit.WaitFor(t, "an answer from the replacement", timeout, func() bool {
		return pidOf(t, get(t, url)) == replacement
	})

	// TERM: the master stops, and so do its workers.
	p.Signal(syscall.SIGTERM)
	if code := p.Wait(timeout); code != 0 {
		t.Errorf("exit status %d after TERM, want 0", code)
	}
	for _, pid := range []int{survivor, replacement} {
		testkit.WaitFor(t, "worker "+strconv.Itoa(pid)+" to exit", timeout, func() bool { return !testkit.Running(pid) })
	}
}

// TestSketchAppDoesNotLoad: a worker that cannot import the app stops the
// master with gunicorn's exit status 4, and the traceback.
func TestSketchAppDoesNotLoad(t *testing.T) {
	bin := testkit.Binary(t, "stage4-multi-worker/sketch")
	testkit.Python(t)
	out, code := testkit.Run(t, timeout, t.TempDir(), bin, "127.0.0.1:0", t.TempDir(), "nosuch:app")
	if code != 4 || !strings.Contains(out, "No module named 'nosuch'") {
		t.Errorf("exit status %d (want 4), output:\n%s", code, out)
	}
}

// get returns the body of a GET of url, which must answer 200.
func get(t *testing.T, url string) string {
	t.Helper()
	body, err := fetch(url)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// fetch returns the body of a GET of url, or why it did not answer 200.
func fetch(url string) (string, error) {
	client := http.Client{Timeout: timeout}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s %q", url, resp.Status, body)
	}
	return string(body), err
}

// pidOf reads the pid from slow.py's answer: "pid 5110 slept 0.5s".
func pidOf(t *testing.T, answer string) int {
	t.Helper()
	var pid int
	var slept string
	if _, err := fmt.Sscanf(answer, "pid %d slept %s", &pid, &slept); err != nil {
		t.Fatalf("answer %q: %v", answer, err)
	}
	return pid
}

// children returns the pids of pid's live child processes. Each thread
// lists those it started, and Go starts processes from any of its threads.
func children(t *testing.T, pid int) []int {
	t.Helper()
	lists, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	if err != nil || len(lists) == 0 {
		t.Fatalf("no /proc/%d/task/*/children (%v)", pid, err)
	}
	var pids []int
	for _, list := range lists {
		b, err := os.ReadFile(list)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range strings.Fields(string(b)) {
			n, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			pids = append(pids, n)
		}
	}
	slices.Sort(pids)
	return pids
}

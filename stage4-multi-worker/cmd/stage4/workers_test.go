package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

// TestWorkerCount: -w 3 runs three workers, as /proc shows; TTIN adds one,
// TTOU takes one away, never below one; each is titled for ps.
func TestWorkerCount(t *testing.T) {
	t.Parallel()
	m := startMaster(t, nil, "-w", "3", "apps:app")
	pids := m.waitWorkers(3, nil)
	for _, pid := range pids {
		if got := cmdline(pid); got != "gunicorn-go: worker [apps:app]" {
			t.Errorf("worker %d's command line: %q", pid, got)
		}
	}
	if got := cmdline(m.Pid()); !strings.Contains(got, "stage4 -b 127.0.0.1:0") {
		t.Errorf("the master's command line is the one that started it: %q", got)
	}
	// Signals of one kind sent before the first is handled arrive as one
	// (the kernel keeps one pending), so each waits for the last's effect.
	m.Signal(syscall.SIGTTIN)
	m.waitWorkers(4, nil)
	for n := 3; n >= 1; n-- {
		m.Signal(syscall.SIGTTOU)
		m.waitWorkers(n, nil)
	}
	m.Signal(syscall.SIGTTOU) // never below one
	testkit.WaitFor(t, "the last TTOU handled", waitTimeout, func() bool { return len(m.Lines("Handling signal: ttou")) == 4 })
	if got := m.waitWorkers(1, nil); len(got) != 1 {
		t.Errorf("workers %v", got)
	}
	m.mustGet("/")
}

// TestProcName: proc_name names the workers in ps.
func TestProcName(t *testing.T) {
	t.Parallel()
	m := startMaster(t, nil, "-n", "shop", "apps:app")
	pid := m.waitWorkers(1, nil)[0]
	if got := cmdline(pid); got != "gunicorn-go: worker [shop]" {
		t.Errorf("worker's command line: %q", got)
	}
}

// TestTitleKeepsTheVirtualenv: retitling a worker breaks neither
// sys.executable nor the virtualenv Python derives from its argv[0]; the
// master's Ready line names that interpreter.
func TestTitleKeepsTheVirtualenv(t *testing.T) {
	t.Parallel()
	venv := filepath.Join(t.TempDir(), "venv")
	if out, err := exec.Command(testkit.RealPython(t), "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		testkit.Missing(t, fmt.Sprintf("python3 -m venv (%v: %s)", err, out), "python3-venv")
	}
	python := filepath.Join(venv, "bin", "python")
	p := testkit.Start(t, testkit.StartOptions{}, binary(t), "-b", "127.0.0.1:0", "--python", python, "--chdir", testkit.Testdata(t), "apps:app")
	m := &master{Proc: p, t: t, url: "http://" + p.WaitListening(startTimeout)}
	r := m.mustGet("/interpreter")
	if r.Executable != python || r.Prefix != venv {
		t.Errorf("in the worker: sys.executable %q, sys.prefix %q; want %q and %q", r.Executable, r.Prefix, python, venv)
	}
	if got := cmdline(r.Pid); got != "gunicorn-go: worker [apps:app]" {
		t.Errorf("worker's command line: %q", got)
	}
	// The operator sees which interpreter the workers run on.
	m.WaitLog("Ready: 1 worker(s) serve, on "+python+" ", startTimeout)
}

// TestRequestsRunAtOnce: -w 3 --threads 2 runs six requests at the same
// time: each waits at a barrier until all six have reached it, so the test
// passes only if none waited for another to finish. With --threads 4 one
// worker runs four at once, and sees wsgi.multithread.
func TestRequestsRunAtOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		workers, threads int
	}{{3, 2}, {1, 4}} {
		t.Run(fmt.Sprintf("%dx%d", tc.workers, tc.threads), func(t *testing.T) {
			t.Parallel()
			m := startMaster(t, nil, "-w", fmt.Sprint(tc.workers), "--threads", fmt.Sprint(tc.threads), "apps:app")
			m.waitWorkers(tc.workers, nil)
			n := tc.workers * tc.threads
			barrier := t.TempDir()
			replies := make(chan reply, n)
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					replies <- m.mustGet(fmt.Sprintf("/barrier?%s&%d", barrier, n))
				}()
			}
			wg.Wait()
			close(replies)
			perWorker := map[int]int{}
			for r := range replies {
				if r.Barrier != "passed" || r.Multithread != (tc.threads > 1) || r.Multiprocess != (tc.workers > 1) {
					t.Errorf("reply %+v", r)
				}
				perWorker[r.Pid]++
			}
			if len(perWorker) != tc.workers {
				t.Errorf("requests per worker: %v, want %d workers with %d each", perWorker, tc.workers, tc.threads)
			}
		})
	}
}

// TestWorkerKilledUnderLoad: a worker killed with SIGKILL while keep-alive
// clients keep asking fails only the request it was running (a 502), and a
// new worker takes its place.
func TestWorkerKilledUnderLoad(t *testing.T) {
	t.Parallel()
	m := startMaster(t, nil, "-w", "2", "apps:app")
	before := m.waitWorkers(2, nil)
	l := startLoad(m.url+"/", 4)
	l.WaitFor(t, "both workers to answer", func(l *testkit.Load) bool { return l.Distinct("pid") == 2 })
	if err := syscall.Kill(before[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	after := m.waitWorkers(2, func(pids []int) bool { return !slices.Contains(pids, before[0]) })
	fresh := after[0]
	if fresh == before[1] {
		fresh = after[1]
	}
	l.WaitFor(t, "the new worker to answer", func(l *testkit.Load) bool { return l.Count("pid", strconv.Itoa(fresh)) > 0 })
	l.End()
	t.Logf("with a worker killed: %s", l.Failures())
	// One thread per worker: one request at most was running in it.
	if len(l.Errs) > 0 || l.Statuses[502] > 1 || len(l.Statuses) > 1 || (len(l.Statuses) == 1 && l.Statuses[502] == 0) {
		t.Errorf("only the killed worker's request in flight may fail, with 502: %s", l.Failures())
	}
	m.WaitLog(fmt.Sprintf("[ERROR] Worker (pid:%d) was sent SIGKILL! Perhaps out of memory?", before[0]), waitTimeout)
}

// TestWorkerTimeout: a request running past --timeout is answered 504; the
// error log says WORKER TIMEOUT and shows the line the worker was stuck on;
// a replacement starts; quick requests are answered meanwhile by the other
// worker.
func TestWorkerTimeout(t *testing.T) {
	t.Parallel()
	m := startMaster(t, nil, "-w", "2", "-t", "2", "apps:app")
	before := m.waitWorkers(2, nil)
	stuck := make(chan int, 1)
	go func() {
		status, _, _ := get(http.DefaultClient, m.url+"/stuck")
		stuck <- status
	}()
	m.WaitLog("WORKER TIMEOUT", waitTimeout) // meanwhile
	for range 5 {
		m.mustGet("/")
	}
	if status := <-stuck; status != 504 {
		t.Errorf("the stuck request: %d, want 504", status)
	}
	line := m.WaitLog("[CRITICAL] WORKER TIMEOUT (pid:", waitTimeout)
	var pid int
	fmt.Sscanf(line[strings.Index(line, "(pid:"):], "(pid:%d)", &pid)
	if !slices.Contains(before, pid) {
		t.Fatalf("%q names no worker of %v", line, before)
	}
	m.WaitLog("time.sleep(3600)  # the line a stuck worker's traceback names", waitTimeout)
	log := m.Stderr.String()
	for _, want := range []string{fmt.Sprintf("Worker (pid:%d) is stuck", pid), `apps.py", line`, "in app\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("the traceback lacks %q:\n%s", want, log)
		}
	}
	m.waitWorkers(2, func(pids []int) bool { return !slices.Contains(pids, pid) })
}

// TestTimeoutIsSilence: --timeout bounds how long the app says nothing,
// not how long a request lasts: with -t 2, a response that streams a chunk
// a second for 5 s, and one of 16 MB whose client takes 8 s to read it (the
// worker waits for room all that time, with no spool), are each answered
// whole, and no worker times out.
func TestTimeoutIsSilence(t *testing.T) {
	t.Parallel()
	m := startMaster(t, nil, "-w", "2", "-t", "2", "--response-spool-limit", "0", "apps:app")
	m.waitWorkers(2, nil)
	const big = 16 << 20
	slow := make(chan error, 1)
	go func() {
		resp, err := http.Get(fmt.Sprintf("%s/stream?1&0&%d", m.url, big))
		if err != nil {
			slow <- err
			return
		}
		defer resp.Body.Close()
		var n int64
		for err == nil {
			var k int64
			k, err = io.CopyN(io.Discard, resp.Body, 256<<10)
			n += k
			time.Sleep(125 * time.Millisecond) // 2 MB/s: each write waits less than the timeout
		}
		if err == io.EOF && (resp.StatusCode != 200 || n != big) {
			err = fmt.Errorf("%d with %d bytes, want 200 with %d", resp.StatusCode, n, big)
		} else if err == io.EOF {
			err = nil
		}
		slow <- err
	}()
	resp, err := http.Get(m.url + "/stream?5&1&10")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || len(body) != 50 {
		t.Errorf("the stream: %d with %d bytes (%v), want 200 with 50", resp.StatusCode, len(body), err)
	}
	if err := <-slow; err != nil {
		t.Errorf("the response read slowly: %v", err)
	}
	if log := m.Stderr.String(); strings.Contains(log, "WORKER TIMEOUT") {
		t.Errorf("a worker timed out:\n%s", log)
	}
}

// TestMaxRequests: with --max-requests 10, 60 requests on one keep-alive
// connection are answered by six workers in turn, ten each; every one
// succeeds and the connection is never closed.
func TestMaxRequests(t *testing.T) {
	t.Parallel()
	m := startMaster(t, nil, "--max-requests", "10", "apps:app")
	m.waitWorkers(1, nil)
	var conns atomic.Int32
	var dialer net.Dialer
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 1,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conns.Add(1)
			return dialer.DialContext(ctx, network, addr)
		},
	}}
	var pids []int
	for i := range 60 {
		status, r, err := get(client, m.url+"/")
		if err != nil || status != 200 {
			t.Fatalf("request %d: %d, %v", i, status, err)
		}
		if len(pids) == 0 || pids[len(pids)-1] != r.Pid {
			pids = append(pids, r.Pid)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 60 requests: the server closed one", n)
	}
	if len(pids) != 6 {
		t.Errorf("workers in turn: %v, want six", pids)
	}
	m.WaitLog("Autorestarting worker after current request.", waitTimeout)
}

// TestBootErrors: an interpreter that cannot start is exit 3, an app that
// cannot be imported exit 4, each with gunicorn's reason.
func TestBootErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		reason string
	}{
		{"no interpreter", []string{"--python", "/nonexistent/python3", "apps:app"}, 3, "Reason: Worker failed to boot."},
		{"no module", []string{"no_such_module:app"}, 4, "Reason: App failed to load."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := testkit.Start(t, testkit.StartOptions{}, binary(t), append([]string{"-b", "127.0.0.1:0", "--chdir", testkit.Testdata(t)}, tc.args...)...)
			if code := p.Wait(waitTimeout); code != tc.code {
				t.Errorf("exit %d, want %d:\n%s", code, tc.code, p.Stderr.String())
			}
			p.WaitLog(tc.reason, waitTimeout)
			log := p.Stderr.String()
			if n := strings.Count(log, "Shutting down: Master"); n != 1 {
				t.Errorf("%q logged %d times, want once:\n%s", "Shutting down: Master", n, log)
			}
			if strings.Contains(log, fmt.Sprintf("Worker exiting (pid: %d)", p.Pid())) {
				t.Errorf("the master's pid given as the worker's:\n%s", log)
			}
		})
	}
}

// TestMasterKilled: when the master dies by SIGKILL, which it cannot
// handle, its workers die with it: nothing is left serving nobody.
func TestMasterKilled(t *testing.T) {
	t.Parallel()
	m := startMaster(t, nil, "-w", "3", "apps:app")
	pids := m.waitWorkers(3, nil)
	if err := syscall.Kill(m.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	m.Wait(waitTimeout)
	start := time.Now()
	testkit.WaitFor(t, "the workers to die with the master", waitTimeout, func() bool {
		for _, pid := range pids {
			if testkit.Running(pid) {
				return false
			}
		}
		return true
	})
	t.Logf("the workers were gone %v after the master", time.Since(start).Round(time.Millisecond))
}

// TestSlowRequestStrandsNone: while one worker is held by a slow request,
// a steady load of quick ones is answered, every one of them: none is left
// waiting behind the slow one, even one the master had sent ahead to that
// worker before the request there turned out slow (it is taken back). The
// load is stopped, which waits for every request it sent, while the slow
// request is still held: a quick request stranded behind it would never
// end.
func TestSlowRequestStrandsNone(t *testing.T) {
	t.Parallel()
	for _, threads := range []string{"1", "2"} {
		t.Run("threads "+threads, func(t *testing.T) {
			t.Parallel()
			m := startMaster(t, nil, "-w", "2", "--threads", threads, "apps:app")
			m.waitWorkers(2, nil)
			l := startLoad(m.url+"/", 8)
			l.WaitFor(t, "the load to run", func(l *testkit.Load) bool { return l.OK >= 100 })
			hold := filepath.Join(t.TempDir(), "release")
			slow := make(chan int, 1)
			go func() {
				status, _, _ := get(&http.Client{}, m.url+"/hold?"+hold)
				slow <- status
			}()
			testkit.WaitFor(t, "the slow request to run", waitTimeout, func() bool {
				_, err := os.Stat(hold + ".started")
				return err == nil
			})
			l.WaitFor(t, "quick answers beside the slow request", func(l *testkit.Load) bool { return l.OK >= 600 })
			ended := make(chan struct{})
			go func() { l.End(); close(ended) }()
			select {
			case <-ended:
			case <-time.After(waitTimeout):
				t.Fatal("a quick request is stranded behind the slow one")
			}
			if err := os.WriteFile(hold, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if status := <-slow; status != 200 {
				t.Errorf("the slow request: %d", status)
			}
			if len(l.Errs) > 0 || len(l.Statuses) > 0 {
				t.Errorf("quick requests failed: %s", l.Failures())
			}
		})
	}
}

// TestMasterSharesCPUs: a master serving Python workers runs its Go code on
// half the CPUs, at least one, leaving the others to the workers; a
// GOMAXPROCS in the environment is obeyed.
func TestMasterSharesCPUs(t *testing.T) {
	t.Parallel()
	onCPUs := func(env string) (n, of int) {
		t.Helper()
		m := startMaster(t, []string{env}, "--log-level", "debug", "apps:app")
		line := m.WaitLog("CPUs (GOMAXPROCS sets it)", waitTimeout)
		_, rest, _ := strings.Cut(line, "Go code on ")
		if _, err := fmt.Sscanf(rest, "%d of %d CPUs", &n, &of); err != nil {
			t.Fatalf("%s: %q: %v", env, line, err)
		}
		m.mustGet("/")
		return n, of
	}
	n, of := onCPUs("GOMAXPROCS=") // empty: unset, for the runtime as for us
	if of != runtime.NumCPU() {
		t.Errorf("of %d CPUs, want runtime.NumCPU() = %d", of, runtime.NumCPU())
	}
	quota := runtime.GOMAXPROCS(0) != runtime.NumCPU() // a container's quota or -cpu: the default is not NumCPU
	if want := max(1, of/2); n != want && !quota {
		t.Errorf("the master runs on %d of %d CPUs, want %d", n, of, want)
	}
	if n, _ := onCPUs("GOMAXPROCS=3"); n != 3 {
		t.Errorf("with GOMAXPROCS=3 the master runs on %d CPUs", n)
	}
}

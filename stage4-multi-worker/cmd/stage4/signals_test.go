package main

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"

	"gunicorn-go/shared/testkit"
)

// versioned is a test app that answers its VERSION: HUP must switch the
// answers once the code on disk changes. Each version is a different
// length, so that Python never takes a stale .pyc for the new source.
func versioned(version string) string {
	return "import json, os\n\nVERSION = " + fmt.Sprintf("%q", version) + "\n\n\n" +
		"def app(environ, start_response):\n" +
		"    start_response('200 OK', [('Content-Type', 'application/json')])\n" +
		"    return [json.dumps({'pid': os.getpid(), 'version': VERSION}).encode()]\n"
}

// TestReloadUnderLoad: HUP, while keep-alive clients keep asking and the
// app's code has changed on disk, switches the answers to the new code with
// no request failing; the old workers retire. HUP with code that no longer
// imports leaves the old workers answering, and logs the traceback.
func TestReloadUnderLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeApp(t, dir, "versioned.py", versioned("one"))
	m := startMaster(t, nil, "-w", "2", "--chdir", dir, "versioned:app")
	old := m.waitWorkers(2, nil)
	l := startLoad(m.url+"/", 4)
	l.WaitFor(t, "answers from the first version", func(l *testkit.Load) bool { return l.Count("version", "one") > 20 })

	writeApp(t, dir, "versioned.py", versioned("two-two"))
	m.Signal(syscall.SIGHUP)
	fresh := m.waitWorkers(2, func(pids []int) bool { return !slices.Contains(pids, old[0]) && !slices.Contains(pids, old[1]) })
	// Each new worker serves as soon as it has loaded the app; the old ones
	// retire once all the new ones do.
	m.WaitLog("Reload done: 2 new worker(s) serve", waitTimeout)
	done := l.Count("version", "two-two")
	l.WaitFor(t, "answers from the second version", func(l *testkit.Load) bool { return l.Count("version", "two-two") > done+50 })
	l.End()
	if len(l.Errs) > 0 || len(l.Statuses) > 0 {
		t.Errorf("requests failed during the reload: %s", l.Failures())
	}
	if tail := l.Last("version", 20); slices.ContainsFunc(tail, func(v string) bool { return v != "two-two" }) {
		t.Errorf("answers after the reload: %q", tail)
	}
	t.Logf("reload under load: %s", l.Failures())

	writeApp(t, dir, "versioned.py", "raise ImportError('the new code is broken')\n")
	m.Signal(syscall.SIGHUP)
	m.WaitLog("Reload failed: the new workers cannot load the app; the previous workers keep serving", waitTimeout)
	m.WaitLog("ImportError: the new code is broken", waitTimeout)
	for range 10 {
		if r := m.mustGet("/"); r.Version != "two-two" {
			t.Errorf("after a failed reload: %+v", r)
		}
	}
	if got := m.waitWorkers(2, nil); !slices.Equal(got, fresh) {
		t.Errorf("workers after a failed reload: %v, want %v", got, fresh)
	}
}

// TestGracefulStopUnderLoad: TERM while eight keep-alive clients keep
// asking, and slow requests are in flight, loses no request that reached
// the server: the slow ones finish, every other is answered or finds the
// listener closed, and the master exits 0.
func TestGracefulStopUnderLoad(t *testing.T) {
	t.Parallel()
	m := startMaster(t, nil, "-w", "2", "--threads", "4", "apps:app")
	m.waitWorkers(2, nil)
	l := startLoad(m.url+"/", 8)
	l.WaitFor(t, "the load to run", func(l *testkit.Load) bool { return l.OK > 100 })
	slow := make(chan int, 3)
	running := t.TempDir()
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, err := get(&http.Client{}, m.url+"/sleep?"+running+"&1")
			if err != nil {
				t.Errorf("a slow request in flight at TERM: %v", err)
			}
			slow <- status
		}()
	}
	testkit.WaitFor(t, "the slow requests to be running", waitTimeout, func() bool {
		entries, _ := os.ReadDir(running)
		return len(entries) == 3
	})
	m.Signal(syscall.SIGTERM)
	if code := m.Wait(waitTimeout); code != 0 {
		t.Errorf("exit %d after TERM, want 0", code)
	}
	l.End()
	wg.Wait()
	close(slow)
	for status := range slow {
		if status != 200 {
			t.Errorf("a slow request in flight at TERM: %d", status)
		}
	}
	var lost []error
	for _, err := range l.Errs {
		if !refused(err) {
			lost = append(lost, err)
		}
	}
	if len(lost) > 0 || len(l.Statuses) > 0 {
		t.Errorf("requests lost at TERM: %v; statuses %v", lost, l.Statuses)
	}
	t.Logf("TERM under load: %d answered, %d refused after the listener closed", l.OK, len(l.Errs)-len(lost))
}

// TestBrokenReplacementsBackOff: when the app's code breaks on disk, a
// worker that dies is replaced by one that cannot load it: the attempts
// back off (they do not loop at full speed), the remaining worker serves
// meanwhile, and once none is left the master stops with exit 4.
func TestBrokenReplacementsBackOff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeApp(t, dir, "versioned.py", versioned("one"))
	m := startMaster(t, nil, "-w", "2", "--chdir", dir, "versioned:app")
	// Both must have loaded the app before it breaks: a first worker that
	// cannot load it stops the master (exit 4), as gunicorn's does.
	m.WaitLog("Ready: 2 worker(s) serve", startTimeout)
	pids := m.waitWorkers(2, nil)
	writeApp(t, dir, "versioned.py", "raise ImportError('broken on disk')\n")
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	m.WaitLog("A new worker could not load the app (retrying in", waitTimeout)
	for range 10 {
		if r := m.mustGet("/"); r.Pid != pids[1] || r.Version != "one" {
			t.Errorf("the remaining worker: %+v", r)
		}
	}
	if n := len(m.Lines("Booting worker with pid")); n > 4 {
		t.Errorf("%d boots already: the replacements do not back off", n)
	}
	if err := syscall.Kill(pids[1], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := m.Wait(waitTimeout); code != 4 {
		t.Errorf("exit %d with no worker left and the app broken, want 4", code)
	}
	m.WaitLog("Reason: App failed to load.", waitTimeout)
}

// TestReloadKeepsTheBinds: a HUP that finds a different bind in the
// config file says it takes a new master, and serves on where it was.
func TestReloadKeepsTheBinds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeApp(t, dir, "gunicorn.conf.py", "workers = 1\nbind = '127.0.0.1:0'\n")
	p := testkit.Start(t, testkit.StartOptions{Dir: dir}, binary(t), "--python", testkit.RealPython(t), "--chdir", testkit.Testdata(t), "apps:app")
	m := &master{Proc: p, t: t, url: "http://" + p.WaitListening(startTimeout)}
	old := m.waitWorkers(1, nil)
	writeApp(t, dir, "gunicorn.conf.py", "workers = 2\nbind = '127.0.0.1:1'\n")
	m.Signal(syscall.SIGHUP)
	m.WaitLog("bind changed: it takes a new master (a restart) to act", waitTimeout)
	// The workers, new processes, take what changed for them.
	m.waitWorkers(2, func(pids []int) bool { return !slices.Contains(pids, old[0]) })
	m.mustGet("/")
}

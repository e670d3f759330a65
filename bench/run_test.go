package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"gunicorn-go/shared/proc"
	"gunicorn-go/shared/testkit"
)

// TestRun runs real servers for a second each through the harness: wrk's
// real output parses, the servers answer the same bytes, memory is read
// from /proc, the side loads run beside wrk, and no process of any server
// is left afterwards.
func TestRun(t *testing.T) {
	wrk := testkit.RequireTool(t, "wrk", "wrk")
	python := testkit.PythonWith(t, "gunicorn", "gunicorn")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raiseFDLimit(); err != nil {
		t.Fatal(err)
	}
	c := Case{
		ID: "t", Title: "test", Path: "/", Metric: metricRPS,
		Entries: []Entry{
			{Name: "net/http", Server: netHTTP},
			{Name: "net/http + idle", Server: netHTTP, Side: side{idle: 100}, Base: "net/http"},
			{Name: "net/http + slow", Server: netHTTP, Side: side{slow: 10}, Base: "net/http"},
			{Name: "gunicorn sync", Server: gunicorn(helloApp, "-w", "2")},
			{Name: "not installed", Server: func(*Env, string) (launch, string) { return launch{}, "nope (apt-get install nope)" }},
		},
		Refs: []Ref{{Label: "kept", Percent: true}},
	}
	cfg := Config{
		Env:     &Env{Root: testkit.RepoRoot(t), Python: python, Self: self},
		Wrk:     wrk,
		Load:    Load{Threads: 1, Conns: 4, Duration: time.Second},
		Pause:   100 * time.Millisecond,
		Warmup:  time.Second, // the path make bench takes, before each measured run
		Dir:     t.TempDir(),
		Options: DefaultOptions,
	}
	var progress testkit.Buffer
	results := Run(cfg, []Case{c}, &progress)
	if len(results) != 1 || len(results[0].Rows) != len(c.Entries) {
		t.Fatalf("Run returned %+v, want one case with a row per entry", results)
	}
	rows := results[0].Rows
	for _, r := range rows[:4] {
		if !r.ok() {
			t.Fatalf("%s: skipped %q, error %v\nprogress:\n%s", r.Name, r.Skipped, r.Err, progress.String())
		}
		if r.Result.Requests == 0 || r.Result.ReqPerSec <= 0 || r.Result.P50 <= 0 || r.Result.P99 < r.Result.P50 {
			t.Errorf("%s: implausible result %+v", r.Name, r.Result)
		}
		if r.Result.Errors() != 0 {
			t.Errorf("%s: %d errors, want none", r.Name, r.Result.Errors())
		}
		if r.Mem.Procs < 1 || r.Mem.Leader <= 0 || r.Mem.Total < r.Mem.Leader {
			t.Errorf("%s: implausible memory %+v", r.Name, r.Mem)
		}
		if string(r.Body) != helloBody {
			t.Errorf("%s answers %q, want %q: helloBody must match hello.py", r.Name, r.Body, helloBody)
		}
		if g, err := proc.Group(r.Pid); err != nil || len(g) != 0 {
			t.Errorf("%s: process group %d still has %v after Run (%v)", r.Name, r.Pid, g, err)
		}
	}
	if rows[3].Mem.Procs < 3 {
		t.Errorf("gunicorn -w 2: %d processes measured, want the master and two workers", rows[3].Mem.Procs)
	}
	if notes := strings.Join(rows[1].Notes, "; "); !strings.Contains(notes, "100 of 100 idle still open") {
		t.Errorf("idle row's notes %q, want all 100 idle connections still open", notes)
	}
	if notes := strings.Join(rows[2].Notes, "; "); !strings.Contains(notes, "server closed slow clients 0 times") {
		t.Errorf("slow row's notes %q, want that none was closed", notes)
	}
	if r := rows[4]; r.Skipped == "" || r.Pid != 0 {
		t.Errorf("a server not installed: skipped %q, pid %d; want skipped, never started", r.Skipped, r.Pid)
	}
	if _, ok := Ratio(rows, c.Refs[0], rows[1], c.Metric); !ok {
		t.Error("the idle row has no ratio to its base")
	}
}

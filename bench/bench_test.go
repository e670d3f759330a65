package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestMain doubles as the net/http contender: the harness re-executes this
// test binary with helloEnv set, as `go run ./bench` re-executes itself.
func TestMain(m *testing.M) {
	if addr := os.Getenv(helloEnv); addr != "" {
		if err := serveHello(addr, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestParseWrk(t *testing.T) {
	tests := []struct {
		file string
		want Result
	}{
		{"wrk-ok.txt", Result{Requests: 15807, ReqPerSec: 7866.52, P50: 7860 * time.Microsecond, P99: 11130 * time.Microsecond}},
		{"wrk-errors.txt", Result{Requests: 24, ReqPerSec: 11.94, P50: 417 * time.Microsecond, P99: 9310 * time.Microsecond, SocketErrors: 16, Non2xx: 24}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseWrk(readFile(t, filepath.Join("testdata", tt.file)))
			if err != nil {
				t.Fatalf("ParseWrk: %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseWrk:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	t.Run("wrk-refused.txt", func(t *testing.T) {
		_, err := ParseWrk(readFile(t, filepath.Join("testdata", "wrk-refused.txt")))
		if !errors.Is(err, errNoWrkSummary) {
			t.Errorf("ParseWrk error = %v, want errNoWrkSummary", err)
		}
	})
}

// TestMarkdown pins RESULTS.md's layout with a golden file: go test -update
// rewrites it.
func TestMarkdown(t *testing.T) {
	m := Machine{Date: "2026-01-02 03:04 UTC", CPUs: 2, CPUModel: "Test CPU", Go: "go1.99", Gunicorn: "gunicorn (version 20.1.0)", Python: "Python 3.11.2", Wrk: "wrk 4.1.0"}
	rows := []Row{
		{Server: "stage2", Skipped: "bin/stage2 not built (make build)"},
		{Server: "gunicorn-sync", Command: "gunicorn -w 1 hello:app", Body: []byte("hi"), Result: Result{ReqPerSec: 5000, P50: 7860 * time.Microsecond, P99: 11134 * time.Microsecond}, Rounds: []float64{5100, 4800, 5000}},
		{Server: "gunicorn-gthread", Command: "gunicorn -k gthread hello:app", Err: errors.New("bench: server exited before listening:\nTraceback")},
		{Server: "net/http", Command: "bench", Body: []byte("hi"), Result: Result{ReqPerSec: 25000.4, P50: 417 * time.Microsecond, P99: 2 * time.Millisecond, SocketErrors: 1, Non2xx: 2}},
	}
	got := Markdown(m, Load{Threads: 2, Conns: 64, Duration: 8 * time.Second}, rows)
	golden := filepath.Join("testdata", "results.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := readFile(t, golden); got != want {
		t.Errorf("Markdown differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
}

// TestMedian: each server's row is its median round, with every round listed
// in running order, and a failed round is not hidden by the others.
func TestMedian(t *testing.T) {
	round := func(rps float64) Row { return Row{Server: "s", Result: Result{ReqPerSec: rps}} }
	m := median([]Row{round(300), round(100), round(200)})
	if m.Result.ReqPerSec != 200 || !slices.Equal(m.Rounds, []float64{300, 100, 200}) {
		t.Errorf("median of 300, 100, 200 = %v with rounds %v, want 200 with 300, 100, 200", m.Result.ReqPerSec, m.Rounds)
	}
	if m := median([]Row{round(100), round(200)}); m.Result.ReqPerSec != 100 {
		t.Errorf("median of two rounds = %v, want the lower, 100", m.Result.ReqPerSec)
	}
	failed := Row{Server: "s", Err: errors.New("boom")}
	if m := median([]Row{round(100), failed, round(200)}); m.Err == nil {
		t.Error("a failed round was hidden by the others")
	}
}

func TestLookupServer(t *testing.T) {
	if _, err := lookupServer("nginx"); !errors.Is(err, errUnknownServer) {
		t.Errorf("lookupServer(nginx) error = %v, want errUnknownServer", err)
	}
	_, skip := stageCommand("stage2")(t.TempDir())
	if !strings.Contains(skip, "bin/stage2 not built") {
		t.Errorf("stage2 in an empty root: skip = %q, want it to say bin/stage2 is not built", skip)
	}
}

// TestRun benchmarks net/http and gunicorn's sync worker for a second each:
// wrk's real output parses, both serve the same bytes, and no process of
// either is left afterwards.
func TestRun(t *testing.T) {
	wrk := testkit.RequireTool(t, "wrk", "wrk")
	testkit.RequireTool(t, "gunicorn", "gunicorn")
	root := testkit.RepoRoot(t)
	cfg := Config{
		Root:    root,
		Wrk:     wrk,
		Load:    Load{Threads: 1, Conns: 4, Duration: time.Second},
		Servers: []string{"net/http", "gunicorn-sync"},
	}
	var progress testkit.Buffer
	rows, err := Run(cfg, &progress)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(rows) != 2 {
		t.Fatalf("Run returned %d rows, want 2", len(rows))
	}
	for _, r := range rows {
		if !r.ok() {
			t.Fatalf("%s: skipped %q, error %v\nprogress:\n%s", r.Server, r.Skipped, r.Err, progress.String())
		}
		if r.Result.Requests == 0 || r.Result.ReqPerSec <= 0 || r.Result.P50 <= 0 || r.Result.P99 < r.Result.P50 {
			t.Errorf("%s: implausible result %+v", r.Server, r.Result)
		}
		if r.Result.Errors() != 0 {
			t.Errorf("%s: %d errors, want none", r.Server, r.Result.Errors())
		}
		// Signal 0 probes without signalling: ESRCH means no such process.
		if err := syscall.Kill(-r.Pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s: process group %d still has processes after Run (kill -0: %v)", r.Server, r.Pid, err)
			syscall.Kill(-r.Pid, syscall.SIGKILL) // leave nothing behind even so
		}
	}
	if string(rows[0].Body) != string(rows[1].Body) {
		t.Errorf("net/http answers %q, gunicorn with hello.py %q: helloBody must match hello.py", rows[0].Body, rows[1].Body)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

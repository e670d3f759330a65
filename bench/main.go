package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	// The net/http contender: this binary again, started by the harness.
	if addr := os.Getenv(helloEnv); addr != "" {
		if err := serveHello(addr, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command: it parses args, benchmarks, prints the results on
// stdout and writes them to -out. Exit status: 0 when every server either
// ran or was skipped with a reason, 1 when one failed (or, with -quick, the
// written results are incomplete), 2 for a usage or setup error.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := DefaultOptions
	dur := fs.Duration("d", 8*time.Second, "how long each server is driven (wrk -d)")
	conns := fs.Int("c", 64, "open connections (wrk -c)")
	threads := fs.Int("t", 2, "wrk threads (wrk -t)")
	rounds := fs.Int("rounds", 1, "how many times each case's servers run in turn; each row is its median round")
	cases := fs.String("cases", "", "comma-separated cases to run, in order (1,2,3,4,5,6,7,8; 4 is 4a and 4b); default all")
	quick := fs.Bool("quick", false, "smoke-test the harness: one-second runs, one round, results checked for completeness")
	fs.IntVar(&o.Workers, "w", o.Workers, "workers of every server (-w, --processes), except case 8's")
	candidates := fs.String("threads", joinInts(o.Threads), "gunicorn-go's --threads candidates in cases 1 and 2, comma-separated")
	fs.IntVar(&o.PeerThreads, "peer-threads", o.PeerThreads, "--threads of gunicorn gthread and uWSGI, and of gunicorn-go outside cases 1 and 2")
	fs.IntVar(&o.Idle, "idle", o.Idle, "case 5's idle keep-alive connections")
	fs.IntVar(&o.Slow, "slow", o.Slow, "case 6's slow clients")
	fs.Float64Var(&o.MixedLoad, "mixed-load", o.MixedLoad, "case 7's load, a share of what the threads can hold, as an open loop (0: a closed loop, as wrk)")
	fs.IntVar(&o.StartupWorkers, "startup-workers", o.StartupWorkers, "case 8's workers")
	warmup := fs.Duration("warmup", time.Second, "how long wrk drives each server, unmeasured, before its measured run (0: none; whole seconds)")
	pause := fs.Duration("pause", time.Second, "how long a slow client waits between bytes (case 6)")
	python := fs.String("python", "/usr/bin/python3", "the Python of gunicorn, of uWSGI's plugin, and gunicorn-go's --python (Debian's has Django)")
	root := fs.String("root", "", "the repository's root (default: the directory holding go.work above here)")
	out := fs.String("out", "", "where to write the results (default: ROOT/bench/RESULTS.md; - for none)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	var err error
	if o.Threads, err = parseInts(*candidates); err != nil {
		fmt.Fprintln(stderr, "bench: -threads:", err)
		return 2
	}
	if *quick {
		*dur, *rounds, *warmup = time.Second, 1, 0
	}
	selected, err := SelectCases(Cases(o), *cases)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *root == "" {
		if *root, err = findRoot(); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	if *out == "" {
		*out = filepath.Join(*root, "bench", "RESULTS.md")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		fmt.Fprintln(stderr, "bench: wrk not found: install the Debian package wrk")
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "bench: find this executable:", err)
		return 2
	}
	if _, err := raiseFDLimit(); err != nil {
		fmt.Fprintln(stderr, "bench:", err) // case 5 will say what it lacks
	}
	dir, err := os.MkdirTemp("", "gunicorn-go-bench-")
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	defer os.RemoveAll(dir)

	env := &Env{Root: *root, Python: *python, Self: self, GunicornGo: findGunicornGo(*root)}
	cfg := Config{
		Env:     env,
		Wrk:     wrk,
		Load:    Load{Threads: *threads, Conns: *conns, Duration: *dur},
		Rounds:  *rounds,
		Pause:   *pause,
		Warmup:  *warmup,
		Dir:     dir,
		Options: o,
	}
	results := Run(cfg, selected, stderr)
	rep := Report{Machine: describeMachine(env, wrk), Load: cfg.Load, Rounds: cfg.Rounds, Warmup: cfg.Warmup, Quick: *quick, Results: results}
	md := rep.Markdown()
	fmt.Fprint(stdout, md)
	status := 0
	for _, cr := range results {
		for _, r := range cr.Rows {
			if r.Err != nil {
				status = 1
			}
		}
	}
	if *out != "-" {
		if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
			fmt.Fprintln(stderr, "bench: write results:", err)
			return 2
		}
		fmt.Fprintln(stderr, "bench: wrote", *out)
		outAbs, _ := filepath.Abs(*out)
		rootAbs, _ := filepath.Abs(*root)
		if !*quick && outAbs == filepath.Join(rootAbs, "bench", "RESULTS.md") {
			readme := filepath.Join(rootAbs, "README.md")
			if err := quoteInReadme(readme, md); err != nil {
				fmt.Fprintln(stderr, "bench: quote the goals in the README:", err)
				return 2
			}
			fmt.Fprintln(stderr, "bench: quoted the goals in", readme)
		}
		if *quick {
			if err := CheckResults(results, *out); err != nil {
				fmt.Fprintln(stderr, "bench: QUICK check failed:", err)
				return 1
			}
			fmt.Fprintf(stderr, "bench: QUICK check passed: %d cases, each server ran or was skipped with a reason\n", len(results))
		}
	}
	return status
}

// joinInts writes ns comma-separated.
func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// parseInts reads comma-separated positive integers.
func parseInts(s string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// errNoRoot: no go.work in the working directory or above it.
var errNoRoot = errors.New("bench: no go.work here or above: run from the repository")

// findRoot returns the nearest directory at or above the working directory
// that holds go.work.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the repository's root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errNoRoot
		}
		dir = parent
	}
}

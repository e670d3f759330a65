package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
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

// run is the command: it parses args, benchmarks, prints the table on stdout
// and writes RESULTS.md. Exit status: 0 when every server that ran was
// measured, 1 when one failed, 2 for a usage or setup error.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dur := fs.Duration("d", 8*time.Second, "how long wrk drives each server (wrk -d)")
	conns := fs.Int("c", 64, "open connections (wrk -c)")
	threads := fs.Int("t", 2, "wrk threads (wrk -t)")
	names := fs.String("servers", serverNames(), "comma-separated servers to run, in order")
	rounds := fs.Int("rounds", 1, "how many times to run the list; each server's median round is reported")
	root := fs.String("root", "", "the repository's root (default: the directory holding go.work above here)")
	out := fs.String("out", "", "where to write the results (default: ROOT/bench/RESULTS.md; - for none)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *root == "" {
		r, err := findRoot()
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		*root = r
	}
	if *out == "" {
		*out = filepath.Join(*root, "bench", "RESULTS.md")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		fmt.Fprintln(stderr, "bench: wrk not found: install the Debian package wrk")
		return 2
	}
	cfg := Config{
		Root:    *root,
		Wrk:     wrk,
		Load:    Load{Threads: *threads, Conns: *conns, Duration: *dur},
		Servers: strings.Split(*names, ","),
		Rounds:  *rounds,
	}
	rows, err := Run(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	fmt.Fprint(stdout, Table(rows))
	if *out != "-" {
		if err := os.WriteFile(*out, []byte(Markdown(describeMachine(wrk), cfg.Load, rows)), 0o644); err != nil {
			fmt.Fprintln(stderr, "bench: write results:", err)
			return 2
		}
		fmt.Fprintln(stderr, "bench: wrote", *out)
	}
	for _, r := range rows {
		if r.Err != nil {
			return 1
		}
	}
	return 0
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

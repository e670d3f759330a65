package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Machine describes where the numbers were taken: they mean little without it.
type Machine struct {
	Date     string
	CPUs     int
	CPUModel string
	Go       string
	Gunicorn string
	Python   string
	Wrk      string
}

// describeMachine gathers Machine; what it cannot learn it says so.
func describeMachine(wrk string) Machine {
	return Machine{
		Date:     time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		CPUs:     runtime.NumCPU(),
		CPUModel: cpuModel(),
		Go:       runtime.Version(),
		Gunicorn: firstLine("gunicorn", "--version"),
		Python:   firstLine("/usr/bin/python3", "--version"),
		Wrk:      strings.SplitN(firstLine(wrk, "-v"), " [", 2)[0], // drop "[epoll] Copyright…"
	}
}

// firstLine returns the first line a command prints, or why there is none.
// wrk -v exits 1 after printing its version, so the status is not checked.
func firstLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if line == "" && err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return line
}

// cpuModel reads the processor's name from /proc/cpuinfo (Linux).
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// Table renders rows as a Markdown table. The last column divides each
// server's requests/s by the faster of the gunicorn runs: the number this
// project exists to raise.
func Table(rows []Row) string {
	var base float64
	for _, r := range rows {
		if r.ok() && strings.HasPrefix(r.Server, "gunicorn-") {
			base = max(base, r.Result.ReqPerSec)
		}
	}
	var b strings.Builder
	b.WriteString("| server | req/s | p50 | p99 | errors | vs best gunicorn | req/s by round |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rows {
		switch {
		case r.Skipped != "":
			fmt.Fprintf(&b, "| %s | skipped: %s | | | | | |\n", r.Server, r.Skipped)
		case r.Err != nil:
			msg, _, _ := strings.Cut(r.Err.Error(), "\n")
			fmt.Fprintf(&b, "| %s | failed: %s | | | | | |\n", r.Server, strings.ReplaceAll(msg, "|", `\|`))
		default:
			res := r.Result
			ratio := "n/a"
			if base > 0 {
				ratio = fmt.Sprintf("%.2fx", res.ReqPerSec/base)
			}
			errs := "0"
			if res.Errors() > 0 {
				errs = fmt.Sprintf("%d (socket %d, non-2xx/3xx %d)", res.Errors(), res.SocketErrors, res.Non2xx)
			}
			rounds := make([]string, len(r.Rounds))
			for i, v := range r.Rounds {
				rounds[i] = fmt.Sprintf("%.0f", v)
			}
			fmt.Fprintf(&b, "| %s | %.0f | %v | %v | %s | %s | %s |\n",
				r.Server, res.ReqPerSec, latency(res.P50), latency(res.P99), errs, ratio, strings.Join(rounds, ", "))
		}
	}
	return b.String()
}

// latency shows d to 10µs, as wrk does.
func latency(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }

// Markdown renders the whole of RESULTS.md.
func Markdown(m Machine, load Load, rows []Row) string {
	var b strings.Builder
	b.WriteString("# Benchmark results\n\n")
	b.WriteString("Written by `make bench` (bench/); do not edit by hand. Every server serves\n")
	b.WriteString("`shared/examples/hello.py` (net/http the same bytes) on 127.0.0.1 and runs\n")
	b.WriteString("alone; wrk runs on the same machine, so it takes CPU from the server.\n")
	b.WriteString("The list runs in turn once per round; each row is the server's median round.\n\n")
	fmt.Fprintf(&b, "- date: %s\n", m.Date)
	fmt.Fprintf(&b, "- machine: %d CPUs, %s\n", m.CPUs, m.CPUModel)
	fmt.Fprintf(&b, "- go: %s; gunicorn: %s; python: %s\n", m.Go, m.Gunicorn, m.Python)
	fmt.Fprintf(&b, "- load: `wrk %s` (%s)\n\n", strings.Join(load.Args("http://127.0.0.1:PORT/"), " "), m.Wrk)
	b.WriteString(Table(rows))
	if note := bodyNote(rows); note != "" {
		b.WriteString("\n" + note + "\n")
	}
	b.WriteString("\nHow each server was started (port 0: the kernel picks a free one):\n\n")
	for _, r := range rows {
		if r.Command != "" {
			fmt.Fprintf(&b, "- %s: `%s`\n", r.Server, r.Command)
		}
	}
	return b.String()
}

// bodyNote warns when the servers did not all answer GET / alike, which
// would make the comparison unfair.
func bodyNote(rows []Row) string {
	var first *Row
	for i := range rows {
		r := &rows[i]
		if !r.ok() {
			continue
		}
		if first == nil {
			first = r
		} else if !bytes.Equal(first.Body, r.Body) {
			return fmt.Sprintf("**Warning:** %s answered %q but %s answered %q.", first.Server, first.Body, r.Server, r.Body)
		}
	}
	return ""
}

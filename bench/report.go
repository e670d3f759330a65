package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Machine describes where and with what the figures were taken: they mean
// little without it.
type Machine struct {
	Date       string
	CPUs       int
	CPUModel   string
	Go         string
	GunicornGo string // its binary and version
	Gunicorn   string
	UWSGI      string
	Python     string
	Django     string
	Wrk        string
}

// describeMachine gathers Machine; what it cannot learn it says so.
func describeMachine(e *Env, wrk string) Machine {
	m := Machine{
		Date:       time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		CPUs:       runtime.NumCPU(),
		CPUModel:   cpuModel(),
		Go:         runtime.Version(),
		GunicornGo: "not built",
		Gunicorn:   firstLine(e.Python, "-c", "import gunicorn; print(gunicorn.__version__)"),
		UWSGI:      "not installed",
		Python:     firstLine(e.Python, "--version"),
		Django:     firstLine(e.Python, "-c", "import django; print(django.__version__)"),
		Wrk:        strings.SplitN(firstLine(wrk, "-v"), " [", 2)[0], // drop "[epoll] Copyright…"
	}
	if e.GunicornGo != "" {
		m.GunicornGo = e.GunicornGo + ", " + firstLine(filepath.Join(e.Root, e.GunicornGo), "--version")
	}
	if bin, err := exec.LookPath("uwsgi"); err == nil {
		m.UWSGI = firstLine(bin, "--version")
	}
	return m
}

// firstLine returns the first line a command prints, or why there is none.
// wrk -v exits 1 after printing its version, so the status is not checked.
func firstLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if err != nil && (line == "" || strings.Contains(line, "Error")) {
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

// Report is everything RESULTS.md says.
type Report struct {
	Machine Machine
	Load    Load
	Rounds  int
	Warmup  time.Duration // unmeasured wrk run before each server's measured one
	Quick   bool          // one-second runs: a smoke test, not figures
	Results []CaseResult
}

// Markdown renders RESULTS.md.
func (rep Report) Markdown() string {
	var b strings.Builder
	m := rep.Machine
	b.WriteString("# Benchmark results\n\n")
	b.WriteString("Written by `make bench` (bench/); do not edit by hand. bench/README.md says how the\n")
	b.WriteString("figures are taken. Every server runs alone on 127.0.0.1, and the load generator on\n")
	b.WriteString("the same machine, so it takes CPU from the server.\n\n")
	if rep.Quick {
		b.WriteString("**QUICK run** (`make bench QUICK=1`): one-second runs that smoke-test the harness;\n")
		b.WriteString("their figures mean nothing.\n\n")
	}
	fmt.Fprintf(&b, "- date: %s\n", m.Date)
	fmt.Fprintf(&b, "- machine: %d CPUs, %s\n", m.CPUs, m.CPUModel)
	fmt.Fprintf(&b, "- gunicorn-go: %s; %s\n", m.GunicornGo, m.Go)
	fmt.Fprintf(&b, "- gunicorn %s; uWSGI %s; %s; Django %s\n", m.Gunicorn, m.UWSGI, m.Python, m.Django)
	more := "" // the cases given more rounds (Case.Rounds)
	var ids []string
	n := 0
	for _, cr := range rep.Results {
		if rep.Rounds > 1 && cr.Case.Rounds > rep.Rounds {
			ids, n = append(ids, cr.Case.ID), max(n, cr.Case.Rounds)
		}
	}
	if len(ids) > 0 {
		more = fmt.Sprintf(" (%d for %s %s, whose figure is a ratio of paired rounds)", n, plural(len(ids), "case", "cases"), strings.Join(ids, " and "))
	}
	warm := ""
	if rep.Warmup > 0 {
		warm = fmt.Sprintf(", each server first driven %v unmeasured (a warm-up, before any side load)", rep.Warmup)
	}
	fmt.Fprintf(&b, "- load: `wrk %s` (%s)%s; %d %s per case%s, every other one in reverse order, each row its median round\n\n",
		strings.Join(rep.Load.Args("URL", "")[:4], " "), m.Wrk, warm, max(rep.Rounds, 1), plural(max(rep.Rounds, 1), "round", "rounds"), more)

	b.WriteString("## Goals\n\n")
	b.WriteString("The issue's targets for gunicorn-go, each judged on its best row.\n\n")
	b.WriteString("| case | goal | gunicorn-go's row | figure | target | met |\n")
	b.WriteString("|---|---|---|--:|--:|---|\n")
	for _, cr := range rep.Results {
		for _, g := range Judge(cr.Case, cr.Rows) {
			figure, met := "not measured", "—"
			if g.OK {
				figure, met = goalFigure(cr.Case, g.Goal, g.Value, 2), "no"
				if g.Met {
					met = "yes"
				} else if figure == goalFigure(cr.Case, g.Goal, g.Goal.AtLeast, 2) || figure == goalFigure(cr.Case, g.Goal, g.Goal.AtMost, 2) {
					figure = goalFigure(cr.Case, g.Goal, g.Value, 4) // not "2.50×, ≥ 2.50×: no"
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", cr.Case.ID, g.Goal.What, cell(g.Row), figure, goalTarget(cr.Case, g.Goal), met)
		}
	}
	for _, cr := range rep.Results {
		b.WriteString("\n")
		b.WriteString(caseSection(cr))
	}
	return b.String()
}

// goalFigure shows a goal's value as its column does, a ratio or MiB, to
// digits decimals (a percentage or MiB to two fewer).
func goalFigure(c Case, g Goal, v float64, digits int) string {
	if g.Ref == refMasterRSS {
		return fmt.Sprintf("%.*f MiB", digits-2, v)
	}
	if c.Refs[g.Ref].Percent {
		return fmt.Sprintf("%.*f%%", digits-2, v*100)
	}
	return fmt.Sprintf("%.*f×", digits, v)
}

// goalTarget shows a goal's bound.
func goalTarget(c Case, g Goal) string {
	var parts []string
	if g.AtLeast != 0 {
		parts = append(parts, "≥ "+goalFigure(c, g, g.AtLeast, 2))
	}
	if g.AtMost != 0 {
		parts = append(parts, "≤ "+goalFigure(c, g, g.AtMost, 2))
	}
	return strings.Join(parts, ", ")
}

// ratioText shows a ratio of column ref: "2.50×", or "93%".
func ratioText(ref Ref, v float64) string {
	if ref.Percent {
		return fmt.Sprintf("%.0f%%", v*100)
	}
	return fmt.Sprintf("%.2f×", v)
}

// caseSection renders one case: its heading, what it measures, its table,
// what the servers warned about and how each was started.
func caseSection(cr CaseResult) string {
	c := cr.Case
	var b strings.Builder
	fmt.Fprintf(&b, "## %s. %s\n\n%s\n\n", c.ID, c.Title, c.About)
	b.WriteString(Table(cr))
	if note := bodyNote(cr.Rows); note != "" {
		b.WriteString("\n" + note + "\n")
	}
	if w := warningList(cr.Rows); w != "" {
		b.WriteString("\nThe servers warned:\n\n" + w)
	}
	b.WriteString("\nCommands (PORT: a free port, new for every start):\n\n")
	for _, r := range cr.Rows {
		if r.Command != "" {
			fmt.Fprintf(&b, "- %s: `%s`\n", r.Name, r.Command)
		}
	}
	return b.String()
}

// column is one column of a case's table.
type column struct {
	head  string
	right bool // numbers are right-aligned
	cell  func(r Row) string
}

// columns returns the columns of case c's table.
func columns(c Case, rows []Row) []column {
	var cols []column
	if c.Kind == kindStartup {
		cols = append(cols, column{"start-up", true, func(r Row) string { return r.Startup.Round(time.Millisecond).String() }})
	} else {
		lat := ""
		if c.Kind == kindMixed {
			lat = "fast "
		}
		cols = append(cols,
			column{"req/s", true, func(r Row) string { return fmt.Sprintf("%.0f", r.Result.ReqPerSec) }},
			column{lat + "p50", true, func(r Row) string { return latency(r.Result.P50).String() }},
			column{lat + "p99", true, func(r Row) string { return latency(r.Result.P99).String() }},
			column{"non-2xx", true, func(r Row) string { return fmt.Sprint(r.Result.Non2xx) }},
			column{"socket errors", true, func(r Row) string { return fmt.Sprint(r.Result.SocketErrors) }},
			column{"RSS, all (procs)", true, func(r Row) string { return fmt.Sprintf("%s (%d)", mib(r.Mem.Total), r.Mem.Procs) }},
			column{"master RSS", true, func(r Row) string { return mib(r.Mem.Leader) }},
		)
	}
	for _, ref := range c.Refs {
		cols = append(cols, column{ref.Label, true, func(r Row) string {
			if v, ok := Ratio(rows, ref, r, c.Metric); ok {
				return ratioText(ref, v)
			}
			return ""
		}})
	}
	byRound := map[metric]string{metricRPS: "req/s", metricP99: "fast p99", metricStartup: "start-up"}[c.Metric] + " by round"
	cols = append(cols,
		column{byRound, true, func(r Row) string {
			vals := make([]string, len(r.Rounds))
			for i, v := range r.Rounds {
				vals[i] = figure(c.Metric, v)
			}
			return strings.Join(vals, ", ")
		}},
		column{"notes", false, func(r Row) string {
			notes := r.Notes
			if best, ok := bestOf(rows, r.Group, c.Metric); ok && best.Name == r.Name && groupSize(rows, r.Group) > 1 {
				notes = append([]string{"best of " + r.Group}, notes...)
			}
			return strings.Join(notes, "; ")
		}},
	)
	return cols
}

// Table renders a case's rows as a Markdown table. A row that was skipped or
// failed says why in its first figure's cell.
func Table(cr CaseResult) string {
	cols := columns(cr.Case, cr.Rows)
	var b strings.Builder
	b.WriteString("| server |")
	for _, c := range cols {
		b.WriteString(" " + c.head + " |")
	}
	b.WriteString("\n|---|")
	for _, c := range cols {
		if c.right {
			b.WriteString("--:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, r := range cr.Rows {
		b.WriteString("| " + r.Name + " |")
		if !r.ok() {
			why := "skipped: " + r.Skipped
			if r.Err != nil {
				msg, _, _ := strings.Cut(r.Err.Error(), "\n")
				why = "failed: " + msg
			}
			b.WriteString(" " + cell(why) + " |" + strings.Repeat(" |", len(cols)-1) + "\n")
			continue
		}
		for _, c := range cols {
			b.WriteString(" " + cell(c.cell(r)) + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// cell escapes a table cell's pipes.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// figure shows a value of metric m.
func figure(m metric, v float64) string {
	switch m {
	case metricP99:
		return latency(time.Duration(v * float64(time.Second))).String()
	case metricStartup:
		return time.Duration(v * float64(time.Second)).Round(time.Millisecond).String()
	}
	return fmt.Sprintf("%.0f", v)
}

// latency shows d to 10µs, as wrk does.
func latency(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }

// mib shows bytes in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// bodyNote warns when the servers of a case did not all answer its GET
// alike, which would make the comparison unfair.
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
			return fmt.Sprintf("**Warning:** %s answered %q but %s answered %q.", first.Name, abbrev(first.Body), r.Name, abbrev(r.Body))
		}
	}
	return ""
}

// abbrev shortens a body for a note.
func abbrev(b []byte) []byte {
	if len(b) > 60 {
		return append(b[:60:60], "…"...)
	}
	return b
}

// warningList lists the distinct warnings of a case's servers, each with
// the rows that gave it.
func warningList(rows []Row) string {
	var msgs []string
	who := map[string][]string{}
	for _, r := range rows {
		for _, w := range r.Warnings {
			if _, seen := who[w]; !seen {
				msgs = append(msgs, w)
			}
			who[w] = append(who[w], r.Name)
		}
	}
	var b strings.Builder
	for _, w := range msgs {
		fmt.Fprintf(&b, "- %s: %s\n", strings.Join(who[w], ", "), w)
	}
	return b.String()
}

// errIncomplete: a RESULTS file lacks a case's section or a row's outcome.
var errIncomplete = errors.New("bench: incomplete results")

// CheckResults is the smoke test of `make bench QUICK=1`: every case has a
// row per entry, each measured or skipped with a reason, and the file
// written at path has every case's section and every row. It asserts
// nothing about speed.
func CheckResults(results []CaseResult, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read the results: %w", err)
	}
	text := string(b)
	var errs []error
	for _, cr := range results {
		c := cr.Case
		if !strings.Contains(text, fmt.Sprintf("\n## %s. %s\n", c.ID, c.Title)) {
			errs = append(errs, fmt.Errorf("%w: %s has no section for case %s", errIncomplete, path, c.ID))
		}
		if len(cr.Rows) != len(c.Entries) {
			errs = append(errs, fmt.Errorf("%w: case %s has %d rows for %d servers", errIncomplete, c.ID, len(cr.Rows), len(c.Entries)))
		}
		for _, r := range cr.Rows {
			switch {
			case r.Err != nil:
				errs = append(errs, fmt.Errorf("case %s: %s failed: %w", c.ID, r.Name, r.Err))
			case !r.ok() && strings.TrimSpace(r.Skipped) == "":
				errs = append(errs, fmt.Errorf("%w: case %s: %s neither ran nor says why", errIncomplete, c.ID, r.Name))
			case !strings.Contains(text, "\n| "+r.Name+" |"):
				errs = append(errs, fmt.Errorf("%w: %s has no row %q in case %s", errIncomplete, path, r.Name, c.ID))
			}
		}
	}
	return errors.Join(errs...)
}

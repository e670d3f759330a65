package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gunicorn-go/shared/proc"
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
		// A server that answers nothing (gunicorn sync behind slow clients):
		// a figure of zero, not a parse error.
		{"wrk-none.txt", Result{}},
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

func TestLoadArgs(t *testing.T) {
	l := Load{Threads: 2, Conns: 64, Duration: 8 * time.Second}
	if got, want := strings.Join(l.Args("http://h/", ""), " "), "-t2 -c64 -d8s --latency http://h/"; got != want {
		t.Errorf("Args = %q, want %q", got, want)
	}
	l.Duration = 300 * time.Millisecond // wrk counts whole seconds, at least 1
	if got, want := strings.Join(l.Args("http://h/", "post.lua"), " "), "-t2 -c64 -d1s --latency -s post.lua http://h/"; got != want {
		t.Errorf("Args = %q, want %q", got, want)
	}
}

// fakeResults gives every entry of cases a made-up measurement, so that the
// report of the real cases can be pinned by a golden file: figures rise
// with the entry's place, uWSGI is "not installed", one row fails.
func fakeResults(cases []Case) []CaseResult {
	var out []CaseResult
	for _, c := range cases {
		cr := CaseResult{Case: c}
		for i, e := range c.Entries {
			r := newRow(e)
			r.Command = "cmd " + strings.ReplaceAll(e.Name, " ", "-")
			r.Body = []byte("<html>Hello, world!</html>")
			f := float64(i + 1)
			switch {
			case strings.HasPrefix(e.Name, "uWSGI"):
				r.Command, r.Skipped = "", "uwsgi not installed (apt-get install "+uwsgiPackages+")"
				cr.Rows = append(cr.Rows, r)
				continue
			case c.ID == "4b" && i == 1:
				r.Err = errors.New("bench: server exited (exit status 1) during the run:\nTraceback | …")
				cr.Rows = append(cr.Rows, r)
				continue
			case c.Kind == kindStartup:
				r.Startup = time.Duration(f*250) * time.Millisecond
				r.Rounds = []float64{r.Startup.Seconds(), r.Startup.Seconds() + 0.1}
			default:
				r.Result = Result{Requests: int64(f * 8000), ReqPerSec: f * 1000, P50: time.Duration(f) * time.Millisecond,
					P99: time.Duration(10-f) * time.Millisecond, Non2xx: int64(i % 2), SocketErrors: int64(i % 3)}
				r.Mem = proc.Memory{Leader: int64(i+1) * 10 << 20, Total: int64(i+1) * 35 << 20, Procs: i + 1}
				r.Rounds = []float64{metricValue(c.Metric, r) * 0.9, metricValue(c.Metric, r)}
				if e.Side.idle > 0 {
					r.Notes = []string{"10000 of 10000 idle still open at the end"}
				}
			}
			if e.Group == "gunicorn-go" {
				r.Warnings = []string{"workers=2: stage 3 runs one worker; the arbiter arrives in stage 4"}
			}
			cr.Rows = append(cr.Rows, r)
		}
		out = append(out, cr)
	}
	return out
}

func metricValue(m metric, r Row) float64 { return m.value(r) }

// TestMarkdown pins RESULTS.md's layout, the real cases' tables, ratios and
// goals included, with a golden file: go test -update rewrites it.
func TestMarkdown(t *testing.T) {
	rep := Report{
		Machine: Machine{Date: "2026-01-02 03:04 UTC", CPUs: 2, CPUModel: "Test CPU", Go: "go1.99",
			GunicornGo: "bin/stage3, gunicorn-go (version 0.3.0, stage 3)", Gunicorn: "20.1.0", UWSGI: "not installed",
			Python: "Python 3.11.2", Django: "3.2.25", Wrk: "wrk 4.1.0"},
		Load:    Load{Threads: 2, Conns: 64, Duration: 8 * time.Second},
		Rounds:  3,
		Warmup:  time.Second,
		Results: fakeResults(Cases(DefaultOptions)),
	}
	testkit.Golden(t, filepath.Join("testdata", "results.golden"), rep.Markdown(), *update)

	rep.Quick = true
	if md := rep.Markdown(); !strings.Contains(md, "**QUICK run**") {
		t.Error("a QUICK report does not say its figures mean nothing")
	}
}

func TestRatio(t *testing.T) {
	row := func(name, group string, rps float64) Row {
		return Row{Name: name, Group: group, Result: Result{ReqPerSec: rps, P99: time.Duration(rps) * time.Millisecond}}
	}
	sync, gthread := row("sync", "gunicorn", 4000), row("gthread", "gunicorn", 5000)
	failed := row("broken", "gunicorn", 9000)
	failed.Err = errors.New("boom")
	goRow := row("go", "gunicorn-go", 10000)
	kept := row("go + idle", "go + idle", 9000)
	kept.Base = "go"
	zero := row("zero", "zero", 0)
	orphan := row("orphan", "orphan", 100)
	orphan.Base = "nobody"
	// Three rounds each: the base's run at 10,000, 5,000 and 20,000 req/s,
	// and the rows' in the same rounds. The medians' ratio would be
	// 9,000/10,000 for pairedKept, but its rounds kept 90%, 60% and 80%.
	paired := row("go2", "go2", 10000)
	paired.Rounds = []float64{10000, 5000, 20000}
	pairedKept := row("go2 + idle", "go2 + idle", 9000)
	pairedKept.Base, pairedKept.Rounds = "go2", []float64{9000, 3000, 16000}
	unpaired := row("go2 + slow", "go2 + slow", 7000)
	unpaired.Base, unpaired.Rounds = "go2", []float64{7000}
	rows := []Row{sync, gthread, failed, goRow, kept, zero, orphan, paired, pairedKept, unpaired}

	vsGunicorn := Ref{Label: "× best gunicorn", Group: "gunicorn"}
	own := Ref{Label: "kept"}
	tests := []struct {
		name   string
		ref    Ref
		r      Row
		m      metric
		want   float64
		wantOK bool
	}{
		{"divides by the group's best, not a failed row", vsGunicorn, goRow, metricRPS, 2, true},
		{"the best itself is 1", vsGunicorn, gthread, metricRPS, 1, true},
		{"below the best", vsGunicorn, sync, metricRPS, 0.8, true},
		{"lower is better for latency: the best is the lowest", vsGunicorn, goRow, metricP99, 2.5, true},
		{"own base", own, kept, metricRPS, 0.9, true},
		{"own base, round by round: the median of the rounds' ratios", own, pairedKept, metricRPS, 0.8, true},
		{"own base, rounds that do not pair: the medians' ratio", own, unpaired, metricRPS, 0.7, true},
		{"no base of its own", own, goRow, metricRPS, 0, false},
		{"base row missing", own, orphan, metricRPS, 0, false},
		{"a failed row has no ratio", vsGunicorn, failed, metricRPS, 0, false},
		{"a reference of zero divides nothing", Ref{Group: "zero"}, goRow, metricRPS, 0, false},
		{"a group with no row", Ref{Group: "nginx"}, goRow, metricRPS, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Ratio(rows, tt.ref, tt.r, tt.m)
			if ok != tt.wantOK || math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Ratio = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	c := Case{
		Metric: metricRPS,
		Refs:   []Ref{{Group: "gunicorn"}},
		Goals: []Goal{
			{What: "at least 2x", Group: "gunicorn-go", Ref: 0, AtLeast: 2},
			{What: "at least 3x", Group: "gunicorn-go", Ref: 0, AtLeast: 3},
			{What: "RSS at most 128 MiB", Group: "gunicorn-go", Ref: refMasterRSS, AtMost: 128},
			{What: "nothing to judge", Group: "nginx", Ref: 0, AtLeast: 1},
		},
	}
	rows := []Row{
		{Name: "sync", Group: "gunicorn", Result: Result{ReqPerSec: 1000}},
		{Name: "go t1", Group: "gunicorn-go", Result: Result{ReqPerSec: 2000}, Mem: proc.Memory{Leader: 200 << 20}},
		{Name: "go t4", Group: "gunicorn-go", Result: Result{ReqPerSec: 2500}, Mem: proc.Memory{Leader: 100 << 20}},
	}
	got := Judge(c, rows)
	want := []struct {
		row   string
		value float64
		met   bool
		ok    bool
	}{{"go t4", 2.5, true, true}, {"go t4", 2.5, false, true}, {"go t4", 100, true, true}, {"", 0, false, false}}
	for i, w := range want {
		g := got[i]
		if g.Row != w.row || g.Value != w.value || g.Met != w.met || g.OK != w.ok {
			t.Errorf("goal %q: got row %q value %v met %v ok %v; want %q %v %v %v",
				g.Goal.What, g.Row, g.Value, g.Met, g.OK, w.row, w.value, w.met, w.ok)
		}
	}
}

// TestMedian: each row is its median round, with every round listed in
// running order; of two the worse; a failed round is not hidden.
func TestMedian(t *testing.T) {
	round := func(rps float64, p99 time.Duration) Row {
		return Row{Name: "s", Result: Result{ReqPerSec: rps, P99: p99}}
	}
	m := median([]Row{round(300, 0), round(100, 0), round(200, 0)}, metricRPS)
	if m.Result.ReqPerSec != 200 || !slices.Equal(m.Rounds, []float64{300, 100, 200}) {
		t.Errorf("median of 300, 100, 200 = %v with rounds %v, want 200 with 300, 100, 200", m.Result.ReqPerSec, m.Rounds)
	}
	if m := median([]Row{round(100, 0), round(200, 0)}, metricRPS); m.Result.ReqPerSec != 100 {
		t.Errorf("median of two rounds = %v req/s, want the lower, 100", m.Result.ReqPerSec)
	}
	if m := median([]Row{round(0, 2*time.Millisecond), round(0, 5*time.Millisecond)}, metricP99); m.Result.P99 != 5*time.Millisecond {
		t.Errorf("median p99 of two rounds = %v, want the higher, 5ms", m.Result.P99)
	}
	failed := Row{Name: "s", Err: errors.New("boom")}
	if m := median([]Row{round(100, 0), failed, round(200, 0)}, metricRPS); m.Err == nil {
		t.Error("a failed round was hidden by the others")
	}
}

func TestSelectCases(t *testing.T) {
	all := Cases(DefaultOptions)
	ids := func(cs []Case) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.ID)
		}
		return strings.Join(s, ",")
	}
	if got := ids(all); got != "1,2,3,4a,4b,5,6,7,8" {
		t.Errorf("the cases are %s, want 1,2,3,4a,4b,5,6,7,8", got)
	}
	for spec, want := range map[string]string{"": "1,2,3,4a,4b,5,6,7,8", "1,2": "1,2", "4": "4a,4b", "8, 4b": "8,4b"} {
		got, err := SelectCases(all, spec)
		if err != nil || ids(got) != want {
			t.Errorf("SelectCases(%q) = %s, %v; want %s", spec, ids(got), err, want)
		}
	}
	if _, err := SelectCases(all, "9"); !errors.Is(err, errUnknownCase) {
		t.Errorf("SelectCases(9) error = %v, want errUnknownCase", err)
	}
	for _, c := range all {
		names := map[string]bool{}
		for _, e := range c.Entries {
			if names[e.Name] {
				t.Errorf("case %s: two rows named %q", c.ID, e.Name)
			}
			names[e.Name] = true
		}
		for _, e := range c.Entries {
			if e.Base != "" && !names[e.Base] {
				t.Errorf("case %s: %s's base %q is no row", c.ID, e.Name, e.Base)
			}
		}
	}
}

// TestFindGunicornGo: bin/gunicorn-go wins, else the highest stage from 3.
func TestFindGunicornGo(t *testing.T) {
	tests := []struct {
		bins []string
		want string
	}{
		{nil, ""},
		{[]string{"stage1", "stage2"}, ""},
		{[]string{"stage2", "stage3"}, "bin/stage3"},
		{[]string{"stage3", "stage4", "stage10", "stage9x"}, "bin/stage10"},
		{[]string{"stage3", "gunicorn-go"}, "bin/gunicorn-go"},
	}
	for _, tt := range tests {
		root := t.TempDir()
		if err := os.Mkdir(filepath.Join(root, "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, b := range tt.bins {
			if err := os.WriteFile(filepath.Join(root, "bin", b), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if got := findGunicornGo(root); got != tt.want {
			t.Errorf("bin/ holding %v: findGunicornGo = %q, want %q", tt.bins, got, tt.want)
		}
	}
}

func TestCheckResults(t *testing.T) {
	cases, err := SelectCases(Cases(DefaultOptions), "1,3")
	if err != nil {
		t.Fatal(err)
	}
	results := fakeResults(cases)
	path := filepath.Join(t.TempDir(), "RESULTS.md")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	md := Report{Results: results}.Markdown()
	write(md)
	if err := CheckResults(results, path); err != nil {
		t.Errorf("CheckResults of a complete run: %v", err)
	}

	write(strings.Replace(md, "## 3. Go app", "## 3. Something else", 1))
	if err := CheckResults(results, path); !errors.Is(err, errIncomplete) {
		t.Errorf("CheckResults without case 3's section = %v, want errIncomplete", err)
	}
	write(md)
	results[1].Rows[0].Err = errors.New("boom")
	if err := CheckResults(results, path); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("CheckResults with a failed row = %v, want it named", err)
	}
	results[1].Rows = results[1].Rows[:1]
	if err := CheckResults(results, path); !errors.Is(err, errIncomplete) {
		t.Errorf("CheckResults with a row missing = %v, want errIncomplete", err)
	}
}

// TestFDLimitInherited: the raised limit reaches the servers the harness
// starts.
func TestFDLimitInherited(t *testing.T) {
	limit, err := raiseFDLimit()
	if err != nil {
		t.Fatal(err)
	}
	out, code := testkit.Run(t, 10*time.Second, "", "sh", "-c", "ulimit -n")
	if code != 0 || strings.TrimSpace(out) != fmt.Sprint(limit) {
		t.Errorf("a child's ulimit -n = %q (exit %d), want %d", out, code, limit)
	}
	if why := fdShortage(int(limit) + 1); !strings.Contains(why, "ulimit -Hn") {
		t.Errorf("fdShortage above the limit = %q, want it to say how to raise it", why)
	}
	if why := fdShortage(16); why != "" {
		t.Errorf("fdShortage(16) = %q, want none", why)
	}
}

func TestWarnings(t *testing.T) {
	log := "[2026-12-01 19:45:33 +0000] [14096] [WARNING] workers=2: stage 3 runs one worker\n" +
		"[2026-12-01 19:45:33 +0000] [14096] [INFO] Starting gunicorn-go 0.3.0\n" +
		"[2026-12-01 19:45:34 +0000] [14097] [WARNING] workers=2: stage 3 runs one worker\n"
	if got := warnings(log); !slices.Equal(got, []string{"workers=2: stage 3 runs one worker"}) {
		t.Errorf("warnings = %q, want the one message once", got)
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

// TestGoalFigure: a figure that misses its goal never reads as the goal
// itself, rounded.
func TestGoalFigure(t *testing.T) {
	c := Case{ID: "1", Title: "t", Metric: metricRPS, Refs: []Ref{{Group: "gunicorn"}, {Group: "gunicorn", Percent: true}},
		Goals: []Goal{{What: "ratio", Group: "go", Ref: 0, AtLeast: 2.5}, {What: "kept", Group: "go", Ref: 1, AtLeast: 2.5}}}
	rows := []Row{
		{Name: "sync", Group: "gunicorn", Result: Result{ReqPerSec: 1000}},
		{Name: "go", Group: "go", Result: Result{ReqPerSec: 2499.6}},
	}
	md := Report{Results: []CaseResult{{Case: c, Rows: rows}}}.Markdown()
	for _, want := range []string{"| 1 | ratio | go | 2.4996× | ≥ 2.50× | no |", "| 1 | kept | go | 249.96% | ≥ 250% | no |"} {
		if !strings.Contains(md, want) {
			t.Errorf("the goals table lacks %q:\n%s", want, md)
		}
	}
}

// TestReadmeQuotesResults: the README's "How fast" block is RESULTS.md's
// goals table as make bench last wrote them, not figures typed by hand
// (-update copies them, for a RESULTS.md written with -out elsewhere).
func TestReadmeQuotesResults(t *testing.T) {
	root := testkit.RepoRoot(t)
	results, err := os.ReadFile(filepath.Join(root, "bench", "RESULTS.md"))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := quoteInReadme(filepath.Join(root, "README.md"), string(results)); err != nil {
			t.Fatal(err)
		}
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := goalsTable(string(results))
	if err != nil {
		t.Fatalf("bench/RESULTS.md: %v", err)
	}
	got, ok := quotedInReadme(string(readme))
	if !ok {
		t.Fatalf("README.md has no %q … %q block", readmeBegin, readmeEnd)
	}
	if got != want {
		t.Errorf("README.md's quoted goals differ from bench/RESULTS.md's (run make bench, or copy them):\n got:\n%s\nwant:\n%s", got, want)
	}
}

// TestRoundOrder: every other round runs the entries in reverse, and a case
// that asks for more rounds gets them only when the run has several.
func TestRoundOrder(t *testing.T) {
	for _, tt := range []struct {
		n, round int
		want     []int
	}{
		{3, 0, []int{0, 1, 2}},
		{3, 1, []int{2, 1, 0}},
		{3, 2, []int{0, 1, 2}},
		{4, 3, []int{3, 2, 1, 0}},
		{0, 1, []int{}},
	} {
		if got := roundOrder(tt.n, tt.round); !slices.Equal(got, tt.want) {
			t.Errorf("roundOrder(%d, %d) = %v, want %v", tt.n, tt.round, got, tt.want)
		}
	}
	paired := Case{Rounds: 5}
	for _, tt := range []struct {
		rounds int
		c      Case
		want   int
	}{
		{0, paired, 1}, {1, paired, 1}, {3, paired, 5}, {7, paired, 7}, {3, Case{}, 3},
	} {
		if got := caseRounds(tt.rounds, tt.c); got != tt.want {
			t.Errorf("caseRounds(%d, Rounds %d) = %d, want %d", tt.rounds, tt.c.Rounds, got, tt.want)
		}
	}
}

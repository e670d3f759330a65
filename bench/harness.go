package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gunicorn-go/shared/proc"
)

// Sentinel errors of the harness.
var (
	// errUnknownCase: a -cases name that is no case.
	errUnknownCase = errors.New("bench: unknown case")
	// errExited: the server exited before or while it was measured.
	errExited = errors.New("bench: server exited")
	// errNotReady: the server did not answer 200 in time.
	errNotReady = errors.New("bench: server not ready")
)

// Timeouts of a server's life, and how often readiness is polled.
const (
	startTimeout = 60 * time.Second // from exec to answering 200 (Django, 4 workers, a busy machine)
	// stopGrace is from SIGTERM to SIGKILL. The load has ended when a server
	// is stopped, so there is nothing left to finish: gunicorn-go and
	// gunicorn's sync workers exit in well under a second, while gthread
	// workers and uWSGI poll for the signal once a second, and would make
	// `make bench QUICK=1` half again as long. The stages' own tests check
	// graceful shutdown; the harness only needs the CPU and the port back.
	stopGrace   = time.Second
	pollReady   = 20 * time.Millisecond
	pollStartup = 5 * time.Millisecond // case 8 measures with it: a finer step
)

// Config is one benchmark run.
type Config struct {
	Env    *Env
	Wrk    string // path of wrk
	Load   Load   // how hard each server is driven
	Rounds int    // how many times each case's list of servers runs; 0 means 1
	// Pause is how long a slow client waits between bytes (case 6).
	Pause time.Duration
	// Warmup is how long wrk drives each server, unmeasured, before its
	// side load starts and its measured run: 0 for none.
	Warmup time.Duration
	// Dir holds files the run writes, such as wrk's scripts.
	Dir string
	// Options built the cases; Mixed reads its slow request from them.
	Options Options
}

// Row is how one server fared in one case.
type Row struct {
	Name    string
	Group   string
	Base    string
	Command string        // how it was started, as typed at the root
	Pid     int           // its pid, also its process group's id; 0 if never started
	Body    []byte        // its answer to the case's GET once ready
	Result  Result        // what the load measured: the round with the median figure
	Startup time.Duration // exec to first answer
	Mem     proc.Memory   // its process tree at the end of the load
	Rounds  []float64     // the case's figure in every round, in running order
	// Notes are short remarks for the table: what ran beside the load.
	Notes []string
	// Warnings are the server's own WARNING lines (stage 3 says it runs one
	// worker where -w 2 asked for two).
	Warnings []string
	Skipped  string // why it did not run: a missing binary or package
	Err      error  // why it failed to start, serve or stop
}

// ok reports whether the row holds a measurement.
func (r Row) ok() bool { return r.Skipped == "" && r.Err == nil }

// CaseResult is a case and its rows, one per entry, in the entries' order.
type CaseResult struct {
	Case Case
	Rows []Row
}

// Run runs every case: in each, the list of servers one after the other,
// the whole list cfg.Rounds times (or the case's Rounds, if more), every
// other round in reverse, reporting progress on progress. Every server
// started is stopped, with all its processes, before the next starts.
//
// Why rounds: on a shared or virtual machine the speed drifts from one minute
// to the next, and a server measured in a slow minute looks slow. Running the
// list in turn several times and keeping each server's median round puts
// every server through the same minutes, so the ratios between them hold.
// Reversing every other round cancels a steady drift: the server that ran
// first runs last the next time.
func Run(cfg Config, cases []Case, progress io.Writer) []CaseResult {
	results := make([]CaseResult, len(cases))
	for ci, c := range cases {
		fmt.Fprintf(progress, "== case %s: %s\n", c.ID, c.Title)
		runs := make([][]Row, len(c.Entries))
		for round := range caseRounds(cfg.Rounds, c) {
			for _, i := range roundOrder(len(c.Entries), round) {
				e := c.Entries[i]
				if round > 0 && runs[i][0].Skipped != "" {
					continue // what is not installed stays so
				}
				began := time.Now()
				row := runEntry(cfg, c, e, progress)
				fmt.Fprintf(progress, "%s: %s (%v in all)\n", e.Name, summary(c, row), time.Since(began).Round(100*time.Millisecond))
				runs[i] = append(runs[i], row)
			}
		}
		results[ci] = CaseResult{Case: c}
		for i := range c.Entries {
			results[ci].Rows = append(results[ci].Rows, median(runs[i], c.Metric))
		}
	}
	return results
}

// caseRounds is how many rounds c runs when a run asks for rounds: at
// least one, and when several, at least c.Rounds.
func caseRounds(rounds int, c Case) int {
	if rounds > 1 {
		return max(rounds, c.Rounds)
	}
	return 1
}

// roundOrder is the order of n entries in round: as listed, or reversed in
// every other round.
func roundOrder(n, round int) []int {
	order := make([]int, n)
	for k := range order {
		order[k] = k
		if round%2 == 1 {
			order[k] = n - 1 - k
		}
	}
	return order
}

// summary is a row in one line of progress.
func summary(c Case, r Row) string {
	switch {
	case r.Skipped != "":
		return "skipped: " + r.Skipped
	case r.Err != nil:
		return "failed: " + r.Err.Error()
	case c.Kind == kindStartup:
		return "first answer after " + r.Startup.Round(time.Millisecond).String()
	}
	return fmt.Sprintf("%.0f req/s, p50 %v, p99 %v, %d non-2xx, %d socket errors, RSS %s %s",
		r.Result.ReqPerSec, latency(r.Result.P50), latency(r.Result.P99), r.Result.Non2xx,
		r.Result.SocketErrors, mib(r.Mem.Total), strings.Join(r.Notes, "; "))
}

// median returns the round with the median figure, with every round's
// figure in Rounds; of two middle rounds, the worse. A round that was
// skipped or failed is returned as it is: the table must say so rather than
// hide it behind the other rounds.
func median(rounds []Row, m metric) Row {
	for _, r := range rounds {
		if !r.ok() {
			return r
		}
	}
	sorted := slices.Clone(rounds)
	slices.SortStableFunc(sorted, func(a, b Row) int { // worst first
		switch va, vb := m.value(a), m.value(b); {
		case m.better(vb, va):
			return -1
		case m.better(va, vb):
			return 1
		}
		return 0
	})
	med := sorted[(len(sorted)-1)/2]
	med.Rounds = nil
	for _, r := range rounds {
		med.Rounds = append(med.Rounds, m.value(r))
	}
	return med
}

// newRow is e's row before it runs.
func newRow(e Entry) Row { return Row{Name: e.Name, Group: e.group(), Base: e.Base} }

// runEntry starts e's server, waits until it answers, measures it as c says
// and stops it.
func runEntry(cfg Config, c Case, e Entry, progress io.Writer) (row Row) {
	row = newRow(e)
	addr, err := freeAddr()
	if err != nil {
		row.Err = err
		return row
	}
	l, skip := e.Server(cfg.Env, addr)
	row.Command = strings.ReplaceAll(l.show, addr, "127.0.0.1:PORT")
	if skip == "" && e.Side.idle > 0 {
		skip = fdShortage(e.Side.idle + cfg.Load.Conns + 256)
	}
	if skip != "" {
		row.Skipped = skip
		return row
	}
	fmt.Fprintf(progress, "%s: starting %s\n", e.Name, l.show)
	var log proc.Buffer
	started := time.Now()
	p, err := proc.Start(proc.Options{Dir: cfg.Env.Root, Env: l.env, Stdout: &log, Stderr: &log}, l.argv[0], l.argv[1:]...)
	if err != nil {
		row.Err = err
		return row
	}
	row.Pid = p.Pid()
	defer func() {
		// Only what the server said before it was told to stop: gunicorn
		// warns of each worker it terminates.
		row.Warnings = warnings(log.String())
		stopping := time.Now()
		if err := p.Stop(stopGrace); err != nil {
			row.Err = errors.Join(row.Err, fmt.Errorf("stop %s: %w", e.Name, err))
		}
		fmt.Fprintf(progress, "%s: stopped in %v\n", e.Name, time.Since(stopping).Round(10*time.Millisecond))
	}()
	poll := pollReady
	if c.Kind == kindStartup {
		poll = pollStartup
	}
	url := "http://" + addr + c.Path
	if row.Body, err = ready(p, &log, url, poll); err != nil {
		row.Err = err
		return row
	}
	fmt.Fprintf(progress, "%s: ready in %v\n", e.Name, time.Since(started).Round(10*time.Millisecond))
	if c.Kind == kindStartup {
		row.Startup = time.Since(started)
		return row
	}
	row.Result, row.Mem, row.Notes, err = measure(cfg, c, e, addr, p)
	if err == nil && p.Exited() {
		err = fmt.Errorf("%w (%v) during the run:\n%s", errExited, p.Err(), tail(log.String()))
	}
	row.Err = err
	return row
}

// measure runs the case's load against addr with e's side load beside it,
// and reads the server's memory before the side load lets go.
func measure(cfg Config, c Case, e Entry, addr string, p *proc.Proc) (res Result, mem proc.Memory, notes []string, err error) {
	script := ""
	if c.Script != "" {
		script = filepath.Join(cfg.Dir, "case"+c.ID+".lua")
		if err := os.WriteFile(script, []byte(c.Script), 0o644); err != nil {
			return res, mem, nil, fmt.Errorf("write wrk script: %w", err)
		}
	}
	// A fresh server's first second is not its steady state: its runtime
	// and pools are still growing, and its Python has met none of the app's
	// paths. The warm-up keeps that second out of every measured run, the
	// side loads' included (bench/README.md, "Method").
	if cfg.Warmup > 0 {
		warm := cfg.Load
		warm.Duration = cfg.Warmup
		if _, err := RunWrk(cfg.Wrk, warm, "http://"+addr+c.Path, script); err != nil {
			return res, mem, nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	if n := e.Side.idle; n > 0 {
		idle, err := openIdle(addr, "/", n, 64)
		if err != nil {
			return res, mem, nil, err
		}
		defer func() {
			notes = append(notes, fmt.Sprintf("%d of %d idle still open at the end", idle.open(), n))
			idle.Close()
		}()
	}
	if n := e.Side.slow; n > 0 {
		slow := startSlow(addr, n, cfg.Pause)
		defer func() {
			slow.stop()
			notes = append(notes, fmt.Sprintf("server closed slow clients %d times", slow.closed.Load()))
		}()
		if err := slow.waitConnected(n, 10*time.Second); err != nil {
			return res, mem, nil, err
		}
	}
	switch c.Kind {
	case kindMixed:
		slowPath := fmt.Sprintf("/slow?ms=%d", cfg.Options.SlowMS)
		m := RunMixed(addr, cfg.Load, cfg.Options.MixedRate(), cfg.Options.SlowEvery, c.Path, slowPath)
		res = m.Result
		notes = append(notes, fmt.Sprintf("slow: %d requests, p99 %v", m.Slow, latency(m.SlowP99)))
	default:
		if res, err = RunWrk(cfg.Wrk, cfg.Load, "http://"+addr+c.Path, script); err != nil {
			return res, mem, nil, err
		}
	}
	if mem, err = proc.TreeRSS(p.Pid()); err != nil {
		return res, mem, nil, fmt.Errorf("memory of %s: %w", e.Name, err)
	}
	return res, mem, notes, nil
}

// freeAddr returns a 127.0.0.1 address with a port nobody listens on now.
// Every server binds a port given on its command line (uWSGI does not say
// which port it got for :0); the kernel does not hand a port just released
// to the next bind(0) at once, so the race with other programs is small, and
// losing it fails the row (address in use), not the figures.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}

// ready polls url every poll until it answers 200 and returns that answer's
// body: a master may listen before its workers have booted. Each poll is a
// new connection, closed after, so that none stays behind as an idle one.
func ready(p *proc.Proc, log *proc.Buffer, url string, poll time.Duration) ([]byte, error) {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(startTimeout)
	var last error
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && rerr == nil {
				return body, nil
			}
			last = fmt.Errorf("GET %s: %s", url, resp.Status)
		} else {
			last = err
		}
		if p.Exited() {
			return nil, fmt.Errorf("%w (%v) while starting: %v:\n%s", errExited, p.Err(), last, tail(log.String()))
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w after %v: %v:\n%s", errNotReady, startTimeout, last, tail(log.String()))
		}
		time.Sleep(poll)
	}
}

// tail returns the last lines of a server's log, enough to say what went wrong.
func tail(log string) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

// warnings returns the distinct WARNING lines of a server's log, without
// their timestamps and pids, which differ from round to round.
func warnings(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		_, msg, ok := strings.Cut(line, "[WARNING] ")
		if ok && !slices.Contains(out, msg) {
			out = append(out, msg)
		}
	}
	return out
}

package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Timeouts of one contender's life.
const (
	startTimeout = 30 * time.Second // from exec to answering GET / with 200
	stopGrace    = 10 * time.Second // from SIGTERM to SIGKILL
)

// Config is one benchmark run.
type Config struct {
	Root    string   // the repository's root: servers run from here
	Wrk     string   // path of wrk
	Load    Load     // how hard wrk drives each server
	Servers []string // contenders' names, in running order
	Rounds  int      // how many times the whole list runs; 0 means 1
}

// Row is how one contender fared.
type Row struct {
	Server  string
	Command string    // the command that starts it, as typed at the root
	Pid     int       // its pid, also its process group's id; 0 if never started
	Body    []byte    // its answer to GET / once ready
	Result  Result    // what wrk measured: the round with the median req/s
	Rounds  []float64 // req/s of every round, in running order
	Skipped string    // why it did not run (its binary is missing)
	Err     error     // why it failed to start, serve or stop
}

// ok reports whether the row holds a measurement.
func (r Row) ok() bool { return r.Skipped == "" && r.Err == nil }

// Run benchmarks cfg.Servers one after the other, the whole list
// cfg.Rounds times, and reports progress on progress. Every server started
// is stopped, with its process group, before the next one starts and before
// Run returns.
//
// Why rounds: on a shared or virtual machine the speed drifts from one minute
// to the next, and a server measured in a slow minute looks slow. Running the
// list in turn several times and keeping each server's median round puts
// every server through the same minutes, so the ratios between them hold.
func Run(cfg Config, progress io.Writer) ([]Row, error) {
	// A misspelt name fails before any server has run.
	todo := make([]server, len(cfg.Servers))
	for i, name := range cfg.Servers {
		s, err := lookupServer(name)
		if err != nil {
			return nil, err
		}
		todo[i] = s
	}
	runs := make([][]Row, len(todo)) // runs[i]: every round of todo[i]
	for round := 0; round < max(cfg.Rounds, 1); round++ {
		for i, s := range todo {
			row := runOne(cfg, s, progress)
			switch {
			case row.Skipped != "":
				fmt.Fprintf(progress, "%s: skipped: %s\n", s.name, row.Skipped)
			case row.Err != nil:
				fmt.Fprintf(progress, "%s: failed: %v\n", s.name, row.Err)
			default:
				fmt.Fprintf(progress, "%s: %.0f req/s, p50 %v, p99 %v, %d errors\n",
					s.name, row.Result.ReqPerSec, row.Result.P50, row.Result.P99, row.Result.Errors())
			}
			runs[i] = append(runs[i], row)
		}
	}
	rows := make([]Row, len(todo))
	for i := range todo {
		rows[i] = median(runs[i])
	}
	return rows, nil
}

// median returns the round with the median req/s, with every round's req/s
// in Rounds. A round that was skipped or failed is returned as it is: the
// table must say so rather than hide it behind the other rounds.
func median(rounds []Row) Row {
	for _, r := range rounds {
		if !r.ok() {
			return r
		}
	}
	sorted := slices.Clone(rounds)
	slices.SortFunc(sorted, func(a, b Row) int { return cmp.Compare(a.Result.ReqPerSec, b.Result.ReqPerSec) })
	m := sorted[(len(sorted)-1)/2]
	m.Rounds = nil
	for _, r := range rounds {
		m.Rounds = append(m.Rounds, r.Result.ReqPerSec)
	}
	return m
}

// errUnknownServer: a -servers name that is no contender.
var errUnknownServer = errors.New("bench: unknown server")

func lookupServer(name string) (server, error) {
	for _, s := range servers {
		if s.name == name {
			return s, nil
		}
	}
	return server{}, fmt.Errorf("%w %q (known: %s)", errUnknownServer, name, serverNames())
}

// runOne starts s, waits until it serves, runs wrk against it and stops it.
func runOne(cfg Config, s server, progress io.Writer) (row Row) {
	row.Server = s.name
	l, skip := s.command(cfg.Root)
	row.Command = l.show
	if skip != "" {
		row.Skipped = skip
		return row
	}
	fmt.Fprintf(progress, "%s: starting %s\n", s.name, l.show)
	p, err := startProc(cfg.Root, l.env, l.argv)
	if err != nil {
		row.Err = err
		return row
	}
	row.Pid = p.pid()
	defer func() {
		if err := p.stop(stopGrace); err != nil {
			row.Err = errors.Join(row.Err, fmt.Errorf("stop %s: %w", s.name, err))
		}
	}()
	addr, err := p.listening(startTimeout)
	if err != nil {
		row.Err = err
		return row
	}
	url := "http://" + addr + "/"
	if row.Body, err = p.ready(url, startTimeout); err != nil {
		row.Err = err
		return row
	}
	fmt.Fprintf(progress, "%s: wrk %s\n", s.name, strings.Join(cfg.Load.Args(url), " "))
	row.Result, err = RunWrk(cfg.Wrk, cfg.Load, url)
	row.Err = err
	return row
}

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// errNoWrkSummary: wrk's output lacks the lines a result needs.
var errNoWrkSummary = errors.New("bench: no summary in wrk's output")

// Load is how hard wrk drives a server: wrk's -t, -c and -d.
type Load struct {
	Threads  int
	Conns    int
	Duration time.Duration
}

// Args returns wrk's arguments for url, with a Lua script unless script
// is "".
func (l Load) Args(url, script string) []string {
	args := []string{
		"-t" + strconv.Itoa(l.Threads),
		"-c" + strconv.Itoa(l.Conns),
		"-d" + wrkDuration(l.Duration),
		"--latency",
	}
	if script != "" {
		args = append(args, "-s", script)
	}
	return append(args, url)
}

// wrkDuration writes d the way wrk reads it: whole seconds, at least 1.
func wrkDuration(d time.Duration) string {
	return strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second))) + "s"
}

// Result is what one wrk run measured.
type Result struct {
	Requests     int64         // completed requests
	ReqPerSec    float64       // "Requests/sec"
	P50, P99     time.Duration // from "Latency Distribution"
	SocketErrors int64         // connect + read + write + timeout
	Non2xx       int64         // "Non-2xx or 3xx responses"
}

// Errors is every failed exchange: socket errors and non-2xx/3xx answers.
func (r Result) Errors() int64 { return r.SocketErrors + r.Non2xx }

var (
	wrkRequests  = regexp.MustCompile(`^(\d+) requests in `)
	wrkPercent   = regexp.MustCompile(`^(50|99)%\s+(\S+)$`)
	wrkReqPerSec = regexp.MustCompile(`^Requests/sec:\s+([0-9.]+)$`)
	wrkSocket    = regexp.MustCompile(`^Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)$`)
	wrkNon2xx    = regexp.MustCompile(`^Non-2xx or 3xx responses: (\d+)$`)
)

// ParseWrk reads the report `wrk --latency` prints. Lines it does not know
// are ignored; a report without requests/s or the 50% and 99% latencies is an
// error wrapping errNoWrkSummary.
func ParseWrk(out string) (Result, error) {
	var (
		r    Result
		seen = map[string]bool{}
		err  error
	)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() && err == nil {
		line := strings.TrimSpace(sc.Text())
		if m := wrkRequests.FindStringSubmatch(line); m != nil {
			r.Requests, err = strconv.ParseInt(m[1], 10, 64)
		} else if m := wrkPercent.FindStringSubmatch(line); m != nil {
			var d time.Duration
			d, err = time.ParseDuration(m[2]) // wrk's units (us, ms, s, m) are Go's
			if m[1] == "50" {
				r.P50 = d
			} else {
				r.P99 = d
			}
			seen[m[1]] = true
		} else if m := wrkReqPerSec.FindStringSubmatch(line); m != nil {
			r.ReqPerSec, err = strconv.ParseFloat(m[1], 64)
			seen["rps"] = true
		} else if m := wrkSocket.FindStringSubmatch(line); m != nil {
			for _, s := range m[1:] {
				var n int64
				if n, err = strconv.ParseInt(s, 10, 64); err != nil {
					break
				}
				r.SocketErrors += n
			}
		} else if m := wrkNon2xx.FindStringSubmatch(line); m != nil {
			r.Non2xx, err = strconv.ParseInt(m[1], 10, 64)
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("parse wrk output: %w", err)
	}
	if !seen["rps"] || !seen["50"] || !seen["99"] {
		return Result{}, fmt.Errorf("%w:\n%s", errNoWrkSummary, out)
	}
	return r, nil
}

// RunWrk drives url with wrk (running script, unless "") and returns the
// parsed result.
func RunWrk(wrk string, load Load, url, script string) (Result, error) {
	// wrk stops itself after the duration; the margin covers a hung server.
	ctx, cancel := context.WithTimeout(context.Background(), load.Duration+30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, wrk, load.Args(url, script)...).CombinedOutput()
	if err != nil {
		return Result{}, fmt.Errorf("wrk %s: %w\n%s", url, err, out)
	}
	return ParseWrk(string(out))
}

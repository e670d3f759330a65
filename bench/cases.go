package main

import (
	"fmt"
	"strconv"
	"strings"
)

// A Case is one comparison of RESULTS.md: the servers that run the same app
// under the same load, one after the other, and what their figures are
// divided by.
type Case struct {
	ID     string // "1", "4a": what -cases selects (4 selects 4a and 4b)
	Title  string
	About  string // what is measured and how, for the reader of RESULTS.md
	Kind   kind
	Path   string // what the load requests; also what readiness waits on
	Script string // a wrk Lua script, for a load other than GET Path
	Metric metric // the figure that ranks rounds and rows, and is divided
	// Entries are the rows, in running order.
	Entries []Entry
	// Refs are the ratio columns: each row's figure divided by a reference's.
	Refs []Ref
	// Goals are the targets for gunicorn-go, checked in the summary.
	Goals []Goal
	// Rounds, when a run has several rounds, is the fewest this case gets:
	// a side load's effect (cases 5 and 6: a few percent) is smaller than
	// the drift of this machine's speed, and a median of 3 pairs moves with it.
	Rounds int
}

// kind is how a case measures.
type kind int

const (
	kindWrk     kind = iota // wrk drives the server
	kindMixed               // the Go load generator sends fast and slow requests
	kindStartup             // no load: the time from exec to the first answer
)

// metric is the figure a case ranks by.
type metric int

const (
	metricRPS     metric = iota // requests per second: higher is better
	metricP99                   // the (fast requests') p99 latency: lower is better
	metricStartup               // exec to first answer: lower is better
)

// value returns r's figure for m, in req/s or seconds.
func (m metric) value(r Row) float64 {
	switch m {
	case metricP99:
		return r.Result.P99.Seconds()
	case metricStartup:
		return r.Startup.Seconds()
	default:
		return r.Result.ReqPerSec
	}
}

// better reports whether figure a beats figure b.
func (m metric) better(a, b float64) bool {
	if m == metricRPS {
		return a > b
	}
	return a < b
}

// Entry is one server of a case: one row of its table.
type Entry struct {
	Name string // the row's name, unique in the case
	// Group gathers rows that stand for one server under different settings
	// (gunicorn sync and gthread; gunicorn-go's --threads candidates): its
	// best row is marked, divided by, and judged by the goals. Empty: Name.
	Group  string
	Server server
	Side   side   // what runs beside the load
	Base   string // for a Ref without a Group: the row this one's figure is divided by
}

// group returns e's group: its Group, else its Name.
func (e Entry) group() string {
	if e.Group != "" {
		return e.Group
	}
	return e.Name
}

// side is what runs beside a case's load, on the same server.
type side struct {
	idle int // keep-alive connections held open, idle (case 5)
	slow int // clients sending their headers a byte a second (case 6)
}

// Ref is a ratio column: each row's figure divided by the best figure of the
// rows of Group, or, when Group is empty, by its own Base row's figure ("how
// much was kept").
type Ref struct {
	Label   string // the column's heading
	Group   string
	Percent bool // show the ratio as a percentage ("how much was kept")
}

// Goal is one of the targets for gunicorn-go: the best row of Group
// has its ratio of Refs[Ref] (or, with Ref refMasterRSS, its master's RSS in
// MiB) at least AtLeast or at most AtMost (a zero bound is none).
type Goal struct {
	What    string
	Group   string
	Ref     int
	AtLeast float64
	AtMost  float64
}

// pairedRounds is the fewest rounds of the cases whose figure is a pair's
// ratio (Case.Rounds). One pair here ranges from 0.7 to 1.1 with nothing
// changed (10,000 idle beside wrk, six pairs in a row on 2026-12-02): the
// median of seven strays less than that of five, for two more minutes.
const pairedRounds = 7

// refMasterRSS as a Goal's Ref judges the master's RSS in MiB.
const refMasterRSS = -1

// Options shape the cases: how many workers, which settings.
type Options struct {
	Workers        int   // every server's workers (-w, --processes), except start-up's
	Threads        []int // gunicorn-go's --threads candidates in cases 1 and 2
	PeerThreads    int   // gunicorn gthread's and uWSGI's --threads; gunicorn-go's elsewhere
	Idle           int   // case 5's idle connections
	Slow           int   // case 6's slow clients
	StartupWorkers int   // case 8's workers
	SlowEvery      int   // case 7: one request in SlowEvery is slow
	SlowMS         int   // case 7: how long a slow request sleeps in the app
	// MixedLoad is case 7's load, as a share of what the threads can hold:
	// requests fall due at MixedRate a second (an open loop). 0 sends each
	// request once the last on its connection is answered (a closed loop).
	MixedLoad float64
}

// mixedLoadText says how case 7's requests are sent.
func mixedLoadText(o Options) string {
	rate := o.MixedRate()
	if rate == 0 {
		return "Each connection sends its next request when the last is answered (a closed loop)."
	}
	return fmt.Sprintf("Requests fall due at %.0f a second, evenly, whatever the server does (an open loop), "+
		"each sent on the next free connection and timed from when it fell due: %.0f%% of the %d × %d threads' "+
		"capacity, which the slow requests alone would fill at %.0f a second.",
		rate, 100*o.MixedLoad, o.Workers, o.PeerThreads, rate/o.MixedLoad)
}

// MixedRate is case 7's requests a second: MixedLoad of the rate at which
// the slow requests alone would keep every thread asleep (Workers ×
// PeerThreads threads, a slow request taking SlowMS in every SlowEvery).
// At the default, half: 1,600 a second, a server working at half its
// capacity, where its p99 says how it dispatches rather than how long its
// queue is (a saturated server's latency is its queue's, whoever it is).
func (o Options) MixedRate() float64 {
	if o.MixedLoad <= 0 || o.SlowEvery <= 0 || o.SlowMS <= 0 {
		return 0
	}
	threads := float64(max(o.Workers, 1) * max(o.PeerThreads, 1))
	return o.MixedLoad * threads * float64(o.SlowEvery) * 1000 / float64(o.SlowMS)
}

// DefaultOptions are the issue's: 2 workers on this 2-core machine.
var DefaultOptions = Options{
	Workers: 2, Threads: []int{1, 2, 4}, PeerThreads: 4,
	Idle: 10000, Slow: 500, StartupWorkers: 4, SlowEvery: 20, SlowMS: 50, MixedLoad: 0.5,
}

// idleKeepAlive is case 5's --keep-alive, in seconds: longer than any run,
// so that the idle connections are the server's to hold, not to time out.
const idleKeepAlive = "3600"

// Cases builds the eight cases (4 is two: 4a and 4b) for o.
func Cases(o Options) []Case {
	w, t := strconv.Itoa(o.Workers), strconv.Itoa(o.PeerThreads)
	idleConns := strconv.Itoa(o.Idle/max(o.Workers, 1) + 1000) // room for the idle ones and wrk's
	gunicornRows := func(app App) []Entry {
		return []Entry{
			{Name: "gunicorn sync -w " + w, Group: "gunicorn", Server: gunicorn(app, "-w", w, "-k", "sync")},
			{Name: "gunicorn gthread -w " + w + " --threads " + t, Group: "gunicorn",
				Server: gunicorn(app, "-w", w, "-k", "gthread", "--threads", t)},
			{Name: "uWSGI --processes " + w, Group: "uWSGI", Server: uwsgi(app, o.Workers, 0)},
			{Name: "uWSGI --processes " + w + " --threads " + t, Group: "uWSGI", Server: uwsgi(app, o.Workers, o.PeerThreads)},
		}
	}
	candidates := func(app App) []Entry {
		var rows []Entry
		for _, n := range o.Threads {
			n := strconv.Itoa(n)
			rows = append(rows, Entry{Name: "gunicorn-go -w " + w + " --threads " + n, Group: "gunicorn-go",
				Server: gunicornGo(app, "-w", w, "--threads", n)})
		}
		return rows
	}
	gthread := func(app App) Entry {
		return Entry{Name: "gunicorn gthread -w " + w + " --threads " + t, Group: "gunicorn gthread",
			Server: gunicorn(app, "-w", w, "-k", "gthread", "--threads", t)}
	}
	goThreads := func(app App, extra ...string) Entry {
		return Entry{Name: "gunicorn-go -w " + w + " --threads " + t, Group: "gunicorn-go",
			Server: gunicornGo(app, append([]string{"-w", w, "--threads", t}, extra...)...)}
	}
	vsGunicorn := Ref{Label: "× best gunicorn", Group: "gunicorn"}
	vsGthread := Ref{Label: "× gunicorn gthread", Group: "gunicorn gthread"}
	kept := Ref{Label: "kept", Percent: true}
	idleName := fmt.Sprintf("gunicorn-go + %d idle", o.Idle)
	goSlow := fmt.Sprintf("gunicorn-go + %d slow", o.Slow)
	syncSlow := fmt.Sprintf("gunicorn sync + %d slow", o.Slow)
	sw := strconv.Itoa(o.StartupWorkers)
	slowPath := "/slow?ms=" + strconv.Itoa(o.SlowMS)

	return []Case{
		{
			ID: "1", Title: "Python hello", Path: "/", Metric: metricRPS,
			About: "The seed's app (shared/examples/hello.py) under every server, and Go's net/http " +
				"answering the same bytes without Python: the physical reference. gunicorn-go runs " +
				"with each --threads candidate; its best row is the one the goals judge.",
			Entries: append(append(gunicornRows(helloApp), candidates(helloApp)...),
				Entry{Name: "net/http", Server: netHTTP}),
			Refs: []Ref{vsGunicorn, {Label: "× net/http", Group: "net/http"}},
			Goals: []Goal{
				{What: "Python hello: gunicorn-go vs gunicorn's best", Group: "gunicorn-go", Ref: 0, AtLeast: 2.5},
				{What: "Python hello: gunicorn-go vs net/http", Group: "gunicorn-go", Ref: 1, AtLeast: 0.6},
			},
		},
		{
			ID: "2", Title: "Django", Path: "/hello/", Metric: metricRPS,
			About: "The Django example (shared/examples/djangoproject, project.wsgi:application), " +
				"its /hello/ view: the same servers as case 1 but net/http, which has no Django to run.",
			Entries: append(gunicornRows(djangoApp), candidates(djangoApp)...),
			Refs:    []Ref{vsGunicorn},
			Goals: []Goal{
				{What: "Django: gunicorn-go vs gunicorn's best", Group: "gunicorn-go", Ref: 0, AtLeast: 1.6},
			},
		},
		{
			ID: "3", Title: "Go app", Path: "/", Metric: metricRPS,
			About: "gunicorn-go serving its Go twin of the seed's app (go:hello), no Python at all, " +
				"against net/http answering the same bytes.",
			Entries: []Entry{
				{Name: "gunicorn-go -w " + w + " go:hello", Group: "gunicorn-go", Server: gunicornGo(goHelloApp, "-w", w)},
				{Name: "net/http", Server: netHTTP},
			},
			Refs:  []Ref{{Label: "× net/http", Group: "net/http"}},
			Goals: []Goal{{What: "Go app: gunicorn-go vs net/http", Group: "gunicorn-go", Ref: 0, AtLeast: 1.2}},
		},
		{
			ID: "4a", Title: "100 KB response", Path: "/big", Metric: metricRPS,
			About:   "bench/apps/benchapp.py's /big: 100 KB of text per answer, more than a socket buffer holds.",
			Entries: []Entry{gthread(benchApp), goThreads(benchApp)},
			Refs:    []Ref{vsGthread},
		},
		{
			ID: "4b", Title: "1 MB POST echoed", Path: "/echo", Metric: metricRPS, Script: postScript(1 << 20),
			About: "bench/apps/benchapp.py's /echo: wrk POSTs 1 MB (a Lua script sets the body), " +
				"the app reads it whole from wsgi.input and sends it back.",
			Entries: []Entry{gthread(benchApp), goThreads(benchApp)},
			Refs:    []Ref{vsGthread},
		},
		{
			ID: "5", Title: fmt.Sprintf("%d idle keep-alive connections", o.Idle), Path: "/", Metric: metricRPS,
			About: fmt.Sprintf("Before wrk starts, the harness opens %d connections, sends one GET / on each and "+
				"keeps them open, idle, through the run (its fd limit raised, which the server inherits; "+
				"--keep-alive %s so that the server does not time them out, and --worker-connections so that "+
				"workers × worker_connections holds them all: gunicorn's default of 1000 would close idle ones "+
				"to make room for wrk's). The RSS columns are taken "+
				"at the end of the run with the connections still open: the master's RSS is what "+
				"holding them costs. \"kept\" divides the throughput by that of the same server without them, "+
				"run just before it: the median of the rounds' ratios.",
				o.Idle, idleKeepAlive),
			Entries: []Entry{
				{Name: "gunicorn-go", Server: gunicornGo(helloApp, "-w", w, "--threads", t, "--keep-alive", idleKeepAlive, "--worker-connections", idleConns)},
				{Name: idleName, Server: gunicornGo(helloApp, "-w", w, "--threads", t, "--keep-alive", idleKeepAlive, "--worker-connections", idleConns),
					Side: side{idle: o.Idle}, Base: "gunicorn-go"},
			},
			Refs:   []Ref{kept},
			Rounds: pairedRounds,
			Goals: []Goal{
				{What: fmt.Sprintf("%d idle connections: gunicorn-go's master RSS (MiB)", o.Idle), Group: idleName, Ref: refMasterRSS, AtMost: 128},
				{What: fmt.Sprintf("%d idle connections: throughput kept", o.Idle), Group: idleName, Ref: 0, AtLeast: 0.90},
			},
		},
		{
			ID: "6", Title: fmt.Sprintf("%d slow clients", o.Slow), Path: "/", Metric: metricRPS,
			About: fmt.Sprintf("%d clients send the head of a request a byte a second (slowloris) while wrk "+
				"runs; a client whose connection the server closes dials again. \"kept\" divides the "+
				"throughput by that of the same server without them, run just before it: the median "+
				"of the rounds' ratios. gunicorn's sync worker is "+
				"expected to collapse: a worker is busy until its client has sent its headers.", o.Slow),
			Entries: []Entry{
				{Name: "gunicorn-go", Server: gunicornGo(helloApp, "-w", w, "--threads", t)},
				{Name: goSlow, Server: gunicornGo(helloApp, "-w", w, "--threads", t), Side: side{slow: o.Slow}, Base: "gunicorn-go"},
				{Name: "gunicorn sync", Server: gunicorn(helloApp, "-w", w, "-k", "sync")},
				{Name: syncSlow, Server: gunicorn(helloApp, "-w", w, "-k", "sync"), Side: side{slow: o.Slow}, Base: "gunicorn sync"},
			},
			Refs:   []Ref{kept},
			Rounds: pairedRounds,
			Goals:  []Goal{{What: fmt.Sprintf("%d slow clients: gunicorn-go's throughput kept", o.Slow), Group: goSlow, Ref: 0, AtLeast: 0.95}},
		},
		{
			ID: "7", Title: "Mixed load", Kind: kindMixed, Path: "/", Metric: metricP99,
			About: fmt.Sprintf("One request in %d goes to bench/apps/benchapp.py's %s, which sleeps %d ms in the app; "+
				"the rest get its fast page. wrk cannot time the two kinds apart, so the harness's own "+
				"Go load generator drives this case, over the same number of keep-alive connections. %s "+
				"p50 and p99 are the fast requests' only: whether they wait behind the slow ones. "+
				"Lower is better, so the ratio column is the other way round from the other cases'.",
				o.SlowEvery, slowPath, o.SlowMS, mixedLoadText(o)),
			Entries: []Entry{gthread(benchApp), goThreads(benchApp)},
			Refs:    []Ref{vsGthread},
			Goals:   []Goal{{What: "Mixed load: gunicorn-go's fast p99 vs gunicorn gthread's", Group: "gunicorn-go", Ref: 0, AtMost: 1.0 / 3}},
		},
		{
			ID: "8", Title: "Start-up", Kind: kindStartup, Path: "/hello/", Metric: metricStartup,
			About: "The time from exec to the first answered GET /hello/ of the Django example, with " +
				sw + " workers, polled every " + pollStartup.String() + ". Lower is better.",
			Entries: []Entry{
				{Name: "gunicorn sync -w " + sw, Group: "gunicorn", Server: gunicorn(djangoApp, "-w", sw)},
				{Name: "uWSGI --processes " + sw, Group: "uWSGI", Server: uwsgi(djangoApp, o.StartupWorkers, 0)},
				{Name: "gunicorn-go -w " + sw, Group: "gunicorn-go", Server: gunicornGo(djangoApp, "-w", sw)},
			},
			Refs: []Ref{{Label: "× gunicorn sync", Group: "gunicorn"}},
		},
	}
}

// SelectCases returns the cases spec names, comma-separated ("1,4,7"; "4"
// means 4a and 4b), in their order, or every case for "".
func SelectCases(all []Case, spec string) ([]Case, error) {
	if strings.TrimSpace(spec) == "" {
		return all, nil
	}
	var out []Case
	for _, id := range strings.Split(spec, ",") {
		id = strings.TrimSpace(id)
		found := false
		for _, c := range all {
			if c.ID == id || strings.TrimRight(c.ID, "abcdefgh") == id {
				out = append(out, c)
				found = true
			}
		}
		if !found {
			ids := make([]string, len(all))
			for i, c := range all {
				ids[i] = c.ID
			}
			return nil, fmt.Errorf("%w %q (known: %s)", errUnknownCase, id, strings.Join(ids, ", "))
		}
	}
	return out, nil
}

// postScript is a wrk Lua script that POSTs size bytes.
func postScript(size int) string {
	return fmt.Sprintf("-- POST %d bytes on every request.\n"+
		"wrk.method = \"POST\"\n"+
		"wrk.body = string.rep(\"x\", %d)\n"+
		"wrk.headers[\"Content-Type\"] = \"application/octet-stream\"\n", size, size)
}

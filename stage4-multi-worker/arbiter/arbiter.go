package arbiter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"gunicorn-go/stage1-wsgi-hello/appload"
	"gunicorn-go/stage1-wsgi-hello/pyapp"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
	"gunicorn-go/stage2-single-worker/lifecycle"
	"gunicorn-go/stage2-single-worker/logging"
	"gunicorn-go/stage2-single-worker/server"
)

// arbiter is the master: it owns the listeners and the server, and keeps
// the right number of healthy workers behind it. Everything here belongs to
// the goroutine of loop: the signal handler and the workers' goroutines
// only send it news (sigs, events, pool.notify).
type arbiter struct {
	cfg     Config
	appOpts pyapp.Options
	logs    *lifecycle.Logs
	elog    *logging.ErrorLog
	srv     *server.Server
	pool    *pool
	lns     []net.Listener
	goApp   bool // a Go app: it runs in the master, there are no workers

	spoolDir    string // this master's directory for spooled bodies (lifecycle.SpoolDir)
	removeSpool func() // removes it, at exit

	ctx    context.Context // ends when the arbiter stops: workers still booting give up
	cancel context.CancelFunc

	sigs   chan os.Signal
	events chan event
	served chan error // each listener's Serve returns here
	drain  chan error // the graceful shutdown's end

	workers  map[*worker]bool // every worker process: booting, serving or retiring
	gen      int              // the current generation of workers
	oldGen   int              // during a reload, the generation that serves meanwhile; -1 when none
	target   int              // how many workers the current generation should have
	everUp   bool             // a worker has served: a boot failure is no longer fatal by itself
	failures int              // boots that failed in a row, for the back-off
	nextBoot time.Time        // no boot before then (back-off)
	ready    bool             // the first workers have all loaded the app
	stopping string           // "", "graceful" or "quick"
	readyDue bool             // the Ready hook is to run once the workers serve (start, HUP)
	exit     int              // the exit code, once stopping
}

// tick is how often the arbiter looks at its workers' clocks: timeouts,
// pings, retiring workers' deadlines.
const tick = time.Second

// pid is cached for log lines.
var pid = os.Getpid()

// Run is the whole life of a stage 4 master: open the logs, bind, start the
// workers, serve and supervise until a signal stops it, and return the exit
// code (0; 1 for a configuration or bind error; 3 when a worker cannot boot;
// 4 when the app cannot be loaded).
func Run(cfg Config) int {
	a := &arbiter{
		cfg:      cfg,
		sigs:     make(chan os.Signal, 16),
		events:   make(chan event, 16),
		workers:  map[*worker]bool{},
		oldGen:   -1,
		target:   cfg.workers(),
		readyDue: true,
	}
	// Signal handlers only enqueue: the loop takes them in turn.
	signal.Notify(a.sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP,
		syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH)
	defer signal.Stop(a.sigs)
	a.ctx, a.cancel = context.WithCancel(context.Background())
	defer a.cancel()

	logs, err := lifecycle.OpenLogs(cfg.Config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return lifecycle.ExitError
	}
	defer logs.Close()
	a.logs, a.elog = logs, logs.Error
	defer func() {
		if a.removeSpool != nil {
			a.removeSpool()
		}
	}()
	if code, ok := a.start(); !ok {
		return code
	}
	return a.loop()
}

// start binds, builds the server and starts the first workers. ok is false
// when the master must exit at once, with code.
func (a *arbiter) start() (code int, ok bool) {
	cfg := &a.cfg
	if err := a.makeAppOptions(cfg); err != nil {
		a.elog.Errorf("%v", err)
		return lifecycle.ExitError, false
	}
	if err := lifecycle.ApplyEnv(cfg.Config); err != nil {
		a.elog.Errorf("%v", err)
		return lifecycle.ExitError, false
	}
	addrs, err := lifecycle.ParseBinds(cfg.Bind)
	if err != nil {
		a.elog.Errorf("%v", err)
		return lifecycle.ExitError, false
	}
	a.elog.Infof("Starting gunicorn-go %s", server.Version)
	ctx, cancel := context.WithCancel(a.ctx)
	listening := make(chan error, 1)
	go func() {
		var err error
		if cfg.Listen != nil {
			a.lns, err = cfg.Listen(ctx, a.elog)
		} else {
			a.lns, err = lifecycle.ListenAll(ctx, addrs, a.elog.Errorf)
		}
		listening <- err
	}()
	for err = nil; ; {
		select {
		case err = <-listening:
		case s := <-a.sigs:
			if a.stopSignal(s) {
				cancel()
				if <-listening == nil {
					closeAll(a.lns)
				}
				a.elog.Infof("Shutting down: Master")
				return lifecycle.ExitOK, false
			}
			continue
		}
		break
	}
	cancel()
	if err != nil {
		a.elog.Errorf("%v", err)
		return lifecycle.ExitError, false
	}
	a.elog.Infof("Listening at: %s (%d)", lifecycle.ListeningAt(a.lns), pid)
	if cfg.Bound != nil {
		if err := cfg.Bound(a.elog); err != nil {
			a.elog.Errorf("%v", err)
			closeAll(a.lns)
			return lifecycle.ExitError, false
		}
	}

	spool, removeSpool, err := lifecycle.SpoolDir(cfg.TempDir, a.elog) // after Bound: as the user the master now is
	if err != nil {
		a.elog.Errorf("%v", err)
		closeAll(a.lns)
		return lifecycle.ExitError, false
	}
	a.spoolDir, a.removeSpool = spool, removeSpool
	a.appOpts.TempDir = spool

	a.srv = lifecycle.NewServer(cfg.Config, a.logs)
	a.srv.TempDir = spool
	a.srv.MaxConns = a.target * cfg.workerConnections()
	if name, isGo := appload.IsGo(cfg.App); isGo {
		app, err := cfg.GoApps.Lookup(name)
		if err != nil {
			closeAll(a.lns)
			return lifecycle.ExitWorker(a.elog, lifecycle.ExitAppLoad, err), false
		}
		a.goApp, a.target = true, 0
		a.srv.App = app
		a.elog.Infof("Using worker: none: the Go app %s runs in the master", name)
	} else {
		a.pool = newPool(a.requestWait())
		a.srv.App = a.pool
		a.srv.Multiprocess = a.target > 1
		a.srv.Multithread = a.appOpts.Threads > 1
		a.elog.Infof("Using worker: Python, %d thread(s) each, dispatched by the master", a.appOpts.Threads)
		procs := shareCPUs()
		a.elog.Debugf("The master runs its Go code on %d of %d CPUs (GOMAXPROCS sets it)", procs, runtime.NumCPU())
	}
	a.served = make(chan error, len(a.lns))
	for _, ln := range a.lns {
		go func() { a.served <- a.srv.Serve(ln) }()
	}
	return 0, true
}

// makeAppOptions says how the workers run the app.
func (a *arbiter) makeAppOptions(cfg *Config) error {
	opts, err := lifecycle.AppOptions(cfg.Config, a.elog.Stream())
	if err != nil {
		return err
	}
	opts.Log = func(msg string) { a.elog.Warnf("%s", msg) }
	opts.Title = "gunicorn-go: worker [" + cfg.procName() + "]"
	// One memory budget and one disk budget for the responses all workers,
	// of every generation, hold for their clients.
	opts.Budget, opts.SpoolBudget = a.appOpts.Budget, a.appOpts.SpoolBudget
	if opts.Budget == nil {
		opts.Budget = pyapp.NewBudget(64 << 20)
		opts.SpoolBudget = pyapp.NewBudget(max(opts.ResponseSpool, 0))
	}
	if a.spoolDir != "" {
		opts.TempDir = a.spoolDir
	}
	a.appOpts = opts
	return nil
}

// requestWait is how long a request may wait in the master for a free
// thread before it is answered 503.
func (a *arbiter) requestWait() time.Duration {
	if a.cfg.WorkerTimeout > 0 {
		return a.cfg.WorkerTimeout
	}
	return 30 * time.Second
}

// loop is the arbiter, as gunicorn's arbiter.py run is: take the next
// signal or piece of news, handle it, then see that the workers are as
// they should be. It returns the exit code.
func (a *arbiter) loop() int {
	a.manage()
	t := time.NewTicker(tick)
	defer t.Stop()
	var alive <-chan time.Time // nil: never
	if a.cfg.Alive != nil && a.cfg.AliveEvery > 0 {
		at := time.NewTicker(a.cfg.AliveEvery)
		defer at.Stop()
		alive = at.C
	}
	for {
		select {
		case <-alive:
			a.cfg.Alive(a.elog)
		case s := <-a.sigs:
			a.handleSignal(s)
		case ev := <-a.events:
			a.handleEvent(ev)
		case <-a.poolNotify():
		case <-t.C:
			a.murderWorkers()
			a.pingIdleWorkers()
		case err := <-a.served:
			if a.stopping == "" {
				a.elog.Errorf("serve: %v", err)
				a.stop("quick", lifecycle.ExitError)
			}
		case err := <-a.drain:
			a.drained(err)
		case why := <-a.cfg.Stop: // nil: never
			a.elog.Infof("%s", why)
			a.stop("graceful", lifecycle.ExitOK)
		}
		a.manage()
		a.notifyReady()
		if a.stopping != "" && len(a.workers) == 0 && a.drain == nil {
			a.elog.Infof("Shutting down: Master")
			if r := lifecycle.ExitReason(a.exit); r != "" {
				a.elog.Infof("Reason: %s", r)
			}
			return a.exit
		}
	}
}

// poolNotify is the pool's channel, or nil (never ready) for a Go app.
func (a *arbiter) poolNotify() <-chan struct{} {
	if a.pool == nil {
		return nil
	}
	return a.pool.notify
}

// handleSignal acts on one signal, as gunicorn's handle_* methods do.
func (a *arbiter) handleSignal(s os.Signal) {
	a.elog.Infof("Handling signal: %s", lifecycle.SignalName(s))
	switch s {
	case syscall.SIGTERM:
		a.stop("graceful", lifecycle.ExitOK)
	case syscall.SIGINT, syscall.SIGQUIT:
		a.stop("quick", lifecycle.ExitOK)
	case syscall.SIGHUP:
		a.reload()
	case syscall.SIGTTIN:
		if !a.goApp {
			a.target++
		}
	case syscall.SIGTTOU:
		if !a.goApp && a.target > 1 {
			a.target--
		}
	case syscall.SIGUSR1:
		if err := a.logs.Reopen(); err != nil {
			a.elog.Errorf("reopening the log files: %v", err)
		}
	case syscall.SIGUSR2:
		if a.cfg.OnUSR2 != nil {
			a.cfg.OnUSR2(a.elog)
		} else {
			a.elog.Warnf("usr2: upgrading the binary in place arrives in stage 6; serving on")
		}
	case syscall.SIGWINCH:
		if a.cfg.OnWINCH != nil {
			a.cfg.OnWINCH(a.elog)
		} else {
			a.elog.Debugf("SIGWINCH ignored. Not daemonized")
		}
	}
}

// stopSignal handles a signal during start-up and reports whether it asks
// the master to stop.
func (a *arbiter) stopSignal(s os.Signal) bool {
	a.elog.Infof("Handling signal: %s", lifecycle.SignalName(s))
	switch s {
	case syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT:
		return true
	case syscall.SIGUSR1:
		if err := a.logs.Reopen(); err != nil {
			a.elog.Errorf("reopening the log files: %v", err)
		}
	}
	return false
}

// stop begins the end: quick (INT, QUIT) closes every connection and kills
// the workers; graceful (TERM) stops accepting, lets every connection end
// at a response boundary and the requests in flight finish, for at most the
// graceful timeout, then stops the workers. exit is the code to exit with.
func (a *arbiter) stop(how string, exit int) {
	if a.stopping == "quick" || a.stopping == how {
		return
	}
	if a.stopping == "" {
		a.exit = exit
		if a.cfg.Stopping != nil {
			a.cfg.Stopping(a.elog)
		}
	}
	a.stopping = how
	if how == "quick" {
		a.cancel() // workers still booting give up
		a.srv.Close()
		if a.pool != nil {
			a.pool.close()
		}
		for w := range a.workers {
			a.kill(w)
		}
		a.drain = nil
		return
	}
	grace := a.cfg.gracefulTimeout()
	drain := make(chan error, 1) // buffered: a quick stop may stop listening to it
	a.drain = drain
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		drain <- a.srv.Shutdown(ctx)
	}()
}

// drained: the graceful shutdown has ended; every connection is closed.
// err says the graceful timeout ran out first, and requests were cut.
func (a *arbiter) drained(err error) {
	a.drain = nil
	if err != nil {
		a.elog.Warnf("%v: requests in flight were cut", err)
	}
	if a.pool != nil {
		a.pool.close()
	}
	for w := range a.workers {
		if err != nil || w.Worker == nil {
			a.kill(w)
		} else {
			a.retire(w, "the master is stopping")
		}
	}
}

// handleEvent takes news from a worker.
func (a *arbiter) handleEvent(ev event) {
	w := ev.w
	switch ev.kind {
	case started:
		w.pid = ev.pid
		a.elog.Infof("Booting worker with pid: %d", w.pid)
	case booted:
		if ev.err != nil {
			a.bootFailed(w, ev.err)
			return
		}
		w.Worker = ev.pw
		if w.state == retiring || w.gen != a.gen || a.stopping != "" {
			a.kill(w) // no longer wanted while it booted
			return
		}
		a.elog.Debugf("Worker (pid:%d) loaded the app in %v", w.pid, time.Since(w.since).Round(time.Millisecond))
		w.state, w.since = serving, time.Now()
		a.everUp, a.failures = true, 0
		a.pool.add(w)
		a.promote()
		if !a.ready && a.serving() >= a.target {
			// Beyond gunicorn, which says nothing once its workers have
			// loaded the app: the moment the server is fully up (stage 6
			// tells systemd then).
			a.ready = true
			// The interpreter too: the one --python, VIRTUAL_ENV or a
			// venv beside the app chose, which is worth seeing when a
			// module is missing.
			a.elog.Infof("Ready: %d worker(s) serve, on %s", a.serving(), w.Interpreter())
		}
	case exited:
		a.reap(w)
	case pinged:
		w.pinging = false
		if ev.err != nil && w.state == serving && a.pool.busy(w) == 0 {
			a.timeout(w, "it did not answer a ping")
		}
	}
}

// bootFailed handles a worker that could not load the app or start.
func (a *arbiter) bootFailed(w *worker, err error) {
	delete(a.workers, w)
	code := lifecycle.ExitAppLoad
	if errors.Is(err, pyapp.ErrBoot) {
		code = lifecycle.ExitWorkerBoot
	}
	switch {
	case a.stopping != "" || errors.Is(err, context.Canceled):
		// Stopping: it was told to give up.
	case w.gen != a.gen:
		// A generation already abandoned.
	case w.gen != a.oldGen && a.oldGen >= 0:
		// HUP brought code that does not load: the old workers serve on.
		a.elog.Errorf("Reload failed: the new workers cannot load the app; the previous workers keep serving:\n%v", err)
		a.abandonGeneration()
	case !a.everUp || a.serving() == 0:
		// Nothing serves, and the app cannot be loaded: stop rather than
		// restart workers in a loop, as gunicorn's master does.
		lifecycle.WorkerFailed(a.elog, err, w.pid)
		a.stop("quick", code)
	default:
		a.failures++
		wait := min(time.Duration(1<<min(a.failures, 5))*time.Second, 30*time.Second)
		a.nextBoot = time.Now().Add(wait)
		a.elog.Errorf("A new worker could not load the app (retrying in %v; %d worker(s) still serving):\n%v", wait, a.serving(), err)
	}
}

// abandonGeneration gives up a reload: the current generation goes back to
// the one that served before it, and the new one's workers are killed.
func (a *arbiter) abandonGeneration() {
	failed := a.gen
	a.gen, a.oldGen = a.oldGen, -1
	a.target = 0
	for w := range a.workers {
		if w.gen == failed {
			a.kill(w)
		} else if w.gen == a.gen && w.state != retiring {
			a.target++
		}
	}
	a.target = max(a.target, 1)
}

// promote retires the workers whose successors now serve: those that had
// their share of requests (max_requests), once their replacement serves,
// and the old generation, once the new one is complete (HUP).
func (a *arbiter) promote() {
	for w := range a.workers {
		if r := w.replacement; w.state == serving && r != nil && r.state == serving {
			if _, usedUp := a.pool.due(w); usedUp {
				a.retire(w, "it served its share of requests and its replacement serves")
			}
		}
	}
	if a.oldGen < 0 {
		return
	}
	ready, on := 0, ""
	for w := range a.workers {
		if w.gen == a.gen && w.state == serving {
			ready, on = ready+1, w.Interpreter()
		}
	}
	if ready < a.target {
		return
	}
	for w := range a.workers {
		if w.gen != a.gen && w.state != retiring {
			a.retire(w, "the new workers serve (reload)")
		}
	}
	a.oldGen = -1
	a.elog.Infof("Reload done: %d new worker(s) serve, on %s", ready, on)
}

// reap handles a worker whose process has ended.
func (a *arbiter) reap(w *worker) {
	a.pool.remove(w)
	delete(a.workers, w)
	for o := range a.workers {
		if o.replacement == w {
			o.replacement = nil
		}
	}
	switch {
	case w.state == retiring || w.killed:
		a.elog.Infof("Worker exiting (pid: %d)", w.pid)
	default:
		a.elog.Errorf("%s", describeExit(w))
	}
}

// manage keeps the workers as they should be, as gunicorn's
// manage_workers does: as many as target in the current generation (new
// ones are spawned, extra ones retired, the oldest first), a replacement for
// each that had its share of requests, and the retiring ones stopped once
// they are done or their time is up.
func (a *arbiter) manage() {
	if a.goApp {
		return
	}
	now := time.Now()
	for w := range a.workers {
		if w.state != retiring || w.Worker == nil {
			continue
		}
		switch {
		case w.killed || w.closing:
		case now.After(w.deadline):
			a.elog.Warnf("Worker (pid:%d) still busy after the graceful timeout: killed", w.pid)
			a.kill(w)
		case w.stuck && w.Active() == 0:
			a.kill(w) // what is left in it is stuck, and will never end
		case !w.stuck && a.pool.busy(w) == 0:
			a.close(w)
		}
	}
	if a.stopping == "quick" || (a.stopping == "graceful" && a.drain == nil) {
		return
	}
	// A worker near the end of its share of requests (max_requests) gets a
	// replacement, which starts early enough to have loaded the app when
	// the old one stops taking requests; the old one retires once the
	// replacement serves and it has finished what it has (see promote).
	for w := range a.workers {
		if w.gen != a.gen || w.state != serving {
			continue
		}
		due, usedUp := a.pool.due(w)
		if due && w.replacement == nil && now.After(a.nextBoot) {
			w.replacement = a.spawn()
		}
		if usedUp && !w.noted {
			w.noted = true
			a.elog.Infof("Autorestarting worker after current request. (pid: %d)", w.pid)
		}
	}
	a.promote()
	var current []*worker // the current generation's, a replaced one counting as its replacement
	for w := range a.workers {
		if w.gen == a.gen && w.state != retiring && w.replacement == nil {
			current = append(current, w)
		}
	}
	count := len(current)
	for ; count < a.target && now.After(a.nextBoot); count++ {
		a.spawn()
	}
	for ; count > a.target; count-- {
		a.retire(oldest(current), "there are more workers than asked for (TTOU)")
	}
}

// oldest returns the worker that has been in its state the longest,
// skipping those retiring.
func oldest(ws []*worker) *worker {
	var o *worker
	for _, w := range ws {
		if w.state != retiring && (o == nil || w.since.Before(o.since)) {
			o = w
		}
	}
	return o
}

// serving counts the workers taking requests.
func (a *arbiter) serving() int {
	n := 0
	for w := range a.workers {
		if w.state == serving {
			n++
		}
	}
	return n
}

// retire takes w out of the pool: it finishes the requests it has (for at
// most the graceful timeout) and is then stopped (see manage).
func (a *arbiter) retire(w *worker, why string) {
	if w.state == retiring {
		return
	}
	if a.pool != nil {
		a.pool.remove(w)
	}
	w.state, w.since, w.reason = retiring, time.Now(), why
	w.deadline = w.since.Add(a.cfg.gracefulTimeout())
	a.elog.Debugf("Retiring worker (pid:%d): %s", w.pid, why)
}

// close stops a retired worker that is done: its socket closes, it exits.
func (a *arbiter) close(w *worker) {
	if w.closing {
		return
	}
	w.closing = true
	go w.Close() // the exited event follows
}

// kill kills w at once (a booting one as soon as it has started).
func (a *arbiter) kill(w *worker) {
	w.killed = true
	if w.state != retiring {
		a.retire(w, "killed")
	}
	if w.Worker != nil {
		go w.Kill()
	}
}

// murderWorkers finds the workers stuck in a request, as gunicorn's
// murder_workers does: a request the app has said nothing in for the
// timeout (pyapp's Silence). gunicorn's sync worker counts from the start
// of the request, so it kills a response that streams for longer than the
// timeout, and its gthread worker notices no stuck request at all; here a
// stream that keeps sending, or that waits for a slow client, lives on.
func (a *arbiter) murderWorkers() {
	timeout := a.cfg.WorkerTimeout
	if timeout <= 0 {
		return
	}
	for w := range a.workers {
		if w.Worker != nil && !w.killed && !w.stuck && w.Silence() > timeout {
			a.timeout(w, fmt.Sprintf("a request was silent longer than the timeout (%v)", timeout))
		}
	}
}

// timeout handles a stuck worker, beyond what gunicorn does: the traceback
// of each of its threads goes to the error log, so the operator sees the
// line it was stuck on; its stuck requests are answered 504; it takes no
// new requests, a replacement starts at once, and its other threads get the
// graceful timeout to finish before it is killed.
func (a *arbiter) timeout(w *worker, why string) {
	a.elog.Criticalf("WORKER TIMEOUT (pid:%d)", w.pid)
	tb := w.DumpTracebacks(time.Second)
	a.elog.Errorf("Worker (pid:%d) is stuck: %s. Its threads:\n%s", w.pid, why, strings.TrimRight(tb, "\n"))
	w.stuck = true
	w.Expire(a.cfg.WorkerTimeout, fmt.Errorf("worker (pid:%d) timed out: %w", w.pid, wsgi.ErrGatewayTimeout))
	a.retire(w, why)
	if w.Active() == 0 {
		a.kill(w)
	}
}

// pingIdleWorkers checks that the idle workers can still answer: a worker
// whose main thread is stuck (a C extension holding the interpreter) is
// stuck even with no request in it.
func (a *arbiter) pingIdleWorkers() {
	timeout := a.cfg.WorkerTimeout
	if timeout <= 0 {
		return
	}
	every := max(timeout/2, time.Second)
	for w := range a.workers {
		if w.state == serving && w.Worker != nil && !w.pinging && time.Since(w.pinged) >= every && a.pool.busy(w) == 0 {
			a.ping(w)
		}
	}
}

// reload is HUP: read the settings again and start a new generation of
// workers, with the app's code as it is on disk now. The new workers take
// requests once they have all loaded the app, and the old ones then retire.
// If the new code does not load, the old workers serve on.
func (a *arbiter) reload() {
	a.elog.Infof("Hang up: Master")
	a.readyDue = true
	if a.cfg.OnHUP != nil {
		a.cfg.OnHUP(a.elog)
	}
	if a.goApp {
		a.elog.Infof("A Go app runs in the master: there are no workers to reload")
		return
	}
	if a.cfg.Reload != nil {
		cfg, warnings, err := a.cfg.Reload()
		if err != nil {
			a.elog.Errorf("Reload failed: the settings cannot be read, nothing changed: %v", err)
			return
		}
		for _, w := range warnings {
			a.elog.Warnf("%s", w)
		}
		for _, changed := range needsRestart(a.cfg, cfg) {
			a.elog.Warnf("%s changed: it takes a new master (a restart) to act; serving on as before for it", changed)
		}
		keep := a.cfg
		a.cfg = cfg
		a.cfg.Config = keepServerSettings(keep.Config, cfg.Config)
		if err := a.makeAppOptions(&a.cfg); err != nil {
			a.elog.Errorf("Reload failed: %v", err)
			a.cfg = keep
			return
		}
		a.target = a.cfg.workers()
	}
	if a.oldGen < 0 {
		a.oldGen = a.gen
	}
	a.gen++
	a.failures, a.nextBoot = 0, time.Time{}
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}

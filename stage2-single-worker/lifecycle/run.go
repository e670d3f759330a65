package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"gunicorn-go/stage1-wsgi-hello/appload"
	"gunicorn-go/stage1-wsgi-hello/pyapp"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
	"gunicorn-go/stage2-single-worker/bind"
	"gunicorn-go/stage2-single-worker/logging"
	"gunicorn-go/stage2-single-worker/server"
)

// Exit codes, as gunicorn's master uses them.
const (
	ExitOK         = 0
	ExitError      = 1 // bad configuration, cannot bind
	ExitWorkerBoot = 3 // a worker could not boot (gunicorn's WORKER_BOOT_ERROR)
	ExitAppLoad    = 4 // the app could not be loaded (gunicorn's APP_LOAD_ERROR)
)

// gunicorn's defaults for what Config leaves zero.
const (
	DefaultGracefulTimeout = 30 * time.Second
	DefaultKeepAlive       = 2 * time.Second
)

// pid is cached for log lines.
var pid = os.Getpid()

// Run is the whole life of a stage 2 server: open the logs, bind, load the
// app, serve until a signal, and return the process's exit code.
//
// Signals are handled from the start, loading included (a Django app takes
// a second or more to import, and systemd may stop or reload it meanwhile):
// TERM stops gracefully (no new connections, requests in flight finish, idle
// keep-alive connections close, at most GracefulTimeout; then the app's
// processes are killed); INT and QUIT stop at once; USR1 reopens the log
// files, after logrotate moved them. The signals gunicorn's master uses to
// manage workers (HUP, TTIN, TTOU, USR2) are logged and otherwise ignored: a
// single worker has none to manage, and Go's default for HUP (exit) and for
// TTIN and TTOU (stop the process) would take the server down.
func Run(cfg Config) int {
	// Signal handlers only enqueue; the steps below take them in turn.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1,
		syscall.SIGHUP, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGUSR2)
	defer signal.Stop(sigs)

	logs, err := OpenLogs(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return ExitError
	}
	defer logs.Close()
	elog := logs.Error
	spool, removeSpool, err := SpoolDir(cfg.TempDir, elog)
	if err != nil {
		elog.Errorf("%v", err)
		return ExitError
	}
	defer removeSpool()
	cfg.TempDir = spool
	srv := NewServer(cfg, logs)
	srv.Multithread = cfg.Threads > 1
	sh := &signalHandler{sigs: sigs, logs: logs}

	appOpts, err := AppOptions(cfg, elog.Stream())
	if err != nil {
		elog.Errorf("%v", err)
		return ExitError
	}
	appOpts.Log = func(msg string) { elog.Warnf("%s", msg) }
	if err := ApplyEnv(cfg); err != nil {
		elog.Errorf("%v", err)
		return ExitError
	}
	addrs, err := ParseBinds(cfg.Bind)
	if err != nil {
		elog.Errorf("%v", err)
		return ExitError
	}

	elog.Infof("Starting gunicorn-go %s", server.Version)
	var lns []net.Listener
	stop, err := sh.during(func(ctx context.Context) (err error) {
		lns, err = ListenAll(ctx, addrs, elog.Errorf)
		return err
	})
	switch {
	case stop != nil:
		closeAll(lns)
		return exitOnSignal(elog)
	case err != nil:
		elog.Errorf("%v", err)
		return ExitError
	}
	elog.Infof("Listening at: %s (%d)", ListeningAt(lns), pid)
	elog.Infof("Using worker: goroutine per connection (stage 2)")
	elog.Infof("Booting worker with pid: %d", pid)

	var app wsgi.App
	var closer io.Closer
	stop, err = sh.during(func(ctx context.Context) (err error) {
		app, closer, err = appload.LoadContext(ctx, cfg.App, appOpts, cfg.GoApps)
		return err
	})
	switch {
	case stop != nil:
		if err == nil {
			closer.Close() // loaded just before the stop: stop it anyway
		}
		closeAll(lns)
		return exitOnSignal(elog)
	case errors.Is(err, pyapp.ErrBoot):
		closeAll(lns)
		return ExitWorker(elog, ExitWorkerBoot, err)
	case err != nil:
		closeAll(lns)
		return ExitWorker(elog, ExitAppLoad, err)
	}
	defer func() {
		if err := closer.Close(); err != nil {
			elog.Warnf("stopping the app: %v", err)
		}
	}()
	srv.App = app
	appBroken := make(chan error, 1)
	srv.AppLoadFailed = func(err error) {
		select {
		case appBroken <- err:
		default: // one is enough
		}
	}
	return serve(srv, lns, app, appBroken, cfg, sh)
}

// ParseBinds parses the bind setting (gunicorn's default when empty).
func ParseBinds(binds []string) ([]bind.Address, error) {
	if len(binds) == 0 {
		binds = []string{bind.Default}
	}
	addrs := make([]bind.Address, len(binds))
	for i, b := range binds {
		a, err := bind.Parse(b)
		if err != nil {
			return nil, err
		}
		addrs[i] = a
	}
	return addrs, nil
}

// ListenAll listens on every address (see bind.Listen), or on none: if one
// fails, those opened are closed.
func ListenAll(ctx context.Context, addrs []bind.Address, logf func(string, ...any)) ([]net.Listener, error) {
	var lns []net.Listener
	for _, a := range addrs {
		ln, err := bind.Listen(ctx, a, logf)
		if err != nil {
			closeAll(lns)
			return nil, err
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// ListeningAt is the start-up line's list of addresses, as gunicorn writes
// it: "http://127.0.0.1:8000, http://[::1]:8000".
func ListeningAt(lns []net.Listener) string {
	var b strings.Builder
	for i, ln := range lns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(bind.URL(ln))
	}
	return b.String()
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}

// serve serves on ln until TERM, INT or QUIT; or until the app cannot be
// loaded any more (appBroken), when it stops as gunicorn's master does when a
// worker fails to load the app: at once, with ExitAppLoad, so that the
// service manager sees it rather than a server failing every request.
func serve(srv *server.Server, lns []net.Listener, app wsgi.App, appBroken <-chan error, cfg Config, sh *signalHandler) int {
	elog := sh.logs.Error
	served := make(chan error, len(lns))
	for _, ln := range lns {
		go func() { served <- srv.Serve(ln) }()
	}
	waitServed := func() {
		for range lns {
			<-served
		}
	}

	var stop os.Signal
	for stop == nil {
		select {
		case err := <-served:
			elog.Errorf("serve: %v", err)
			srv.Close()
			killApp(app)
			return ExitError
		case s := <-sh.sigs:
			stop = sh.handle(s)
		case err := <-appBroken:
			// The requests failing with it get their answers out first.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = srv.Shutdown(ctx) // past the second, what is left is cut
			cancel()
			killApp(app)
			waitServed()
			return ExitWorker(elog, ExitAppLoad, err)
		}
	}
	if stop == syscall.SIGTERM {
		grace := cfg.GracefulTimeout
		if grace <= 0 {
			grace = DefaultGracefulTimeout
		}
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			elog.Warnf("%v: requests in flight were cut", err)
			killApp(app) // what is still in the app gets no more time
		}
	} else {
		srv.Close()
		killApp(app)
	}
	waitServed()
	elog.Infof("Worker exiting (pid: %d)", pid)
	elog.Infof("Shutting down: Master")
	return ExitOK
}

// killApp kills a Python app's runner at once; a Go app has none.
func killApp(app wsgi.App) {
	if k, ok := app.(interface{ Kill() }); ok {
		k.Kill()
	}
}

// ExitWorker ends a server whose worker could not boot (code
// ExitWorkerBoot) or load the app (ExitAppLoad), with gunicorn's lines,
// and returns code.
func ExitWorker(elog *logging.ErrorLog, code int, err error) int {
	WorkerFailed(elog, err, pid)
	elog.Infof("Shutting down: Master")
	if r := ExitReason(code); r != "" {
		elog.Infof("Reason: %s", r)
	}
	return code
}

// WorkerFailed logs, as gunicorn does, a worker that could not boot or load
// the app: the exception, then "Worker exiting" with the worker's pid when
// it had one (workerPid > 0).
func WorkerFailed(elog *logging.ErrorLog, err error, workerPid int) {
	elog.Errorf("Exception in worker process:\n%v", err)
	if workerPid > 0 {
		elog.Infof("Worker exiting (pid: %d)", workerPid)
	}
}

// ExitReason is the "Reason:" gunicorn's master gives after "Shutting down:
// Master" for an exit code of its own, or "" for the others.
func ExitReason(code int) string {
	switch code {
	case ExitWorkerBoot:
		return "Worker failed to boot."
	case ExitAppLoad:
		return "App failed to load."
	}
	return ""
}

// exitOnSignal ends a server told to stop before it served.
func exitOnSignal(elog *logging.ErrorLog) int {
	elog.Infof("Shutting down: Master")
	return ExitOK
}

// signalHandler handles the signals that do not stop the server, wherever
// the server is in its life.
type signalHandler struct {
	sigs <-chan os.Signal
	logs *Logs
}

// ignored are the signals gunicorn's master handles that a single worker has
// no use for, with what the log says of them.
var ignored = map[os.Signal]string{
	syscall.SIGHUP:  "reloading the app arrives with the arbiter (stage 4); serving on",
	syscall.SIGTTIN: "one worker here; the arbiter (stage 4) adds and removes workers; serving on",
	syscall.SIGTTOU: "one worker here; the arbiter (stage 4) adds and removes workers; serving on",
	syscall.SIGUSR2: "upgrading the binary in place arrives in stage 6; serving on",
}

// handle logs s and acts on it; it returns s if s asks to stop (TERM, INT,
// QUIT), nil otherwise.
func (h *signalHandler) handle(s os.Signal) os.Signal {
	elog := h.logs.Error
	elog.Infof("Handling signal: %s", SignalName(s))
	switch {
	case s == syscall.SIGUSR1:
		if err := h.logs.Reopen(); err != nil {
			elog.Errorf("reopening the log files: %v", err)
		}
	case ignored[s] != "":
		elog.Warnf("%s: %s", SignalName(s), ignored[s])
	default:
		return s
	}
	return nil
}

// during runs fn, handling signals meanwhile. A stop signal cancels fn's
// context; during then waits for fn and returns the signal, with fn's
// error (nil if fn finished anyway: whatever it made is the caller's to
// undo).
func (h *signalHandler) during(fn func(ctx context.Context) error) (stop os.Signal, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	for {
		select {
		case err := <-done:
			return nil, err
		case s := <-h.sigs:
			if stop = h.handle(s); stop != nil {
				cancel()
				return stop, <-done
			}
		}
	}
}

// signalNames are the signals' names as gunicorn logs them.
var signalNames = map[os.Signal]string{
	syscall.SIGTERM: "term", syscall.SIGINT: "int", syscall.SIGQUIT: "quit", syscall.SIGUSR1: "usr1",
	syscall.SIGUSR2: "usr2", syscall.SIGHUP: "hup", syscall.SIGTTIN: "ttin", syscall.SIGTTOU: "ttou",
	syscall.SIGWINCH: "winch", syscall.SIGCHLD: "chld",
}

// SignalName is a signal's name as gunicorn logs it ("hup", "ttin").
func SignalName(sig os.Signal) string {
	if name, ok := signalNames[sig]; ok {
		return name
	}
	return sig.String()
}

// Logs are a server's error log and, when one is set, its access log, with
// the files behind them.
type Logs struct {
	Error     *logging.ErrorLog
	Access    *logging.AccessLog // nil: no access log
	errOut    *logging.Output
	accessOut *logging.Output
}

// OpenLogs opens the logs cfg names.
func OpenLogs(cfg Config) (*Logs, error) {
	errOut, err := logging.OpenOutput(orDefault(cfg.ErrorLog, "-"), os.Stderr)
	if err != nil {
		return nil, fmt.Errorf("error log %s: %w", cfg.ErrorLog, err)
	}
	level, err := logging.ParseLevel(orDefault(cfg.LogLevel, "info"))
	if err != nil {
		errOut.Close()
		return nil, err
	}
	l := &Logs{Error: logging.NewErrorLog(errOut, level), errOut: errOut}
	if cfg.AccessLog != "" {
		out, err := logging.OpenOutput(cfg.AccessLog, os.Stdout)
		if err != nil {
			errOut.Close()
			return nil, fmt.Errorf("access log %s: %w", cfg.AccessLog, err)
		}
		alog, err := logging.NewAccessLog(out, orDefault(cfg.AccessLogFormat, logging.DefaultAccessFormat))
		if err != nil {
			out.Close()
			errOut.Close()
			return nil, err
		}
		l.Access, l.accessOut = alog, out
	}
	return l, nil
}

// Reopen reopens the log files (USR1, after logrotate moved them).
func (l *Logs) Reopen() error {
	err := l.errOut.Reopen()
	if l.accessOut != nil {
		err = errors.Join(err, l.accessOut.Reopen())
	}
	return err
}

// Close closes the log files.
func (l *Logs) Close() {
	l.errOut.Close()
	if l.accessOut != nil {
		l.accessOut.Close()
	}
}

// NewServer builds a server from cfg, logging to logs; its App is the
// caller's to set.
func NewServer(cfg Config, logs *Logs) *server.Server {
	srv := &server.Server{
		Limits:           cfg.Limits,
		KeepAlive:        cfg.KeepAlive,
		Timeout:          cfg.Timeout,
		ErrorLog:         logs.Error,
		AccessLog:        logs.Access,
		ScriptName:       strings.TrimRight(os.Getenv("SCRIPT_NAME"), "/"),
		LimitRequestBody: cfg.LimitRequestBody,
		SpoolDisk:        cfg.SpoolDisk,
		TempDir:          cfg.TempDir,

		ForwardedAllowIPs:   cfg.ForwardedAllowIPs,
		SecureSchemeHeaders: cfg.SecureSchemeHeaders,
	}
	if srv.ForwardedAllowIPs == nil {
		srv.ForwardedAllowIPs = server.DefaultForwardedAllowIPs
	}
	if srv.SecureSchemeHeaders == nil {
		srv.SecureSchemeHeaders = server.DefaultSecureSchemeHeaders
	}
	if srv.KeepAlive == 0 {
		srv.KeepAlive = DefaultKeepAlive
	}
	return srv
}

// ApplyEnv changes directory and sets the raw_env variables, before the app
// (and its Python runner, which inherits both) is loaded.
func ApplyEnv(cfg Config) error {
	if cfg.Chdir != "" {
		if err := os.Chdir(cfg.Chdir); err != nil {
			return fmt.Errorf("chdir: %w", err)
		}
	}
	for _, kv := range cfg.Env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("env %q: expected KEY=VALUE", kv)
		}
		if err := os.Setenv(k, v); err != nil {
			return fmt.Errorf("env %q: %w", kv, err)
		}
	}
	return nil
}

// AppOptions says how to run cfg's app when it is a Python one: the
// interpreter, paths, environment, output capture and response buffering
// that the server and stage 3's --check-config use. A relative Chdir is
// taken from the current directory, so call it before changing directory.
// errorLog receives the app's wsgi.errors text and captured output as
// written.
func AppOptions(cfg Config, errorLog io.Writer) (pyapp.Options, error) {
	chdir, err := filepath.Abs(cfg.Chdir) // "" is the current directory
	if err != nil {
		return pyapp.Options{}, fmt.Errorf("chdir %s: %w", cfg.Chdir, err)
	}
	return pyapp.Options{
		Python:        cfg.Python,
		Chdir:         chdir,
		PythonPath:    cfg.PythonPath,
		Env:           cfg.Env,
		ErrorLog:      errorLog,
		CaptureOutput: cfg.CaptureOutput,
		Threads:       cfg.Threads,
		ResponseSpool: cfg.ResponseSpool,
		TempDir:       cfg.TempDir,
	}, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

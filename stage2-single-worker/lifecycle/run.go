package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"gunicorn-go/stage1-wsgi-hello/appload"
	"gunicorn-go/stage1-wsgi-hello/pyapp"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
	"gunicorn-go/stage2-single-worker/logging"
)

// Exit codes, as gunicorn's master uses them.
const (
	ExitOK      = 0
	ExitError   = 1 // bad configuration, cannot bind
	ExitAppLoad = 4 // the app could not be loaded (gunicorn's APP_LOAD_ERROR)
)

// gunicorn's defaults for what Config leaves zero.
const (
	defaultPort   = "8000"
	defaultGrace  = 30 * time.Second
	defaultKeepAl = 2 * time.Second
)

// Binding an address in use is retried bindRetries times (five tries in
// all), bindRetryDelay apart, as gunicorn does.
const (
	bindRetries    = 4
	bindRetryDelay = time.Second
)

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
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1,
		syscall.SIGHUP, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGUSR2)
	defer signal.Stop(sigs)

	errOut, err := logging.OpenOutput(orDefault(cfg.ErrorLog, "-"), os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error log %s: %v\n", cfg.ErrorLog, err)
		return ExitError
	}
	defer errOut.Close()
	level, err := logging.ParseLevel(orDefault(cfg.LogLevel, "info"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return ExitError
	}
	elog := logging.NewErrorLog(errOut, level)

	srv, accessOut, err := newServer(cfg, elog)
	if err != nil {
		elog.Errorf("%v", err)
		return ExitError
	}
	if accessOut != nil {
		defer accessOut.Close()
	}
	sh := &signalHandler{sigs: sigs, elog: elog, reopenLogs: func() error {
		err := errOut.Reopen()
		if accessOut != nil {
			err = errors.Join(err, accessOut.Reopen())
		}
		return err
	}}

	appOpts, err := AppOptions(cfg, elog.Stream())
	if err != nil {
		elog.Errorf("%v", err)
		return ExitError
	}
	appOpts.Log = func(msg string) { elog.Warnf("%s", msg) }
	if err := applyEnv(cfg); err != nil {
		elog.Errorf("%v", err)
		return ExitError
	}

	elog.Infof("Starting gunicorn-go %s", Version)
	ln, stop, err := listen(cfg.Bind, sh)
	if stop != nil {
		return exitOnSignal(elog)
	}
	if err != nil {
		elog.Errorf("%v", err)
		return ExitError
	}
	elog.Infof("Listening at: http://%s (%d)", ln.Addr(), pid)
	elog.Infof("Using worker: goroutine per connection (stage 2)")
	elog.Infof("Booting worker with pid: %d", pid)

	app, closer, stop, err := load(cfg.App, appOpts, sh)
	if stop != nil {
		ln.Close()
		return exitOnSignal(elog)
	}
	if err != nil {
		ln.Close()
		return exitAppLoad(elog, err)
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

	return serve(srv, ln, app, appBroken, cfg, sh)
}

// load loads the app while handling signals. A stop signal meanwhile
// abandons the load (the runners are killed) and is returned as stop.
func load(spec string, opts pyapp.Options, sh *signalHandler) (app wsgi.App, closer io.Closer, stop os.Signal, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type loaded struct {
		app    wsgi.App
		closer io.Closer
		err    error
	}
	done := make(chan loaded, 1)
	go func() {
		app, closer, err := appload.LoadContext(ctx, spec, opts)
		done <- loaded{app, closer, err}
	}()
	for {
		select {
		case l := <-done:
			return l.app, l.closer, nil, l.err
		case s := <-sh.sigs:
			if stop = sh.handle(s); stop != nil {
				cancel()
				if l := <-done; l.err == nil {
					l.closer.Close() // loaded just before the cancel: stop it anyway
				}
				return nil, nil, stop, nil
			}
		}
	}
}

// serve serves on ln until TERM, INT or QUIT; or until the app cannot be
// loaded any more (appBroken), when it stops as gunicorn's master does when a
// worker fails to load the app: at once, with ExitAppLoad, so that the
// service manager sees it rather than a server failing every request.
func serve(srv *Server, ln net.Listener, app wsgi.App, appBroken <-chan error, cfg Config, sh *signalHandler) int {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var stop os.Signal
	for stop == nil {
		select {
		case err := <-served:
			sh.elog.Errorf("serve: %v", err)
			return ExitError
		case s := <-sh.sigs:
			stop = sh.handle(s)
		case err := <-appBroken:
			// The requests failing with it get their 500s out first.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = srv.Shutdown(ctx) // past the second, what is left is cut
			cancel()
			killApp(app)
			<-served
			return exitAppLoad(sh.elog, err)
		}
	}
	if stop == syscall.SIGTERM {
		grace := cfg.GracefulTimeout
		if grace <= 0 {
			grace = defaultGrace
		}
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			sh.elog.Warnf("%v: requests in flight were cut", err)
			killApp(app) // what is still in the app gets no more time
		}
	} else {
		srv.Close()
		killApp(app)
	}
	<-served
	sh.elog.Infof("Worker exiting (pid: %d)", pid)
	sh.elog.Infof("Shutting down: Master")
	return ExitOK
}

// killApp kills a Python app's runners at once; a Go app has none.
func killApp(app wsgi.App) {
	if p, ok := app.(*pyapp.App); ok {
		p.Kill()
	}
}

// exitAppLoad ends a server whose app cannot be loaded, with gunicorn's
// lines and exit code.
func exitAppLoad(elog *logging.ErrorLog, err error) int {
	elog.Errorf("Exception in worker process:\n%v", err)
	elog.Infof("Worker exiting (pid: %d)", pid)
	elog.Infof("Shutting down: Master")
	elog.Infof("Reason: App failed to load.")
	return ExitAppLoad
}

// exitOnSignal ends a server told to stop before it served.
func exitOnSignal(elog *logging.ErrorLog) int {
	elog.Infof("Shutting down: Master")
	return ExitOK
}

// signalHandler handles the signals that do not stop the server, wherever
// the server is in its life.
type signalHandler struct {
	sigs       <-chan os.Signal
	elog       *logging.ErrorLog
	reopenLogs func() error
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
	h.elog.Infof("Handling signal: %s", signalName(s))
	switch {
	case s == syscall.SIGUSR1:
		if err := h.reopenLogs(); err != nil {
			h.elog.Errorf("reopening the log files: %v", err)
		}
	case ignored[s] != "":
		h.elog.Warnf("%s: %s", signalName(s), ignored[s])
	default:
		return s
	}
	return nil
}

// signalNames are the signals' names as gunicorn logs them.
var signalNames = map[os.Signal]string{
	syscall.SIGTERM: "term", syscall.SIGINT: "int", syscall.SIGQUIT: "quit", syscall.SIGUSR1: "usr1",
	syscall.SIGUSR2: "usr2", syscall.SIGHUP: "hup", syscall.SIGTTIN: "ttin", syscall.SIGTTOU: "ttou",
}

func signalName(sig os.Signal) string {
	if name, ok := signalNames[sig]; ok {
		return name
	}
	return sig.String()
}

// newServer builds a Server from cfg, opening the access log if one is set;
// its Output (nil when there is none) is the caller's to reopen and close.
func newServer(cfg Config, elog *logging.ErrorLog) (*Server, *logging.Output, error) {
	srv := &Server{
		Limits:     cfg.Limits,
		KeepAlive:  cfg.KeepAlive,
		Timeout:    cfg.Timeout,
		ErrorLog:   elog,
		ScriptName: strings.TrimRight(os.Getenv("SCRIPT_NAME"), "/"),

		ForwardedAllowIPs:   cfg.ForwardedAllowIPs,
		SecureSchemeHeaders: cfg.SecureSchemeHeaders,
	}
	if srv.ForwardedAllowIPs == nil {
		srv.ForwardedAllowIPs = DefaultForwardedAllowIPs
	}
	if srv.SecureSchemeHeaders == nil {
		srv.SecureSchemeHeaders = DefaultSecureSchemeHeaders
	}
	if srv.KeepAlive == 0 {
		srv.KeepAlive = defaultKeepAl
	}
	var accessOut *logging.Output
	if cfg.AccessLog != "" {
		out, err := logging.OpenOutput(cfg.AccessLog, os.Stdout)
		if err != nil {
			return nil, nil, fmt.Errorf("access log %s: %w", cfg.AccessLog, err)
		}
		alog, err := logging.NewAccessLog(out, orDefault(cfg.AccessLogFormat, logging.DefaultAccessFormat))
		if err != nil {
			out.Close()
			return nil, nil, err
		}
		srv.AccessLog, accessOut = alog, out
	}
	return srv, accessOut, nil
}

// applyEnv changes directory and sets the raw_env variables, before the app
// (and its Python runner, which inherits both) is loaded.
func applyEnv(cfg Config) error {
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
// interpreter, paths, environment and output capture that both the server
// and stage 3's --check-config use. A relative Chdir is taken from the
// current directory, so call it before changing directory. errorLog receives
// the app's wsgi.errors text and captured output as written.
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
		Runners:       1,
		CaptureOutput: cfg.CaptureOutput,
	}, nil
}

// listen binds a TCP address given as HOST:PORT, HOST (port 8000),
// [V6]:PORT or :PORT (all IPv4 interfaces), optionally after tcp://.
//
// As in gunicorn, the socket is IPv6 only for an IPv6 address, and IPv4
// otherwise: Go's "tcp" would make 0.0.0.0 (and an empty host) a dual-stack
// socket that also answers on every IPv6 address, which an operator who
// wrote 0.0.0.0 did not ask for.
//
// An address in use is tried bindRetries more times, a second apart, as
// gunicorn does: during a restart the old server may still hold it. A stop
// signal meanwhile is returned as stop.
func listen(bind string, sh *signalHandler) (ln net.Listener, stop os.Signal, err error) {
	addr := strings.TrimPrefix(orDefault(bind, "127.0.0.1:"+defaultPort), "tcp://")
	if strings.HasPrefix(addr, "unix:") || strings.HasPrefix(addr, "fd://") {
		return nil, nil, fmt.Errorf("bind %s: unix sockets and inherited fds are served from stage 5", addr)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.Trim(addr, "[]")
		addr = net.JoinHostPort(host, defaultPort)
	}
	network := "tcp4"
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is6() {
		network = "tcp6"
	}
	for try := 0; ; try++ {
		ln, err = net.Listen(network, addr)
		if err == nil {
			return ln, nil, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, fmt.Errorf("bind %s: %w", addr, err)
		}
		sh.elog.Errorf("Connection in use: %s", addr)
		if try == bindRetries {
			return nil, nil, fmt.Errorf("bind %s: can't connect: %w", addr, err)
		}
		sh.elog.Errorf("Retrying in 1 second.")
		wait := time.NewTimer(bindRetryDelay)
		for waiting := true; waiting; {
			select {
			case <-wait.C:
				waiting = false
			case s := <-sh.sigs:
				if stop = sh.handle(s); stop != nil {
					wait.Stop()
					return nil, stop, nil
				}
			}
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

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

// Run is the whole life of a stage 2 server: open the logs, bind, load the
// app, serve until a signal, and return the process's exit code.
//
// Signals: TERM stops gracefully (no new connections, requests in flight
// finish, idle keep-alive connections close, at most GracefulTimeout); INT
// and QUIT stop at once; USR1 reopens the log files, after logrotate moved
// them. The signals gunicorn's master uses to manage workers (HUP, TTIN, TTOU,
// USR2) are logged and otherwise ignored: a single worker has none to manage,
// and Go's default for them (exit, or stop) would take the server down.
func Run(cfg Config) int {
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
	reopenLogs := func() error {
		err := errOut.Reopen()
		if accessOut != nil {
			err = errors.Join(err, accessOut.Reopen())
		}
		return err
	}

	appOpts, err := AppOptions(cfg, elog.Writer())
	if err != nil {
		elog.Errorf("%v", err)
		return ExitError
	}
	if err := applyEnv(cfg); err != nil {
		elog.Errorf("%v", err)
		return ExitError
	}

	elog.Infof("Starting gunicorn-go %s", Version)
	ln, err := listen(cfg.Bind)
	if err != nil {
		elog.Errorf("%v", err)
		return ExitError
	}
	elog.Infof("Listening at: http://%s (%d)", ln.Addr(), pid)
	elog.Infof("Using worker: goroutine per connection (stage 2)")
	elog.Infof("Booting worker with pid: %d", pid)

	app, closer, err := appload.Load(cfg.App, appOpts)
	if err != nil {
		ln.Close()
		elog.Errorf("Exception in worker process:\n%v", err)
		elog.Infof("Worker exiting (pid: %d)", pid)
		elog.Errorf("Reason: App failed to load.")
		return ExitAppLoad
	}
	defer func() {
		if err := closer.Close(); err != nil {
			elog.Warnf("stopping the app: %v", err)
		}
	}()
	srv.App = app

	return serveUntilSignal(srv, ln, cfg, elog, reopenLogs)
}

// ignored are the signals gunicorn's master handles that a single worker has
// no use for, with what the log says of them.
var ignored = map[os.Signal]string{
	syscall.SIGHUP:  "reloading the app arrives with the arbiter (stage 4); serving on",
	syscall.SIGTTIN: "one worker here; the arbiter (stage 4) adds and removes workers; serving on",
	syscall.SIGTTOU: "one worker here; the arbiter (stage 4) adds and removes workers; serving on",
	syscall.SIGUSR2: "upgrading the binary in place arrives in stage 6; serving on",
}

// serveUntilSignal serves on ln until TERM, INT or QUIT, reopening the logs
// on USR1.
func serveUntilSignal(srv *Server, ln net.Listener, cfg Config, elog *logging.ErrorLog, reopenLogs func() error) int {
	// Signal handlers only enqueue; this goroutine does the work.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1,
		syscall.SIGHUP, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGUSR2)
	defer signal.Stop(sigs)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var sig os.Signal
	for sig == nil {
		select {
		case err := <-served:
			elog.Errorf("serve: %v", err)
			return ExitError
		case s := <-sigs:
			elog.Infof("Handling signal: %s", signalName(s))
			switch {
			case s == syscall.SIGUSR1:
				if err := reopenLogs(); err != nil {
					elog.Errorf("reopening the log files: %v", err)
				}
			case ignored[s] != "":
				elog.Warnf("%s: %s", signalName(s), ignored[s])
			default:
				sig = s
			}
		}
	}
	if sig == syscall.SIGTERM {
		grace := cfg.GracefulTimeout
		if grace <= 0 {
			grace = defaultGrace
		}
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			elog.Warnf("%v: requests in flight were cut", err)
		}
	} else {
		srv.Close()
	}
	<-served
	elog.Infof("Worker exiting (pid: %d)", pid)
	elog.Infof("Shutting down: Master")
	return ExitOK
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
// current directory, so call it before changing directory.
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
func listen(bind string) (net.Listener, error) {
	addr := strings.TrimPrefix(orDefault(bind, "127.0.0.1:"+defaultPort), "tcp://")
	if strings.HasPrefix(addr, "unix:") || strings.HasPrefix(addr, "fd://") {
		return nil, fmt.Errorf("bind %s: unix sockets and inherited fds are served from stage 5", addr)
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
	ln, err := net.Listen(network, addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("bind %s: connection in use: %w", addr, err)
		}
		return nil, fmt.Errorf("bind %s: %w", addr, err)
	}
	return ln, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

package server

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
// and QUIT stop at once.
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

	srv, closeLogs, err := newServer(cfg, elog)
	if err != nil {
		elog.Errorf("%v", err)
		return ExitError
	}
	defer closeLogs()

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

	return serveUntilSignal(srv, ln, cfg, elog)
}

// serveUntilSignal serves on ln until TERM, INT or QUIT.
func serveUntilSignal(srv *Server, ln net.Listener, cfg Config, elog *logging.ErrorLog) int {
	// Signal handlers only enqueue; this goroutine does the work.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT)
	defer signal.Stop(sigs)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		elog.Errorf("serve: %v", err)
		return ExitError
	case sig := <-sigs:
		elog.Infof("Handling signal: %s", signalName(sig))
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
	}
	<-served
	elog.Infof("Worker exiting (pid: %d)", pid)
	elog.Infof("Shutting down: Master")
	return ExitOK
}

func signalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "term"
	case syscall.SIGINT:
		return "int"
	case syscall.SIGQUIT:
		return "quit"
	}
	return sig.String()
}

// newServer builds a Server from cfg, opening the access log if one is set.
func newServer(cfg Config, elog *logging.ErrorLog) (*Server, func(), error) {
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
	closeLogs := func() {}
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
		srv.AccessLog = alog
		closeLogs = func() { out.Close() }
	}
	return srv, closeLogs, nil
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

// listen binds a TCP address given as HOST:PORT, HOST (port 8000) or
// [V6]:PORT.
func listen(bind string) (net.Listener, error) {
	addr := orDefault(bind, "127.0.0.1:"+defaultPort)
	if strings.HasPrefix(addr, "unix:") || strings.HasPrefix(addr, "fd://") {
		return nil, fmt.Errorf("bind %s: unix sockets and inherited fds are served from stage 5", addr)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), defaultPort)
	}
	ln, err := net.Listen("tcp", addr)
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

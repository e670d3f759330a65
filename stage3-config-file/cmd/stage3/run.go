package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gunicorn-go/shared/examples/goapps"
	"gunicorn-go/stage1-wsgi-hello/appload"
	"gunicorn-go/stage2-single-worker/bind"
	"gunicorn-go/stage2-single-worker/http1"
	"gunicorn-go/stage2-single-worker/lifecycle"
	"gunicorn-go/stage2-single-worker/logging"
	"gunicorn-go/stage2-single-worker/server"
	"gunicorn-go/stage3-config-file/config"
)

const prog = "stage3"

// Exit codes, as gunicorn's: 1 for a configuration error, 2 for a command
// line argparse cannot parse.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// run is the whole command: load the settings, then print them, check them,
// or serve. It returns the exit code.
func run(args, environ []string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(args, environ)
	switch {
	case errors.Is(err, config.ErrHelp):
		fmt.Fprint(stdout, config.Help(prog))
		return exitOK
	case errors.Is(err, config.ErrVersion):
		fmt.Fprintf(stdout, "gunicorn-go (version %s, stage 3)\n", server.Version)
		return exitOK
	case errors.Is(err, config.ErrUsage):
		fmt.Fprintf(stderr, "%s\n%s: error: %v\n", config.Usage(prog), prog, err)
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return exitError
	}

	elog, closeLog, err := openErrorLog(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return exitError
	}
	defer closeLog()
	for _, w := range cfg.Warnings {
		elog.Warnf("%s", w)
	}
	if elog.Enabled(logging.Debug) && !cfg.PrintConfig {
		// As gunicorn at debug level: every setting, here with its source.
		var b strings.Builder
		if err := cfg.Print(&b); err == nil {
			elog.Debugf("Current configuration:\n  %s", strings.ReplaceAll(strings.TrimSpace(b.String()), "\n", "\n  "))
		}
	}

	if cfg.PrintConfig {
		if err := cfg.Print(stdout); err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", err)
			return exitError
		}
		return exitOK
	}
	if cfg.WSGIApp == "" {
		fmt.Fprintf(stderr, "%s\n%s: error: no application: give APP, or wsgi_app in the config file\n", config.Usage(prog), prog)
		return exitError
	}
	sc, notes, err := serverConfig(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return exitError
	}
	if cfg.CheckConfig {
		return checkApp(sc, stderr)
	}
	for _, n := range notes {
		elog.Warnf("%s", n)
	}
	closeLog() // lifecycle.Run opens the error log again, as its own
	return lifecycle.Run(sc)
}

// openErrorLog opens the error log the settings name, for the messages this
// command logs before the server (which opens it again) starts.
func openErrorLog(cfg *config.Config, stderr io.Writer) (*logging.ErrorLog, func(), error) {
	out, err := logging.OpenOutput(cfg.ErrorLog, stderr)
	if err != nil {
		return nil, nil, fmt.Errorf("errorlog %s: %w", cfg.ErrorLog, err)
	}
	level, err := logging.ParseLevel(cfg.LogLevel)
	if err != nil {
		out.Close()
		return nil, nil, err
	}
	return logging.NewErrorLog(out, level), func() { out.Close() }, nil
}

// notedApart are the later-stage settings serverConfig has its own note for.
var notedApart = map[string]bool{"workers": true, "bind": true}

// serverConfig builds stage 2's lifecycle.Config from the settings. notes
// are warnings about settings stage 3 stores but does not act on yet.
//
// Outcomes: (config, notes, nil); or an error when no bind is a TCP
// address, which is all stage 2's server can serve.
func serverConfig(cfg *config.Config) (lifecycle.Config, []string, error) {
	var tcp, later []string
	for _, b := range cfg.Bind {
		a, err := bind.Parse(b)
		if err != nil {
			return lifecycle.Config{}, nil, err
		}
		if a.Network == "tcp" {
			tcp = append(tcp, b)
		} else {
			later = append(later, b)
		}
	}
	var notes []string
	if len(later) > 0 {
		if len(tcp) == 0 {
			return lifecycle.Config{}, nil, fmt.Errorf("bind %s: unix sockets and inherited descriptors are served from stage 5; stage 3 serves TCP addresses only, and none is given", strings.Join(later, ", "))
		}
		notes = append(notes, fmt.Sprintf("bind %s: served from stage 5; stage 3 serves %s only", strings.Join(later, ", "), strings.Join(tcp, ", ")))
	}
	if cfg.Workers > 1 {
		notes = append(notes, fmt.Sprintf("workers=%d: stage 3 runs one worker; the arbiter arrives in stage 4", cfg.Workers))
	}
	// Every other setting of a later stage that was given is noted too, so
	// that a pidfile or a certificate that does nothing yet is not missed.
	for _, s := range config.All() {
		if _, src, _ := cfg.Value(s.Name); s.Stage == 0 && src.Kind != config.FromDefault && !notedApart[s.Name] {
			notes = append(notes, fmt.Sprintf("%s (%s): acts from a later stage; stage 3 stores it and does nothing with it yet", s.Name, src))
		}
	}
	return lifecycle.Config{
		Bind:            tcp,
		App:             cfg.WSGIApp,
		GoApps:          goapps.All(),
		Chdir:           cfg.Chdir,
		Python:          cfg.Python,
		PythonPath:      cfg.PythonPath,
		Env:             append(slices.Clone(cfg.FileEnv), cfg.RawEnv...), // raw_env wins
		Threads:         cfg.Threads,
		KeepAlive:       lifecycle.KeepAliveSetting(cfg.KeepAlive),
		Timeout:         seconds(cfg.Timeout),
		GracefulTimeout: seconds(cfg.GracefulTimeout),
		Limits: http1.Limits{
			RequestLine: cfg.LimitRequestLine,
			Fields:      cfg.LimitRequestFields,
			FieldSize:   cfg.LimitRequestFieldSize,
		},
		LimitRequestBody: int64(cfg.LimitRequestBody),
		SpoolDisk:        int64(cfg.RequestSpoolLimit),
		ResponseSpool:    ResponseSpool(cfg.ResponseSpoolLimit),
		TempDir:          cfg.WorkerTmpDir,
		AccessLog:        cfg.AccessLog,
		AccessLogFormat:  cfg.AccessLogFormat,
		ErrorLog:         cfg.ErrorLog,
		LogLevel:         cfg.LogLevel,
		CaptureOutput:    cfg.CaptureOutput,

		ForwardedAllowIPs:   cfg.ForwardedAllowIPs,
		SecureSchemeHeaders: cfg.SecureSchemeHeaders,
	}, notes, nil
}

// ResponseSpool turns response_spool_limit into lifecycle.Config's
// ResponseSpool, whose zero means the default and negative none.
func ResponseSpool(limit int) int64 {
	if limit == 0 {
		return -1
	}
	return int64(limit)
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// checkApp is --check-config's second half: import the app as the server
// would, then stop it. 0 when it loads, 1 with the reason when not.
func checkApp(sc lifecycle.Config, stderr io.Writer) int {
	opts, err := lifecycle.AppOptions(sc, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return exitError
	}
	_, closer, err := appload.Load(sc.App, opts, sc.GoApps)
	if err != nil {
		fmt.Fprintf(stderr, "Error: app %s: %v\n", sc.App, err)
		return exitError
	}
	if err := closer.Close(); err != nil {
		fmt.Fprintf(stderr, "Error: app %s: stop: %v\n", sc.App, err)
		return exitError
	}
	return exitOK
}

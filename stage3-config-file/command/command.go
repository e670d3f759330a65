// Package command is what every stage's command from stage 3 on does before
// it serves: read gunicorn's settings (package config), answer --help,
// --version, --print-config and --check-config, log the warnings, and turn
// the settings into what the server needs. Stage 3's command serves with
// stage 2's lifecycle; stage 4's with its arbiter: each is a Program with
// its own Serve.
//
//	os.Exit(command.Program{Name: "stage3", Stage: 3, GoApps: goapps.All(),
//		Serve: func(s *command.Settings) int { return lifecycle.Run(s.Server) },
//	}.Main(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
package command

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"gunicorn-go/stage1-wsgi-hello/appload"
	"gunicorn-go/stage2-single-worker/bind"
	"gunicorn-go/stage2-single-worker/http1"
	"gunicorn-go/stage2-single-worker/lifecycle"
	"gunicorn-go/stage2-single-worker/logging"
	"gunicorn-go/stage2-single-worker/server"
	"gunicorn-go/stage3-config-file/config"
)

// Exit codes, as gunicorn's: 1 for a configuration error, 2 for a command
// line argparse cannot parse.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// Program is a stage's command.
type Program struct {
	Name   string         // as usage lines name it: "stage3", "gunicorn-go"
	Stage  int            // the stage it is: settings of later stages are noted as not acting
	GoApps appload.GoApps // the Go apps "go:NAME" may name
	// Serve serves with the settings and returns the exit code.
	Serve func(s *Settings) int
}

// Settings are what Serve is given.
type Settings struct {
	*config.Config                  // every setting, as the table resolved them
	Server         lifecycle.Config // what stage 2's server and lifecycle take from them
	// Reload reads the settings again, from the same command line,
	// environment and directory as at start: a HUP's. warnings are the
	// config file's and the notes about settings that do not act.
	Reload func() (s *Settings, warnings []string, err error)
}

// Main is the whole command: load the settings, then print them, check
// them, or serve. It returns the exit code.
func (p Program) Main(args, environ []string, stdout, stderr io.Writer) int {
	if path := os.Getenv("GUNICORN_GO_CPUPROFILE"); path != "" {
		// For bench/: the master's CPU profile, written when it exits.
		if stop, err := startCPUProfile(path); err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", err)
		} else {
			defer stop()
		}
	}
	if path := os.Getenv("GUNICORN_GO_ALLOCPROFILE"); path != "" {
		// For bench/: what the master allocated, written when it exits.
		if stop, err := startAllocProfile(path); err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", err)
		} else {
			defer stop()
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return ExitError
	}
	cfg, err := config.LoadWith(config.Options{Dir: dir, Stdout: stdout, Output: stderr}, args, environ)
	switch {
	case errors.Is(err, config.ErrHelp):
		fmt.Fprint(stdout, config.Help(p.Name))
		return ExitOK
	case errors.Is(err, config.ErrVersion):
		fmt.Fprintf(stdout, "gunicorn-go (version %s, stage %d)\n", server.Version, p.Stage)
		return ExitOK
	case errors.Is(err, config.ErrUsage):
		fmt.Fprintf(stderr, "%s\n%s: error: %v\n", config.Usage(p.Name), p.Name, err)
		return ExitUsage
	case err != nil:
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return ExitError
	}

	elog, closeLog, err := openErrorLog(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return ExitError
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
			return ExitError
		}
		return ExitOK
	}
	if cfg.WSGIApp == "" {
		fmt.Fprintf(stderr, "%s\n%s: error: no application: give APP, or wsgi_app in the config file\n", config.Usage(p.Name), p.Name)
		return ExitError
	}
	s, notes, err := p.settings(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return ExitError
	}
	if cfg.CheckConfig {
		return checkApp(s.Server, stderr)
	}
	for _, n := range notes {
		elog.Warnf("%s", n)
	}
	var reload func() (*Settings, []string, error)
	reload = func() (*Settings, []string, error) {
		cfg, err := config.LoadWith(config.Options{Dir: dir, Stdout: stdout, Output: stderr}, args, environ)
		if err != nil {
			return nil, nil, err
		}
		s, notes, err := p.settings(cfg)
		if err != nil {
			return nil, nil, err
		}
		s.Reload = reload // and again at the next HUP
		return s, append(slices.Clone(cfg.Warnings), notes...), nil
	}
	s.Reload = reload
	closeLog() // the server opens the error log again, as its own
	return p.Serve(s)
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

// bindsStage is the stage that serves unix sockets and inherited descriptors.
const bindsStage = 5

// settings builds the server's settings from the table's. notes are
// warnings about settings this stage stores but does not act on yet.
// Outcomes: (settings, notes, nil); or an error when no bind can be served:
// before stage 5, none is a TCP address.
func (p Program) settings(cfg *config.Config) (*Settings, []string, error) {
	var served, later []string
	for _, b := range cfg.Bind {
		a, err := bind.Parse(b)
		if err != nil {
			return nil, nil, err
		}
		if a.Network == "tcp" || p.Stage >= bindsStage {
			served = append(served, b)
		} else {
			later = append(later, b)
		}
	}
	var notes []string
	if len(later) > 0 {
		if len(served) == 0 {
			return nil, nil, fmt.Errorf("bind %s: unix sockets and inherited descriptors are served from stage %d; stage %d serves TCP addresses only, and none is given",
				strings.Join(later, ", "), bindsStage, p.Stage)
		}
		notes = append(notes, fmt.Sprintf("bind %s: served from stage %d; stage %d serves %s only", strings.Join(later, ", "), bindsStage, p.Stage, strings.Join(served, ", ")))
	}
	// Every setting of a later stage that was given is noted, so that a
	// pidfile or a certificate that does nothing yet is not missed.
	for _, s := range config.All() {
		if _, src, _ := cfg.Value(s.Name); s.Stage > p.Stage && src.Kind != config.FromDefault {
			notes = append(notes, fmt.Sprintf("%s=%v (%s): acts from stage %d; %s stores it and does nothing with it yet", s.Name, showValue(cfg, s.Name), src, s.Stage, p.Name))
		}
	}
	return &Settings{Config: cfg, Server: serverConfig(cfg, served, p.GoApps)}, notes, nil
}

// showValue is a setting's value for a note.
func showValue(cfg *config.Config, name string) any {
	v, _, _ := cfg.Value(name)
	return v
}

// serverConfig is stage 2's lifecycle.Config from the settings, serving binds.
func serverConfig(cfg *config.Config, binds []string, goApps appload.GoApps) lifecycle.Config {
	return lifecycle.Config{
		Bind:            binds,
		App:             cfg.WSGIApp,
		GoApps:          goApps,
		Chdir:           cfg.Chdir,
		Python:          cfg.Python,
		PythonPath:      cfg.PythonPath,
		Env:             append(slices.Clone(cfg.FileEnv), cfg.RawEnv...), // raw_env wins
		Threads:         cfg.Threads,
		KeepAlive:       lifecycle.KeepAliveSetting(cfg.KeepAlive),
		Timeout:         Seconds(cfg.Timeout),
		GracefulTimeout: Seconds(cfg.GracefulTimeout),
		Limits: http1.Limits{
			RequestLine: cfg.LimitRequestLine,
			Fields:      cfg.LimitRequestFields,
			FieldSize:   cfg.LimitRequestFieldSize,
		},
		LimitRequestBody: int64(cfg.LimitRequestBody),
		SpoolDisk:        int64(cfg.RequestSpoolLimit),
		ResponseSpool:    responseSpool(cfg.ResponseSpoolLimit),
		TempDir:          cfg.WorkerTmpDir,
		AccessLog:        cfg.AccessLog,
		AccessLogFormat:  cfg.AccessLogFormat,
		ErrorLog:         cfg.ErrorLog,
		LogLevel:         cfg.LogLevel,
		CaptureOutput:    cfg.CaptureOutput,

		ForwardedAllowIPs:   cfg.ForwardedAllowIPs,
		SecureSchemeHeaders: cfg.SecureSchemeHeaders,
	}
}

// responseSpool turns response_spool_limit into lifecycle.Config's
// ResponseSpool, whose zero means the default and negative none.
func responseSpool(limit int) int64 {
	if limit == 0 {
		return -1
	}
	return int64(limit)
}

// Seconds turns a setting in whole seconds, as gunicorn's are, into a
// duration.
func Seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// checkApp is --check-config's second half: import the app as the server
// would, then stop it. 0 when it loads, 1 with the reason when not.
func checkApp(sc lifecycle.Config, stderr io.Writer) int {
	opts, err := lifecycle.AppOptions(sc, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return ExitError
	}
	_, closer, err := appload.Load(sc.App, opts, sc.GoApps)
	if err != nil {
		fmt.Fprintf(stderr, "Error: app %s: %v\n", sc.App, err)
		return ExitError
	}
	if err := closer.Close(); err != nil {
		fmt.Fprintf(stderr, "Error: app %s: stop: %v\n", sc.App, err)
		return ExitError
	}
	return ExitOK
}

package server

import (
	"time"

	"gunicorn-go/stage2-single-worker/http1"
)

// KeepAliveSetting turns gunicorn's keepalive setting, in seconds, into
// Config.KeepAlive: gunicorn's 0 turns keep-alive off, which Config spells
// negative (its zero means the default).
func KeepAliveSetting(seconds int) time.Duration {
	if seconds <= 0 {
		return -1
	}
	return time.Duration(seconds) * time.Second
}

// Config is everything the stage 2 worker needs to run. Stage 2's command
// fills it from its flags; stage 3 fills it from the settings table.
type Config struct {
	Bind            string        // HOST:PORT to listen at; "127.0.0.1:8000" by default
	App             string        // the app: "module:callable", "module", "module:factory()" or "go:NAME"
	Chdir           string        // directory to change to before loading the app
	Python          string        // interpreter for Python apps; see pyapp.Interpreter
	PythonPath      []string      // directories prepended to sys.path
	Env             []string      // KEY=VALUE pairs set in the environment before loading the app
	KeepAlive       time.Duration // idle time before a keep-alive connection is closed; 2 s when zero; negative: keep-alive off
	Timeout         time.Duration // longest wait for a request head, a body read or a write; 30 s when zero
	GracefulTimeout time.Duration // how long TERM waits for requests in flight
	Limits          http1.Limits  // request line and header limits
	AccessLog       string        // "" for none, "-" for stdout, else a file
	AccessLogFormat string        // gunicorn's access log format
	ErrorLog        string        // "-" for stderr, else a file
	LogLevel        string        // debug, info, warning, error, critical
	CaptureOutput   bool          // send the app's stdout/stderr to the error log
	// ForwardedAllowIPs and SecureSchemeHeaders say which proxies may tell
	// the request's scheme, and how (see Server); nil means gunicorn's
	// defaults, DefaultForwardedAllowIPs and DefaultSecureSchemeHeaders.
	ForwardedAllowIPs   []string
	SecureSchemeHeaders map[string]string
}

package lifecycle

import (
	"time"

	"gunicorn-go/stage1-wsgi-hello/appload"
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

// Config is everything a stage 2 server needs to run. Stage 2's command
// fills it from its flags; stage 3 fills it from the settings table; stage 4
// embeds it in the arbiter's.
type Config struct {
	Bind            []string       // the addresses to listen at, in gunicorn's notation (see package bind); 127.0.0.1:8000 when empty; TCP ones only before stage 5
	App             string         // the app: "module:callable", "module", "module:factory()" or "go:NAME"
	GoApps          appload.GoApps // the Go apps "go:NAME" may name
	Chdir           string         // directory to change to before loading the app
	Python          string         // interpreter for Python apps; see pyapp.Interpreter
	PythonPath      []string       // directories prepended to sys.path
	Threads         int            // requests a Python app's runner runs at once, each on a thread; 1 when zero
	Env             []string       // KEY=VALUE pairs set in the environment before loading the app
	KeepAlive       time.Duration  // idle time before a keep-alive connection is closed; 2 s when zero; negative: keep-alive off
	Timeout         time.Duration  // longest wait for a request head, a body read or a write; 30 s when zero
	GracefulTimeout time.Duration  // how long TERM waits for requests in flight
	Limits          http1.Limits   // request line and header limits
	// LimitRequestBody is the largest request body accepted (413 beyond);
	// 0 means no limit.
	LimitRequestBody int64
	// SpoolDisk bounds the request bodies spooled to disk by all
	// connections together (503 beyond); 0 means 1 GiB.
	SpoolDisk int64
	// ResponseSpool bounds the spool files of all responses together (see
	// pyapp.Options.ResponseSpool); 0 means 1 GiB, negative: no spooling.
	ResponseSpool   int64
	TempDir         string // for spooled bodies; "" for the system's
	AccessLog       string // "" for none, "-" for stdout, else a file
	AccessLogFormat string // gunicorn's access log format
	ErrorLog        string // "-" for stderr, else a file
	LogLevel        string // debug, info, warning, error, critical
	CaptureOutput   bool   // send the app's stdout/stderr to the error log
	// ForwardedAllowIPs and SecureSchemeHeaders say which proxies may tell
	// the request's scheme, and how (see server.Server); nil means
	// gunicorn's defaults, server.DefaultForwardedAllowIPs and
	// server.DefaultSecureSchemeHeaders.
	ForwardedAllowIPs   []string
	SecureSchemeHeaders map[string]string
}

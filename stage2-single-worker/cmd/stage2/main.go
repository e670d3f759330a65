// Command stage2 serves one WSGI app over HTTP/1.1 with one worker:
//
//	stage2 [-b HOST:PORT] [--chdir DIR] [--python PATH] [--keep-alive SECS]
//	       [--timeout SECS] [--graceful-timeout SECS]
//	       [--access-logfile FILE|-] [--access-logformat FORMAT]
//	       [--error-logfile FILE|-] [--log-level LEVEL] [--capture-output]
//	       [--limit-request-line N] [--limit-request-fields N]
//	       [--limit-request-field_size N] [--limit-request-body N]
//	       [--forwarded-allow-ips IPS] APP
//
// APP is "module:callable" (a Python app, run by an app runner) or "go:NAME"
// (a Go example app). Defaults are gunicorn's.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gunicorn-go/shared/examples/goapps"
	"gunicorn-go/stage2-single-worker/bind"
	"gunicorn-go/stage2-single-worker/http1"
	"gunicorn-go/stage2-single-worker/lifecycle"
	"gunicorn-go/stage2-single-worker/server"
)

func main() {
	cfg, err := parseArgs(os.Args[1:], os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0) // -h, --help: the usage was asked for
	case err != nil:
		os.Exit(2)
	}
	os.Exit(lifecycle.Run(cfg))
}

// parseArgs reads the command line (without the program's name) into a
// lifecycle.Config. Usage and errors go to output. The error is flag.ErrHelp
// for -h and --help.
func parseArgs(args []string, output io.Writer) (lifecycle.Config, error) {
	cfg := lifecycle.Config{GoApps: goapps.All()}
	fs := flag.NewFlagSet("stage2", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: stage2 [OPTIONS] APP")
		fs.PrintDefaults()
	}
	var addr string
	fs.StringVar(&addr, "b", bind.Default, "the socket to bind, HOST:PORT (same as --bind)")
	fs.StringVar(&addr, "bind", bind.Default, "the socket to bind, HOST:PORT")
	fs.StringVar(&cfg.Chdir, "chdir", "", "change to this directory before loading the app")
	fs.StringVar(&cfg.Python, "python", "", "Python interpreter for Python apps (default $VIRTUAL_ENV/bin/python, else python3)")
	keepAlive := fs.Int("keep-alive", 2, "seconds to wait for the next request on a keep-alive connection (0: keep-alive off)")
	graceful := fs.Int("graceful-timeout", 30, "seconds TERM waits for requests in flight")
	timeout := fs.Int("timeout", 30, "seconds allowed for a request head, for each body read and for each write")
	fs.StringVar(&cfg.AccessLog, "access-logfile", "", "access log file, - for stdout (default: none)")
	fs.StringVar(&cfg.AccessLogFormat, "access-logformat", "", "access log format (default gunicorn's)")
	fs.StringVar(&cfg.ErrorLog, "error-logfile", "-", "error log file, - for stderr")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "debug, info, warning, error or critical")
	fs.BoolVar(&cfg.CaptureOutput, "capture-output", false, "send the app's stdout and stderr to the error log")
	forwarded := fs.String("forwarded-allow-ips", orEnv("FORWARDED_ALLOW_IPS", strings.Join(server.DefaultForwardedAllowIPs, ",")),
		"proxies trusted to say the request came over https (X-Forwarded-Proto…), comma-separated; * trusts all")
	fs.IntVar(&cfg.Limits.RequestLine, "limit-request-line", http1.DefaultLimits.RequestLine, "longest request line in bytes (0: unlimited)")
	fs.IntVar(&cfg.Limits.Fields, "limit-request-fields", http1.DefaultLimits.Fields, "most header fields in a request")
	fs.IntVar(&cfg.Limits.FieldSize, "limit-request-field_size", http1.DefaultLimits.FieldSize, "longest header field in bytes")
	fs.Int64Var(&cfg.LimitRequestBody, "limit-request-body", 0, "largest request body in bytes (0: unlimited)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return cfg, fmt.Errorf("want one APP, got %d arguments", fs.NArg())
	}
	cfg.App = fs.Arg(0)
	cfg.Bind = []string{addr}
	cfg.ForwardedAllowIPs = strings.Split(*forwarded, ",")
	cfg.KeepAlive = lifecycle.KeepAliveSetting(*keepAlive)
	cfg.GracefulTimeout = time.Duration(*graceful) * time.Second
	cfg.Timeout = time.Duration(*timeout) * time.Second
	return cfg, nil
}

// orEnv is the environment variable name's value, or def when it is unset.
func orEnv(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

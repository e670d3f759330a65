package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"gunicorn-go/stage2-single-worker/http1"
	"gunicorn-go/stage2-single-worker/lifecycle"
)

// TestParseArgs: each flag lands in its lifecycle.Config field, with gunicorn's
// defaults for those not given.
func TestParseArgs(t *testing.T) {
	t.Setenv("FORWARDED_ALLOW_IPS", "") // restored at the end of the test
	os.Unsetenv("FORWARDED_ALLOW_IPS")
	defaults := lifecycle.Config{
		Bind: []string{"127.0.0.1:8000"}, ErrorLog: "-", LogLevel: "info", Limits: http1.DefaultLimits,
		KeepAlive: 2 * time.Second, Timeout: 30 * time.Second, GracefulTimeout: 30 * time.Second,
		ForwardedAllowIPs: []string{"127.0.0.1", "::1"},
	}
	tests := []struct {
		name string
		args []string
		want func(c *lifecycle.Config)
	}{
		{"defaults", []string{"go:hello"}, func(c *lifecycle.Config) {}},
		{"keep-alive", []string{"--keep-alive", "1", "go:hello"}, func(c *lifecycle.Config) { c.KeepAlive = time.Second }},
		{"keep-alive 0 is off", []string{"--keep-alive", "0", "go:hello"}, func(c *lifecycle.Config) { c.KeepAlive = -1 }},
		{"timeouts", []string{"--timeout", "5", "--graceful-timeout", "7", "go:hello"}, func(c *lifecycle.Config) {
			c.Timeout, c.GracefulTimeout = 5*time.Second, 7*time.Second
		}},
		{"logs", []string{"--access-logfile", "-", "--access-logformat", "%(s)s", "--error-logfile", "e.log",
			"--log-level", "debug", "--capture-output", "go:hello"}, func(c *lifecycle.Config) {
			c.AccessLog, c.AccessLogFormat, c.ErrorLog, c.LogLevel, c.CaptureOutput = "-", "%(s)s", "e.log", "debug", true
		}},
		{"app and place", []string{"-b", ":9000", "--chdir", "/srv", "--python", "/usr/bin/python3", "project.wsgi"}, func(c *lifecycle.Config) {
			c.Bind, c.Chdir, c.Python, c.App = []string{":9000"}, "/srv", "/usr/bin/python3", "project.wsgi"
		}},
		{"limits", []string{"--limit-request-line", "0", "--limit-request-fields", "5", "--limit-request-field_size", "99", "go:hello"},
			func(c *lifecycle.Config) { c.Limits = http1.Limits{RequestLine: 0, Fields: 5, FieldSize: 99} }},
		{"proxies", []string{"--forwarded-allow-ips", "10.0.0.1,10.0.0.2", "go:hello"},
			func(c *lifecycle.Config) { c.ForwardedAllowIPs = []string{"10.0.0.1", "10.0.0.2"} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseArgs(tc.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			want := defaults
			want.App = "go:hello"
			tc.want(&want)
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(lifecycle.Config{}, "GoApps")); diff != "" {
				t.Errorf("parseArgs(%q) (-want +got):\n%s", tc.args, diff)
			}
		})
	}
	if _, err := parseArgs([]string{"--help"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v, want flag.ErrHelp", err)
	}
	if _, err := parseArgs([]string{"a:app", "b:app"}, io.Discard); err == nil {
		t.Error("two apps: no error")
	}
}

package arbiter

import (
	"reflect"

	"gunicorn-go/stage2-single-worker/lifecycle"
)

// What a reload (HUP) can change. The workers are new processes, so every
// setting they are started with takes effect: the app, its interpreter,
// paths and environment, threads, the number of workers, max_requests, the
// timeouts. What the master itself holds (its listeners, its server's
// limits and logs) stays as it was: that takes a new master, a restart or
// (stage 6) USR2.

// masterSetting is one setting the master's server holds: its gunicorn
// name, and the lifecycle.Config field it lives in.
type masterSetting struct {
	name  string
	field func(c *lifecycle.Config) any // a pointer to the field
}

var masterSettings = []masterSetting{
	{"bind", func(c *lifecycle.Config) any { return &c.Bind }},
	{"keepalive", func(c *lifecycle.Config) any { return &c.KeepAlive }},
	{"limit_request_line, limit_request_fields, limit_request_field_size", func(c *lifecycle.Config) any { return &c.Limits }},
	{"limit_request_body", func(c *lifecycle.Config) any { return &c.LimitRequestBody }},
	{"request_spool_limit", func(c *lifecycle.Config) any { return &c.SpoolDisk }},
	{"response_spool_limit", func(c *lifecycle.Config) any { return &c.ResponseSpool }},
	{"worker_tmp_dir", func(c *lifecycle.Config) any { return &c.TempDir }},
	{"accesslog", func(c *lifecycle.Config) any { return &c.AccessLog }},
	{"access_log_format", func(c *lifecycle.Config) any { return &c.AccessLogFormat }},
	{"errorlog", func(c *lifecycle.Config) any { return &c.ErrorLog }},
	{"loglevel", func(c *lifecycle.Config) any { return &c.LogLevel }},
	{"forwarded_allow_ips", func(c *lifecycle.Config) any { return &c.ForwardedAllowIPs }},
	{"secure_scheme_headers", func(c *lifecycle.Config) any { return &c.SecureSchemeHeaders }},
}

// needsRestart names the settings that changed between old and new but
// only act in a new master.
func needsRestart(old, new Config) []string {
	var changed []string
	for _, s := range masterSettings {
		if !reflect.DeepEqual(s.field(&old.Config), s.field(&new.Config)) {
			changed = append(changed, s.name)
		}
	}
	if old.WorkerConnections != new.WorkerConnections {
		changed = append(changed, "worker_connections")
	}
	return changed
}

// keepServerSettings returns new with the master's settings of old: what a
// reload cannot change.
func keepServerSettings(old, new lifecycle.Config) lifecycle.Config {
	for _, s := range masterSettings {
		reflect.ValueOf(s.field(&new)).Elem().Set(reflect.ValueOf(s.field(&old)).Elem())
	}
	new.Timeout = old.Timeout // the server's client timeouts; the workers' is WorkerTimeout
	new.GoApps = old.GoApps
	return new
}

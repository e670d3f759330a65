package config

import (
	"strings"
	"testing"
)

// TestTable checks the rows are complete and consistent: the rest of the
// package trusts them.
func TestTable(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	flags := map[string]string{}
	fields := map[any]string{}
	var probe Settings
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			if names[s.Name] {
				t.Errorf("duplicate setting %s", s.Name)
			}
			names[s.Name] = true
			if s.Section == "" || s.Help == "" || s.Doc == "" || s.Expect == "" || s.Kind.Name == "" || s.field == nil {
				t.Errorf("%s: missing section, help, doc, expect, kind or field: %+v", s.Name, s)
			}
			for _, f := range s.Flags {
				if other, dup := flags[f]; dup {
					t.Errorf("flag %s is both %s and %s", f, other, s.Name)
				}
				flags[f] = s.Name
				if !strings.HasPrefix(f, "-") || (len(f) != 2 && !strings.HasPrefix(f, "--")) {
					t.Errorf("%s: malformed flag %q", s.Name, f)
				}
			}
			if (s.Meta == "") != (s.Kind.Name == KindBool.Name) && (len(s.Flags) > 0 || s.Positional) {
				t.Errorf("%s: a flag has a placeholder exactly when it takes a value", s.Name)
			}
			if s.Kind.fromFlags == nil && len(s.Flags) > 0 {
				t.Errorf("%s: kind %s cannot be read from a flag", s.Name, s.Kind.Name)
			}
			ptr := s.field(&probe)
			if other, dup := fields[ptr]; dup {
				t.Errorf("%s and %s share a field", s.Name, other)
			}
			fields[ptr] = s.Name
			assign(ptr, clone(s.Default)) // panics on a type mismatch
			if s.check != nil && s.envDefault == nil {
				if _, err := s.check(clone(s.Default)); err != nil {
					t.Errorf("%s: the default %s fails its own check: %v", s.Name, repr(s.Default), err)
				}
			}
			if unsupported(s.Name) || serverHooks[s.Name] {
				t.Errorf("%s is implemented and also listed as unsupported", s.Name)
			}
		})
	}
}

// TestTableHoldsEverySetting: the settings gunicorn-go implements by its final
// stage, under gunicorn's names, plus its own python.
func TestTableHoldsEverySetting(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"bind", "backlog", "workers", "threads", "timeout", "graceful_timeout", "keepalive",
		"max_requests", "max_requests_jitter", "limit_request_line", "limit_request_fields",
		"limit_request_field_size", "chdir", "pythonpath", "wsgi_app", "raw_env", "pidfile", "umask",
		"user", "group", "worker_tmp_dir", "accesslog", "access_log_format", "errorlog", "loglevel",
		"capture_output", "proc_name", "certfile", "keyfile", "ca_certs", "cert_reqs", "reuse_port",
		"forwarded_allow_ips", "secure_scheme_headers", "check_config", "print_config", "python",
	} {
		if _, ok := Lookup(name); !ok {
			t.Errorf("no setting %s in the table", name)
		}
	}
}

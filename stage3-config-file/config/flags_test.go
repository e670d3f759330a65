package config

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFlagsForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want map[string][]string
	}{
		{"short with space", []string{"-b", "1.2.3.4:80"}, map[string][]string{"bind": {"1.2.3.4:80"}}},
		{"short attached", []string{"-b1.2.3.4:80"}, map[string][]string{"bind": {"1.2.3.4:80"}}},
		{"short with =", []string{"-w=3"}, map[string][]string{"workers": {"3"}}},
		{"long with space", []string{"--bind", "x:1"}, map[string][]string{"bind": {"x:1"}}},
		{"long with =", []string{"--bind=x:1"}, map[string][]string{"bind": {"x:1"}}},
		{"long with = in value", []string{"--env=A=b=c"}, map[string][]string{"raw_env": {"A=b=c"}}},
		{"unique prefix", []string{"--thr", "4"}, map[string][]string{"threads": {"4"}}},
		{"repeated accumulate", []string{"-b", "a", "--bind", "b", "-bc"}, map[string][]string{"bind": {"a", "b", "c"}}},
		{"boolean", []string{"--reuse-port", "--print-config"}, map[string][]string{"reuse_port": {""}, "print_config": {""}}},
		{"alias flag", []string{"--log-file", "x.log"}, map[string][]string{"errorlog": {"x.log"}}},
		{"positional first", []string{"app:wsgi", "-w", "2"}, map[string][]string{"wsgi_app": {"app:wsgi"}, "workers": {"2"}}},
		{"double dash", []string{"--", "-odd:app"}, map[string][]string{"wsgi_app": {"-odd:app"}}},
		{"value that is a dash", []string{"--access-logfile", "-"}, map[string][]string{"accesslog": {"-"}}},
		{"negative number value", []string{"-w", "-1"}, map[string][]string{"workers": {"-1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseFlags(tc.args)
			if err != nil {
				t.Fatalf("parseFlags(%q): %v", tc.args, err)
			}
			if diff := cmp.Diff(tc.want, got.values); diff != "" {
				t.Errorf("parseFlags(%q) values (-want +got):\n%s", tc.args, diff)
			}
		})
	}
}

func TestParseFlagsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--bnid", "x"}, "unknown flag --bnid (did you mean --bind?)"},
		{[]string{"--wokrers=2"}, "unknown flag --wokrers (did you mean --workers?)"},
		{[]string{"--limit-request-field-size", "9"}, "unknown flag --limit-request-field-size (did you mean --limit-request-field_size?)"},
		{[]string{"--zzzzzz"}, "unknown flag --zzzzzz"},
		{[]string{"-x"}, "unknown flag -x"},
		{[]string{"--b", "x"}, "ambiguous flag --b: it could be --backlog, --bind"},
		{[]string{"--workers"}, "flag --workers needs a value (INT)"},
		{[]string{"-b", "--workers", "2"}, "flag -b needs a value (ADDRESS)"},
		{[]string{"--reuse-port=yes"}, `flag --reuse-port takes no value, got "yes"`},
		{[]string{"a:app", "b:app"}, `unexpected argument "b:app": the APP is already "a:app"`},
		{[]string{"-k"}, "flag -k needs a value"},
		{[]string{"--worker-class", "--preload"}, "flag --worker-class needs a value"},
		{[]string{"--preload=yes"}, `flag --preload takes no value, got "yes"`},
		{[]string{"--rel"}, "ambiguous flag --rel: it could be --reload, --reload-engine, --reload-extra-file"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			_, err := parseFlags(tc.args)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("parseFlags(%q) = %v, want %q", tc.args, err, tc.want)
			}
			if !errors.Is(err, ErrUsage) {
				t.Errorf("error %v does not wrap ErrUsage", err)
			}
		})
	}
}

// TestParseGunicornOnlyFlags: gunicorn's flags for settings gunicorn-go
// ignores are stepped over with their values, so that they neither fail nor
// leave a value behind to pose as the APP, and are listed once each.
func TestParseGunicornOnlyFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		args        []string
		wantValues  map[string][]string
		wantIgnored []string
	}{
		{"value by space", []string{"-k", "gthread", "app:wsgi"}, map[string][]string{"wsgi_app": {"app:wsgi"}}, []string{"worker_class (-k)"}},
		{"value attached", []string{"-kgevent", "--worker-class=sync", "-w", "3"}, map[string][]string{"workers": {"3"}}, []string{"worker_class (-k)", "worker_class (--worker-class)"}},
		{"switches", []string{"--preload", "--spew", "--reload", "--preload", "app"}, map[string][]string{"wsgi_app": {"app"}}, []string{"preload_app (--preload)", "spew (--spew)", "reload (--reload)"}},
		{"unique prefix", []string{"--prel", "--statsd-h", "localhost:8125"}, map[string][]string{}, []string{"preload_app (--preload)", "statsd_host (--statsd-host)"}},
		{"repeatable", []string{"--reload-extra-file", "a", "--reload-extra-file", "b"}, map[string][]string{}, []string{"reload_extra_files (--reload-extra-file)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseFlags(tc.args)
			if err != nil {
				t.Fatalf("parseFlags(%q): %v", tc.args, err)
			}
			if diff := cmp.Diff(tc.wantValues, got.values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantIgnored, got.ignored); diff != "" {
				t.Errorf("ignored (-want +got):\n%s", diff)
			}
		})
	}
}

func TestShellSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  -w 3   --bind=:8000 ", []string{"-w", "3", "--bind=:8000"}},
		{`--access-logformat '%(h)s "%(r)s"'`, []string{"--access-logformat", `%(h)s "%(r)s"`}},
		{`-e "GREETING=hello world" -e X=\"q\"`, []string{"-e", "GREETING=hello world", "-e", `X="q"`}},
		{`"a\"b\\c\n"`, []string{`a"b\c\n`}},
		{`one\ word it''s`, []string{"one word", "its"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := shellSplit(tc.in)
			if err != nil {
				t.Fatalf("shellSplit(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("shellSplit(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
	for _, in := range []string{`'open`, `"open`, `-b "x`} {
		if _, err := shellSplit(in); err == nil {
			t.Errorf("shellSplit(%q): want an error", in)
		}
	}
}

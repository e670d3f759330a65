package config

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// printed runs Print and returns name → "value  # source".
func printed(t *testing.T, c *Config) map[string]string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Print(&b); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		name, rest, ok := strings.Cut(line, " = ")
		if !ok {
			t.Fatalf("malformed line %q", line)
		}
		out[strings.TrimSpace(name)] = rest
	}
	if len(out) != len(All()) {
		t.Errorf("printed %d settings, want all %d", len(out), len(All()))
	}
	return out
}

func TestPrintSeedConfig(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, loadCase{
		files: map[string]string{"gunicorn.conf.py": seedConfig + "bind = ['unix:/run/app.sock', '127.0.0.1:9000']\n"},
		args:  []string{"--print-config", "--umask", "027"},
		env:   []string{"GUNICORN_CMD_ARGS=--log-level=DEBUG", "FORWARDED_ALLOW_IPS=*"},
	})
	lines := printed(t, c)
	want := map[string]string{
		"workers":             fmt.Sprintf("%d  # gunicorn.conf.py", pythonCPUs(t)*2+1),
		"bind":                "['unix:/run/app.sock', '127.0.0.1:9000']  # gunicorn.conf.py",
		"print_config":        "True  # command line",
		"umask":               "0o27  # command line",
		"loglevel":            "'debug'  # GUNICORN_CMD_ARGS",
		"forwarded_allow_ips": "['*']  # environment variable FORWARDED_ALLOW_IPS",
		"pidfile":             "None  # default",
		"threads":             "1  # default",
		"secure_scheme_headers": "{'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-PROTOCOL': 'ssl', " +
			"'X-FORWARDED-SSL': 'on'}  # default",
		"access_log_format": `'%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'  # default`,
	}
	for name, w := range want {
		if lines[name] != w {
			t.Errorf("%s = %s, want %s", name, lines[name], w)
		}
	}
}

func TestRepr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want string
	}{
		{"plain", `'plain'`},
		{"it's", `"it's"`},
		{`both ' and "`, `'both \' and "'`},
		{"tab\tnew\nline\\", `'tab\tnew\nline\\'`},
		{[]string{}, "[]"},
		{nil, "None"},
		{pyObject{Type: "function", Callable: true}, "<function>"},
		{map[string]any{"b": []any{true, nil}, "a": "x"}, "{'a': 'x', 'b': [True, None]}"},
	}
	for _, tc := range tests {
		if got := repr(tc.in); got != tc.want {
			t.Errorf("repr(%#v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

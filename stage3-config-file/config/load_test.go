package config

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gunicorn-go/shared/testkit"
)

// The seed's config, as the gunicorn docs print it.
const seedConfig = "import multiprocessing\n\nworkers = multiprocessing.cpu_count() * 2 + 1\n"

// pythonCPUs asks Python, which ran the config, how many CPUs it counts.
func pythonCPUs(t *testing.T) int {
	t.Helper()
	out, err := exec.Command(testkit.Python(t), "-c", "import multiprocessing; print(multiprocessing.cpu_count())").Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("python3 printed %q: %v", out, err)
	}
	return n
}

func TestSeedConfig(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, loadCase{files: map[string]string{"gunicorn.conf.py": seedConfig}})
	if want := pythonCPUs(t)*2 + 1; c.Workers != want {
		t.Errorf("workers = %d, want 2 * cpu_count + 1 = %d", c.Workers, want)
	}
	if got := c.Sources["workers"].String(); got != "gunicorn.conf.py" {
		t.Errorf("workers came from %q, want gunicorn.conf.py", got)
	}
	if c.File != "gunicorn.conf.py" || len(c.Warnings) != 0 {
		t.Errorf("File = %q, Warnings = %q; want gunicorn.conf.py and none", c.File, c.Warnings)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, loadCase{})
	if c.File != "" {
		t.Errorf("File = %q with no gunicorn.conf.py, want none", c.File)
	}
	for _, s := range All() {
		want := FromDefault
		if s.Name == "python" {
			want = FromDerived // worked out: see TestPythonDefault
		}
		if src := c.Sources[s.Name]; src.Kind != want {
			t.Errorf("%s came from %v, want %v", s.Name, src, Source{Kind: want})
		}
	}
	want := Settings{
		Config: "./gunicorn.conf.py", Bind: []string{"127.0.0.1:8000"}, Backlog: 2048, Workers: 1, Threads: 1, WorkerConnections: 1000,
		Timeout: 30, GracefulTimeout: 30, KeepAlive: 2, LimitRequestLine: 4094, LimitRequestFields: 100,
		LimitRequestFieldSize: 8190, RequestSpoolLimit: 1 << 30, ResponseSpoolLimit: 1 << 30, RawEnv: []string{}, ForwardedAllowIPs: []string{"127.0.0.1", "::1"},
		SecureSchemeHeaders: map[string]string{"X-FORWARDED-PROTOCOL": "ssl", "X-FORWARDED-PROTO": "https", "X-FORWARDED-SSL": "on"},
		PythonPath:          []string{}, Python: "python3",
		AccessLogFormat: `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`, ErrorLog: "-", LogLevel: "info", SSLVersion: "TLS",
	}
	got := c.Settings
	got.Chdir = "" // the temporary directory
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestEnvironmentDefaults(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, loadCase{env: []string{"WEB_CONCURRENCY=5", "PORT=9999", "FORWARDED_ALLOW_IPS=10.0.0.1, 10.1.0.0/16", "VIRTUAL_ENV=/srv/venv"}})
	checks := []struct {
		name, value, source string
	}{
		{"workers", "5", "environment variable WEB_CONCURRENCY"},
		{"bind", "['0.0.0.0:9999']", "environment variable PORT"},
		{"forwarded_allow_ips", "['10.0.0.1', '10.1.0.0/16']", "environment variable FORWARDED_ALLOW_IPS"},
		{"python", "'/srv/venv/bin/python'", "the active virtualenv, $VIRTUAL_ENV"},
	}
	for _, ch := range checks {
		v, src, _ := c.Value(ch.name)
		s, _ := Lookup(ch.name)
		if got := s.Kind.show(v); got != ch.value || src.String() != ch.source {
			t.Errorf("%s = %s (%s), want %s (%s)", ch.name, got, src, ch.value, ch.source)
		}
	}
}

// TestPythonDefault: with no python setting and no virtualenv active, a
// .venv in the app's directory (chdir) is the app's interpreter, and
// --print-config says why.
func TestPythonDefault(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	venv := filepath.Join(dir, "site", ".venv", "bin")
	if err := os.MkdirAll(venv, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(venv, "python"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := LoadWith(Options{Dir: dir}, []string{"--chdir", "site"}, environ())
	if err != nil {
		t.Fatal(err)
	}
	v, src, _ := c.Value("python")
	if v != filepath.Join(venv, "python") || src.String() != "a virtualenv beside the app, .venv/bin/python" {
		t.Errorf("python = %v (%s)", v, src)
	}
	c = mustLoad(t, loadCase{})
	if v, src, _ := c.Value("python"); v != "python3" || src.String() != "the default: the first python3 on PATH" {
		t.Errorf("python = %v (%s)", v, src)
	}
}

// TestPrecedence walks the matrix: each source overrides the ones below it.
func TestPrecedence(t *testing.T) {
	t.Parallel()
	const file = "workers = 3\n"
	tests := []struct {
		name     string
		env      bool // WEB_CONCURRENCY=2
		file     bool // workers = 3
		cmdArgs  bool // GUNICORN_CMD_ARGS=-w 4
		cli      bool // --workers 5
		want     int
		wantFrom string
	}{
		{"default", false, false, false, false, 1, "default"},
		{"env", true, false, false, false, 2, "environment variable WEB_CONCURRENCY"},
		{"file over env", true, true, false, false, 3, "gunicorn.conf.py"},
		{"cmd args over file", true, true, true, false, 4, "GUNICORN_CMD_ARGS"},
		{"cli over all", true, true, true, true, 5, "command line"},
		{"cli over file", false, true, false, true, 5, "command line"},
		{"cli over cmd args", false, false, true, true, 5, "command line"},
		{"cmd args over env", true, false, true, false, 4, "GUNICORN_CMD_ARGS"},
		{"file over default", false, true, false, false, 3, "gunicorn.conf.py"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var lc loadCase
			if tc.env {
				lc.env = append(lc.env, "WEB_CONCURRENCY=2")
			}
			if tc.file {
				lc.files = map[string]string{"gunicorn.conf.py": file}
			}
			if tc.cmdArgs {
				lc.env = append(lc.env, "GUNICORN_CMD_ARGS=-w 4")
			}
			if tc.cli {
				lc.args = []string{"--workers", "5"}
			}
			c := mustLoad(t, lc)
			if c.Workers != tc.want || c.Sources["workers"].String() != tc.wantFrom {
				t.Errorf("workers = %d (%s), want %d (%s)", c.Workers, c.Sources["workers"], tc.want, tc.wantFrom)
			}
		})
	}
}

func TestBind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		lc   loadCase
		want []string
		from string
	}{
		{"string in file", loadCase{files: map[string]string{"gunicorn.conf.py": `bind = "unix:/path/to/myproject.sock"` + "\n"}},
			[]string{"unix:/path/to/myproject.sock"}, "gunicorn.conf.py"},
		{"list in file", loadCase{files: map[string]string{"gunicorn.conf.py": `bind = ["127.0.0.1:8000", "[::1]:8000", "fd://3"]` + "\n"}},
			[]string{"127.0.0.1:8000", "[::1]:8000", "fd://3"}, "gunicorn.conf.py"},
		{"tuple in file", loadCase{files: map[string]string{"gunicorn.conf.py": `bind = ("a:1", "b:2")` + "\n"}},
			[]string{"a:1", "b:2"}, "gunicorn.conf.py"},
		{"-b repeated", loadCase{args: []string{"-b", "127.0.0.1:8001", "--bind", "unix:/tmp/x.sock", "-b[::1]:9"}},
			[]string{"127.0.0.1:8001", "unix:/tmp/x.sock", "[::1]:9"}, "command line"},
		{"cli list replaces file list", loadCase{
			files: map[string]string{"gunicorn.conf.py": `bind = ["a:1", "b:2"]` + "\n"},
			args:  []string{"-b", "c:3"}},
			[]string{"c:3"}, "command line"},
		{"cmd args list", loadCase{env: []string{"GUNICORN_CMD_ARGS=-b a:1 -b b:2"}},
			[]string{"a:1", "b:2"}, "GUNICORN_CMD_ARGS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustLoad(t, tc.lc)
			if diff := cmp.Diff(tc.want, c.Bind); diff != "" || c.Sources["bind"].String() != tc.from {
				t.Errorf("bind from %s (-want +got):\n%s", c.Sources["bind"], diff)
			}
		})
	}
}

// TestFileValues checks each kind read from Python.
func TestFileValues(t *testing.T) {
	t.Parallel()
	conf := `
import os
workers = "4"                  # gunicorn accepts a numeric string
umask = 0o22
reuse_port = True
capture_output = "true"
loglevel = "WARNING"
raw_env = ["A=1", "B=x=y"]
pythonpath = "/a, /b"
forwarded_allow_ips = ["10.0.0.1", "*"]
secure_scheme_headers = {"X-SCHEME": "https"}
pidfile = None
accesslog = "-"
timeout = int(os.environ["MY_TIMEOUT"])
chdir = "sub"
wsgi_app = "project.wsgi:application"
def helper():
    return 1
MY_LOCAL = helper()
`
	c := mustLoad(t, loadCase{files: map[string]string{"gunicorn.conf.py": conf, "sub/.keep": ""}, env: []string{"MY_TIMEOUT=45"}})
	got := c.Settings
	if got.Workers != 4 || got.Umask != 0o22 || !got.ReusePort || !got.CaptureOutput || got.LogLevel != "warning" ||
		got.PidFile != "" || got.AccessLog != "-" || got.Timeout != 45 || got.WSGIApp != "project.wsgi:application" {
		t.Errorf("scalars: %+v", got)
	}
	if !strings.HasSuffix(got.Chdir, string(filepath.Separator)+"sub") || !filepath.IsAbs(got.Chdir) {
		t.Errorf("chdir = %q, want the absolute path of sub", got.Chdir)
	}
	if diff := cmp.Diff([]string{"A=1", "B=x=y"}, got.RawEnv); diff != "" {
		t.Errorf("raw_env: %s", diff)
	}
	if diff := cmp.Diff([]string{"/a", "/b"}, got.PythonPath); diff != "" {
		t.Errorf("pythonpath: %s", diff)
	}
	if diff := cmp.Diff([]string{"10.0.0.1", "*"}, got.ForwardedAllowIPs); diff != "" {
		t.Errorf("forwarded_allow_ips: %s", diff)
	}
	if diff := cmp.Diff(map[string]string{"X-SCHEME": "https"}, got.SecureSchemeHeaders); diff != "" {
		t.Errorf("secure_scheme_headers: %s", diff)
	}
}

// TestFileEnviron: what the file sets in os.environ is reported, sorted,
// and what it leaves alone is not.
func TestFileEnviron(t *testing.T) {
	t.Parallel()
	conf := `
import os
os.environ["APP_MODE"] = "prod"
os.environ["CHANGED"] = "new"
os.environ.setdefault("KEPT", "ignored")
os.environ["EMPTY"] = ""
`
	c := mustLoad(t, loadCase{files: map[string]string{"gunicorn.conf.py": conf}, env: []string{"CHANGED=old", "KEPT=mine"}})
	if diff := cmp.Diff([]string{"APP_MODE=prod", "CHANGED=new", "EMPTY="}, c.FileEnv); diff != "" {
		t.Errorf("FileEnv (-want +got):\n%s", diff)
	}
	if c := mustLoad(t, loadCase{}); len(c.FileEnv) != 0 {
		t.Errorf("FileEnv without a file = %q, want none", c.FileEnv)
	}
}

// TestConfigCommandLine: the interpreter that runs a config file shows a
// short command line in ps, not runconfig.py's source, and the file does not
// see the variable that carried it.
func TestConfigCommandLine(t *testing.T) {
	t.Parallel()
	conf := `
import os
argv = open("/proc/self/cmdline", "rb").read().split(b"\0")
proc_name = "%d bytes, carried: %s" % (len(b" ".join(argv)), "GUNICORN_GO_RUNCONFIG" in os.environ)
`
	c := mustLoad(t, loadCase{files: map[string]string{"gunicorn.conf.py": conf}})
	var n int
	var carried string
	if _, err := fmt.Sscanf(c.ProcName, "%d bytes, carried: %s", &n, &carried); err != nil {
		t.Fatalf("proc_name %q: %v", c.ProcName, err)
	}
	if n > 400 || carried != "False" {
		t.Errorf("the config's interpreter: %d bytes of command line, variable seen: %s; want a short line and no variable", n, carried)
	}
	if len(c.FileEnv) != 0 {
		t.Errorf("FileEnv = %q, want none", c.FileEnv)
	}
}

// TestConfigThatForks: a config file that forks a long-lived child (to
// start a helper, say) still loads: the child holds neither the report's
// pipe nor, for long, its output.
func TestConfigThatForks(t *testing.T) {
	t.Parallel()
	conf := `
import os, time
here = os.path.dirname(os.path.abspath(__file__))
if os.fork() == 0:
    deadline = time.time() + 120
    while os.path.isdir(here) and time.time() < deadline:  # gone with the test's folder
        time.sleep(0.05)
    os._exit(0)
workers = 2
`
	testkit.Python(t) // here, not in the goroutine: it may skip the test
	type loaded struct {
		c   *Config
		err error
	}
	done := make(chan loaded, 1)
	go func() {
		c, _, err := load(t, loadCase{files: map[string]string{"gunicorn.conf.py": conf}})
		done <- loaded{c, err}
	}()
	select {
	case l := <-done:
		if l.err != nil {
			t.Fatal(l.err)
		}
		if l.c.Workers != 2 {
			t.Errorf("workers = %d, want 2", l.c.Workers)
		}
	case <-time.After(time.Minute):
		t.Fatal("Load waited for the config file's forked child")
	}
}

func TestUmaskForms(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-m", "0o22"}, {"--umask", "022"}, {"--umask=18"}, {"-m0x12"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			if c := mustLoad(t, loadCase{args: args}); c.Umask != 18 {
				t.Errorf("umask = %d, want 18", c.Umask)
			}
		})
	}
	c := mustLoad(t, loadCase{files: map[string]string{"gunicorn.conf.py": "umask = '022'\n"}})
	if c.Umask != 18 {
		t.Errorf("umask = '022' in the file gives %d, want 18", c.Umask)
	}
}

// TestSSLVersionForms: ssl_version by name, by the number a config file's
// ssl.PROTOCOL_TLSv1_2 is, and SSLv23, TLS's old name, as gunicorn reads it.
func TestSSLVersionForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c    loadCase
		want string
	}{
		{loadCase{args: []string{"--ssl-version", "TLSv1_2"}}, "TLSv1_2"},
		{loadCase{args: []string{"--ssl-version", "2"}}, "TLS"},
		{loadCase{files: map[string]string{"gunicorn.conf.py": "import ssl\nssl_version = ssl.PROTOCOL_TLSv1_2\n"}}, "TLSv1_2"},
		{loadCase{files: map[string]string{"gunicorn.conf.py": "ssl_version = 'SSLv23'\n"}}, "SSLv23"},
	} {
		if c := mustLoad(t, tc.c); c.SSLVersion != tc.want {
			t.Errorf("%+v: ssl_version = %q, want %q", tc.c, c.SSLVersion, tc.want)
		}
	}
}

func TestConfigFlag(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"gunicorn.conf.py":      "workers = 2\n",
		"conf/prod.py":          "from helper import N\nworkers = N\n", // the file's directory is on sys.path
		"conf/helper.py":        "N = 7\n",
		"settings/__init__.py":  "",
		"settings/gunicorn.py":  "workers = 8\n",
		"conf/other.config":     "workers = 9\n",
		"conf/with_print.py":    "print('hello from the config')\nworkers = 10\n",
		"conf/print_config.py":  "print_config = True\n",
		"conf/sets_config.py":   "config = 'elsewhere.py'\nworkers = 11\n",
		"conf/python_in_cfg.py": "python = '/opt/py/bin/python3'\n",
	}
	tests := []struct {
		name     string
		args     []string
		env      []string
		workers  int
		file     string
		contains string // in the config file's output
	}{
		{"default file", nil, nil, 2, "gunicorn.conf.py", ""},
		{"path", []string{"-c", "conf/prod.py"}, nil, 7, "conf/prod.py", ""},
		{"file: prefix", []string{"--config=file:conf/prod.py"}, nil, 7, "conf/prod.py", ""},
		{"python module", []string{"-c", "python:settings.gunicorn"}, nil, 8, "python:settings.gunicorn", ""},
		{"any extension", []string{"-c", "conf/other.config"}, nil, 9, "conf/other.config", ""},
		{"from GUNICORN_CMD_ARGS", nil, []string{"GUNICORN_CMD_ARGS=-c conf/prod.py"}, 7, "conf/prod.py", ""},
		{"cli over GUNICORN_CMD_ARGS", []string{"-c", "python:settings.gunicorn"}, []string{"GUNICORN_CMD_ARGS=-c conf/prod.py"}, 8, "python:settings.gunicorn", ""},
		{"prints go to output", []string{"-c", "conf/with_print.py"}, nil, 10, "conf/with_print.py", "hello from the config"},
		{"config in a file is ignored", []string{"-c", "conf/sets_config.py"}, nil, 11, "conf/sets_config.py", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, out, err := load(t, loadCase{files: files, args: tc.args, env: tc.env})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.Workers != tc.workers || c.File != tc.file || c.Sources["workers"].String() != tc.file {
				t.Errorf("workers = %d from %s, File %q; want %d from %s", c.Workers, c.Sources["workers"], c.File, tc.workers, tc.file)
			}
			if !strings.Contains(out, tc.contains) {
				t.Errorf("config output %q does not hold %q", out, tc.contains)
			}
		})
	}
	t.Run("print_config in the file", func(t *testing.T) {
		t.Parallel()
		c := mustLoad(t, loadCase{files: files, args: []string{"-c", "conf/print_config.py"}})
		if !c.PrintConfig {
			t.Error("print_config = True in the file did not set PrintConfig")
		}
	})
	t.Run("python in the file is the app's", func(t *testing.T) {
		t.Parallel()
		// The file is run by the default python3; its python setting is for the app.
		c := mustLoad(t, loadCase{files: files, args: []string{"-c", "conf/python_in_cfg.py"}})
		if c.Python != "/opt/py/bin/python3" {
			t.Errorf("python = %q, want the file's", c.Python)
		}
	})
	t.Run("--python runs the file", func(t *testing.T) {
		t.Parallel()
		_, _, err := load(t, loadCase{files: files, args: []string{"--python", "/nonexistent/python3"}})
		if !errors.Is(err, ErrConfigFile) || !strings.HasPrefix(err.Error(), "gunicorn.conf.py: run /nonexistent/python3: ") {
			t.Errorf("Load with a missing --python = %v, want the file and the interpreter named", err)
		}
	})
}

// TestErrors checks each error's exact message and its sentinel.
func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		lc   loadCase
		want string
		kind error
	}{
		{"name error", loadCase{files: map[string]string{"gunicorn.conf.py": "import os\n\nworkers = wrokers * 2\n"}},
			"gunicorn.conf.py:3: NameError: name 'wrokers' is not defined", ErrConfigFile},
		{"syntax error", loadCase{files: map[string]string{"gunicorn.conf.py": "bind = '127.0.0.1:8000'\nworkers = = 2\n"}},
			"gunicorn.conf.py:2: SyntaxError: invalid syntax", ErrConfigFile},
		{"exception in a function", loadCase{files: map[string]string{"gunicorn.conf.py": "def f():\n    return 1 / 0\n\nworkers = f()\n"}},
			"gunicorn.conf.py:2: ZeroDivisionError: division by zero", ErrConfigFile},
		{"exit in the file", loadCase{files: map[string]string{"gunicorn.conf.py": "import sys\nsys.exit(3)\n"}},
			"gunicorn.conf.py:2: SystemExit: exit(3)", ErrConfigFile},
		{"missing -c file", loadCase{args: []string{"-c", "nope.py"}}, "nope.py: no such config file", ErrConfigFile},
		{"missing module", loadCase{files: map[string]string{"x.txt": ""}, args: []string{"-c", "python:no_such_mod"}},
			"python:no_such_mod: ModuleNotFoundError: No module named 'no_such_mod'", ErrConfigFile},
		{"bad value in file", loadCase{files: map[string]string{"gunicorn.conf.py": "workers = 'many'\n"}},
			"workers: expected a positive integer, got 'many' (gunicorn.conf.py)", ErrInvalid},
		{"bad value on cli", loadCase{args: []string{"-w", "many"}},
			"workers: expected a positive integer, got 'many' (command line)", ErrInvalid},
		{"zero workers", loadCase{args: []string{"-w", "0"}},
			"workers: expected a positive integer, got 0 (command line)", ErrInvalid},
		{"bad value in GUNICORN_CMD_ARGS", loadCase{env: []string{"GUNICORN_CMD_ARGS=--threads -2"}},
			"threads: expected a positive integer, got -2 (GUNICORN_CMD_ARGS)", ErrInvalid},
		{"bad WEB_CONCURRENCY", loadCase{env: []string{"WEB_CONCURRENCY=lots"}},
			"workers: expected a positive integer, got 'lots' (environment variable WEB_CONCURRENCY)", ErrInvalid},
		{"bad PORT", loadCase{env: []string{"PORT=http"}},
			"bind: expected HOST, HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N, got '0.0.0.0:http' (environment variable PORT)", ErrInvalid},
		{"float", loadCase{files: map[string]string{"gunicorn.conf.py": "timeout = 30.5\n"}},
			"timeout: expected a non-negative integer, got 30.5 (gunicorn.conf.py)", ErrInvalid},
		{"bool for int", loadCase{files: map[string]string{"gunicorn.conf.py": "workers = True\n"}},
			"workers: expected a positive integer, got True (gunicorn.conf.py)", ErrInvalid},
		{"callable for a setting", loadCase{files: map[string]string{"gunicorn.conf.py": "def workers():\n    return 2\n"}},
			"workers: expected a positive integer, got a callable <function> (gunicorn.conf.py)", ErrInvalid},
		{"object for a setting", loadCase{files: map[string]string{"gunicorn.conf.py": "import os\nbind = os\n"}},
			"bind: expected HOST, HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N, got <module> (gunicorn.conf.py)", ErrInvalid},
		{"bad bind in list", loadCase{files: map[string]string{"gunicorn.conf.py": "bind = ['127.0.0.1:80', 'host:port']\n"}},
			"bind: expected HOST, HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N, got 'host:port' (gunicorn.conf.py)", ErrInvalid},
		{"non-string in bind list", loadCase{files: map[string]string{"gunicorn.conf.py": "bind = ['127.0.0.1:80', 8000]\n"}},
			"bind: expected HOST, HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N, got 8000 (gunicorn.conf.py)", ErrInvalid},
		{"empty bind", loadCase{files: map[string]string{"gunicorn.conf.py": "bind = []\n"}},
			"bind: expected HOST, HOST:PORT, [IPV6]:PORT, unix:PATH or fd://N, got [] (gunicorn.conf.py)", ErrInvalid},
		{"request line too long", loadCase{args: []string{"--limit-request-line", "8191"}},
			"limit_request_line: expected an integer from 0 to 8190, got 8191 (command line)", ErrInvalid},
		{"too many fields", loadCase{args: []string{"--limit-request-fields=40000"}},
			"limit_request_fields: expected an integer from 0 to 32768, got 40000 (command line)", ErrInvalid},
		{"log level", loadCase{args: []string{"--log-level", "verbose"}},
			"loglevel: expected one of debug, info, warning, error, critical, got 'verbose' (command line)", ErrInvalid},
		{"umask", loadCase{args: []string{"-m", "0o8"}},
			"umask: expected a file mode mask such as 0o22, '022' or 18, got '0o8' (command line)", ErrInvalid},
		{"umask too big", loadCase{files: map[string]string{"gunicorn.conf.py": "umask = 0o1777\n"}},
			"umask: expected a file mode mask such as 0o22, '022' or 18, got 1023 (gunicorn.conf.py)", ErrInvalid},
		{"cert_reqs", loadCase{args: []string{"--cert-reqs", "3"}},
			"cert_reqs: expected 0, 1 or 2, got 3 (command line)", ErrInvalid},
		{"ssl_version", loadCase{args: []string{"--ssl-version", "SSLv3"}},
			"ssl_version: expected TLS, TLS_SERVER, SSLv23, TLSv1, TLSv1_1, TLSv1_2, TLS_CLIENT or Python's number for one, got 'SSLv3' (command line)", ErrInvalid},
		{"secure_scheme_headers not a dict", loadCase{files: map[string]string{"gunicorn.conf.py": "secure_scheme_headers = ['X-PROTO']\n"}},
			"secure_scheme_headers: expected a dict of str to str, got ['X-PROTO'] (gunicorn.conf.py)", ErrInvalid},
		{"secure_scheme_headers value", loadCase{files: map[string]string{"gunicorn.conf.py": "secure_scheme_headers = {'X-PROTO': 1}\n"}},
			"secure_scheme_headers: expected a dict of str to str, got {'X-PROTO': 1} (gunicorn.conf.py)", ErrInvalid},
		{"bool", loadCase{files: map[string]string{"gunicorn.conf.py": "reuse_port = 'maybe'\n"}},
			"reuse_port: expected True or False, got 'maybe' (gunicorn.conf.py)", ErrInvalid},
		{"raw_env", loadCase{args: []string{"-e", "NOVALUE"}},
			"raw_env: expected KEY=VALUE, got 'NOVALUE' (command line)", ErrInvalid},
		{"forwarded_allow_ips", loadCase{args: []string{"--forwarded-allow-ips", "10.0.0.1,proxy"}},
			"forwarded_allow_ips: expected IP addresses or networks, comma-separated, or '*', got 'proxy' (command line)", ErrInvalid},
		{"chdir", loadCase{args: []string{"--chdir", "/nonexistent/dir"}},
			"chdir: expected an existing directory, got '/nonexistent/dir' (command line)", ErrInvalid},
		{"relative chdir", loadCase{args: []string{"--chdir", "nope"}},
			"chdir: expected an existing directory, got 'nope' (command line)", ErrInvalid},
		{"user", loadCase{args: []string{"-u", "no-such-user-here"}},
			"user: expected an existing user name or a user id, got 'no-such-user-here' (command line)", ErrInvalid},
		{"None for a required string", loadCase{files: map[string]string{"gunicorn.conf.py": "loglevel = None\n"}},
			"loglevel: expected one of debug, info, warning, error, critical, got None (gunicorn.conf.py)", ErrInvalid},
		{"unknown flag", loadCase{args: []string{"--bnid", "127.0.0.1:80"}},
			"unknown flag --bnid (did you mean --bind?)", ErrUsage},
		{"unknown flag in GUNICORN_CMD_ARGS", loadCase{env: []string{"GUNICORN_CMD_ARGS=--wrokers 2"}},
			"GUNICORN_CMD_ARGS: unknown flag --wrokers (did you mean --workers?)", ErrUsage},
		{"unbalanced quote in GUNICORN_CMD_ARGS", loadCase{env: []string{"GUNICORN_CMD_ARGS=--name 'x"}},
			`GUNICORN_CMD_ARGS: no closing ' in "--name 'x"`, ErrUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, out, err := load(t, tc.lc)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Load error:\n got: %v\nwant: %s\nconfig output: %s", err, tc.want, out)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %q does not wrap %v", err, tc.kind)
			}
		})
	}
}

func TestModuleErrorNamesItsFile(t *testing.T) {
	t.Parallel()
	_, _, err := load(t, loadCase{files: map[string]string{"myconf.py": "workers = 2\nbind = undefined_name\n"}, args: []string{"-c", "python:myconf"}})
	if err == nil || !strings.HasSuffix(err.Error(), "myconf.py:2: NameError: name 'undefined_name' is not defined") {
		t.Fatalf("Load = %v, want the module's file and line", err)
	}
}

func TestUnsupportedWarned(t *testing.T) {
	t.Parallel()
	conf := `
import multiprocessing
workers = 2
worker_class = "gevent"
preload_app = True
reload = False
statsd_host = "localhost:8125"
helper_value = 42

def on_starting(server):
    pass

def post_fork(server, worker):
    server.log.info("forked %s", worker.pid)

when_ready = lambda server: None
`
	c := mustLoad(t, loadCase{files: map[string]string{"gunicorn.conf.py": conf}})
	want := []string{
		"gunicorn.conf.py: ignoring gunicorn settings gunicorn-go does not support: preload_app, reload, statsd_host, worker_class",
		"gunicorn.conf.py: ignoring server hooks, which gunicorn-go does not call: on_starting, post_fork, when_ready",
	}
	if diff := cmp.Diff(want, c.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if c.Workers != 2 {
		t.Errorf("workers = %d, want 2: the supported settings still apply", c.Workers)
	}
}

// TestUnsupportedFlagsWarned: a gunicorn command line (or GUNICORN_CMD_ARGS)
// with flags gunicorn-go ignores loads, with one warning per source.
// TestNearMissWarned: a config file's name that is a typo of a setting is
// warned about, naming the setting (gunicorn ignores it silently); helper
// variables are not.
func TestNearMissWarned(t *testing.T) {
	t.Parallel()
	conf := `
import os
worker = 4
time_out = 60
BASE_DIR = os.path.dirname(__file__)
bind_address = "127.0.0.1:9000"
helper_value = 42
app_root = "/srv"
`
	c := mustLoad(t, loadCase{files: map[string]string{"gunicorn.conf.py": conf}})
	want := []string{
		"gunicorn.conf.py: time_out is not a setting (did you mean timeout?); ignored",
		"gunicorn.conf.py: worker is not a setting (did you mean workers?); ignored",
	}
	if diff := cmp.Diff(want, c.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if c.Workers != 1 {
		t.Errorf("workers = %d, want the default: worker is not workers", c.Workers)
	}
}

func TestUnsupportedFlagsWarned(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, loadCase{
		args: []string{"-k", "gthread", "--preload", "-w", "3", "project.wsgi"},
		env:  []string{"GUNICORN_CMD_ARGS=--statsd-prefix app --statsd-host=localhost:8125"},
	})
	want := []string{
		"GUNICORN_CMD_ARGS: ignoring gunicorn settings gunicorn-go does not support: statsd_prefix (--statsd-prefix), statsd_host (--statsd-host)",
		"command line: ignoring gunicorn settings gunicorn-go does not support: worker_class (-k), preload_app (--preload)",
	}
	if diff := cmp.Diff(want, c.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if c.Workers != 3 || c.WSGIApp != "project.wsgi" {
		t.Errorf("workers, wsgi_app = %d, %q; want 3, project.wsgi: the other flags still apply", c.Workers, c.WSGIApp)
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want error
	}{{[]string{"-h"}, ErrHelp}, {[]string{"-w", "2", "--help"}, ErrHelp}, {[]string{"--version"}, ErrVersion}, {[]string{"-v"}, ErrVersion}} {
		if _, _, err := load(t, loadCase{args: tc.args}); !errors.Is(err, tc.want) {
			t.Errorf("Load(%q) = %v, want %v", tc.args, err, tc.want)
		}
	}
}

package main

// End-to-end tests: each runs the real stage3 binary in a directory holding a
// gunicorn.conf.py, as an operator would.

import (
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage3-config-file/config"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// Generous limits: they only bound a test that went wrong.
const (
	startTimeout = 60 * time.Second
	runTimeout   = 60 * time.Second
)

func binary(t *testing.T) string {
	t.Helper()
	return testkit.Binary(t, "stage3-config-file/cmd/stage3")
}

// dirWith makes a temporary directory holding files (name → content).
func dirWith(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runIn runs stage3 to completion in dir and returns its output and exit code.
func runIn(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	testkit.Python(t)
	return testkit.Run(t, runTimeout, dir, binary(t), args...)
}

// copyDir copies the tree at src into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

// djangoDir copies the Django example into a temporary directory and writes
// gunicorn.conf.py there, with extra lines appended.
func djangoDir(t *testing.T, extra string) string {
	t.Helper()
	python := testkit.PythonWith(t, "django", "python3-django")
	dir := t.TempDir()
	copyDir(t, testkit.Example(t, "djangoproject"), dir)
	conf := "bind = \"127.0.0.1:0\"\n" +
		"wsgi_app = \"project.wsgi:application\"\n" +
		"python = \"" + python + "\"\n" + extra
	if err := os.WriteFile(filepath.Join(dir, "gunicorn.conf.py"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// get fetches url and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

func TestServesDjangoFromConfigFile(t *testing.T) {
	t.Parallel()
	hooks := "workers = 3\nworker_class = 'sync'\n\ndef post_fork(server, worker):\n    pass\n"
	dir := djangoDir(t, hooks)
	p := testkit.Start(t, testkit.StartOptions{Dir: dir}, binary(t))
	addr := p.WaitListening(startTimeout)
	status, body := get(t, "http://"+addr+"/hello/")
	if status != 200 || body != "Hello from Django\n" {
		t.Errorf("GET /hello/ = %d %q, want 200 from Django", status, body)
	}
	for _, want := range []string{
		"[WARNING] workers=3 (gunicorn.conf.py): acts from stage 4; stage3 stores it and does nothing with it yet",
		"[WARNING] gunicorn.conf.py: ignoring gunicorn settings gunicorn-go does not support: worker_class",
		"[WARNING] gunicorn.conf.py: ignoring server hooks, which gunicorn-go does not call: post_fork",
	} {
		if n := len(p.Lines(want)); n != 1 {
			t.Errorf("log holds %q %d times, want once", want, n)
		}
	}
}

func TestPrintConfig(t *testing.T) {
	t.Parallel()
	dir := dirWith(t, map[string]string{"gunicorn.conf.py": "import multiprocessing\n\nworkers = multiprocessing.cpu_count() * 2 + 1\n"})
	out, code := runIn(t, dir, "--print-config", "-b", "unix:/tmp/app.sock")
	if code != 0 {
		t.Fatalf("--print-config exited %d:\n%s", code, out)
	}
	for _, want := range []string{"# gunicorn.conf.py", "bind                     = ['unix:/tmp/app.sock']  # command line"} {
		if !strings.Contains(out, want) {
			t.Errorf("--print-config output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		args  []string
		code  int
		want  string // in the output
	}{
		{"go app loads", nil, []string{"--check-config", "go:hello"}, 0, ""},
		{"python app loads", map[string]string{"hello_app.py": "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'hi']\n"},
			[]string{"--check-config", "hello_app:app"}, 0, ""},
		{"app from the file", map[string]string{"gunicorn.conf.py": "wsgi_app = 'go:hello'\ncheck_config = True\n"}, nil, 0, ""},
		{"missing module", nil, []string{"--check-config", "no_such_module:app"}, 1, "Error: app no_such_module:app: "},
		{"no app", nil, []string{"--check-config"}, 1, "no application"},
		{"bad config", map[string]string{"gunicorn.conf.py": "import os\n\nworkers = wrokers\n"}, []string{"--check-config", "go:hello"}, 1,
			"Error: gunicorn.conf.py:3: NameError: name 'wrokers' is not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, code := runIn(t, dirWith(t, tc.files), tc.args...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want %d with %q; output:\n%s", code, tc.code, tc.want, out)
			}
		})
	}
}

// TestErrorsStopBeforeListening checks each error's message and exit code:
// 1 for a configuration error, 2 for a command line that cannot be parsed,
// as gunicorn (argparse) exits.
func TestErrorsStopBeforeListening(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		args  []string
		code  int
		want  string
	}{
		{"bad value", map[string]string{"gunicorn.conf.py": "workers = 'many'\n"}, []string{"go:hello"}, 1,
			"Error: workers: expected a positive integer, got 'many' (gunicorn.conf.py)\n"},
		{"unknown flag", nil, []string{"--bnid", "127.0.0.1:0", "go:hello"}, 2,
			"usage: stage3 [OPTIONS] [APP]\nstage3: error: unknown flag --bnid (did you mean --bind?)\n"},
		{"unix bind", nil, []string{"-b", "unix:/tmp/stage3-test.sock", "go:hello"}, 1,
			"Error: bind unix:/tmp/stage3-test.sock: unix sockets and inherited descriptors are served from stage 5; stage 3 serves TCP addresses only, and none is given\n"},
		{"fd bind", map[string]string{"gunicorn.conf.py": "bind = 'fd://3'\n"}, []string{"go:hello"}, 1,
			"Error: bind fd://3: unix sockets and inherited descriptors are served from stage 5; stage 3 serves TCP addresses only, and none is given\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, code := runIn(t, dirWith(t, tc.files), tc.args...)
			if code != tc.code || out != tc.want {
				t.Errorf("exit %d, output:\n%s\nwant exit %d, output:\n%s", code, out, tc.code, tc.want)
			}
		})
	}
}

// TestProductionBindsServeTheTCPOnes: a production config listing a unix
// socket and TCP addresses serves the TCP ones, every one of them, until
// stage 5 serves the rest, and says so.
func TestProductionBindsServeTheTCPOnes(t *testing.T) {
	t.Parallel()
	dir := dirWith(t, map[string]string{"gunicorn.conf.py": "bind = ['unix:/run/app.sock', '127.0.0.1:0', '127.0.0.1:0']\n"})
	p := testkit.Start(t, testkit.StartOptions{Dir: dir}, binary(t), "go:hello")
	line := p.WaitLog("Listening at: ", startTimeout)
	urls := strings.Split(strings.TrimSuffix(line[strings.Index(line, "http://"):strings.LastIndex(line, " (")], ""), ", ")
	if len(urls) != 2 {
		t.Fatalf("want two TCP addresses served: %s", line)
	}
	for _, u := range urls {
		if status, _ := get(t, u+"/"); status != 200 {
			t.Errorf("GET %s/: %d", u, status)
		}
	}
	p.WaitLog("bind unix:/run/app.sock: served from stage 5; stage 3 serves 127.0.0.1:0, 127.0.0.1:0 only", startTimeout)
}

func TestHelp(t *testing.T) {
	t.Parallel()
	out, code := testkit.Run(t, runTimeout, t.TempDir(), binary(t), "--help")
	if code != 0 || out != config.Help("stage3") {
		t.Errorf("--help exited %d with output:\n%s", code, out)
	}
}

// TestFlagsOverrideFileWhenServing: the file's bind would fail (a unix
// socket), GUNICORN_CMD_ARGS's replaces it, and the positional APP wins over
// the file's wsgi_app. gunicorn's -k, which gunicorn-go ignores, is warned
// about and its value not taken for the APP.
func TestFlagsOverrideFileWhenServing(t *testing.T) {
	t.Parallel()
	testkit.Python(t)
	dir := dirWith(t, map[string]string{"gunicorn.conf.py": "bind = 'unix:/nonexistent/app.sock'\nwsgi_app = 'no_such_module:app'\n"})
	p := testkit.Start(t, testkit.StartOptions{Dir: dir, Env: []string{"GUNICORN_CMD_ARGS=--bind 127.0.0.1:0"}}, binary(t), "-k", "gthread", "go:hello")
	addr := p.WaitListening(startTimeout)
	if status, _ := get(t, "http://"+addr+"/"); status != 200 {
		t.Errorf("GET / = %d, want 200 from go:hello", status)
	}
	want := "[WARNING] command line: ignoring gunicorn settings gunicorn-go does not support: worker_class (-k)"
	if n := len(p.Lines(want)); n != 1 {
		t.Errorf("log holds %q %d times, want once", want, n)
	}
}

// TestFileEnvironReachesTheApp: a config file that sets os.environ (as many
// set DJANGO_SETTINGS_MODULE) changes the app's environment, as gunicorn's
// master process does; raw_env still wins over it.
func TestFileEnvironReachesTheApp(t *testing.T) {
	t.Parallel()
	testkit.Python(t)
	dir := dirWith(t, map[string]string{
		"gunicorn.conf.py": "import os\nos.environ['GREETING'] = 'set by the config'\nos.environ['MODE'] = 'file'\n" +
			"raw_env = ['MODE=raw_env']\nbind = '127.0.0.1:0'\n",
		"envapp.py": "import os\n\ndef app(environ, start_response):\n" +
			"    start_response('200 OK', [('Content-Type', 'text/plain')])\n" +
			"    return [('%s|%s' % (os.environ.get('GREETING'), os.environ.get('MODE'))).encode()]\n",
	})
	p := testkit.Start(t, testkit.StartOptions{Dir: dir}, binary(t), "envapp:app")
	addr := p.WaitListening(startTimeout)
	if status, body := get(t, "http://"+addr+"/"); status != 200 || body != "set by the config|raw_env" {
		t.Errorf("GET / = %d %q, want 200 \"set by the config|raw_env\"", status, body)
	}
}

// TestLaterStageSettingsNoted: settings that act from a later stage are
// noted when given (from any source), and not when left at their defaults.
func TestLaterStageSettingsNoted(t *testing.T) {
	t.Parallel()
	p := testkit.Start(t, testkit.StartOptions{Dir: t.TempDir()}, binary(t), "--pid", "app.pid", "--certfile", "cert.pem",
		"--keyfile", "key.pem", "-w", "3", "-t", "60", "--forwarded-allow-ips", "10.0.0.1", "-b", "127.0.0.1:0", "go:hello")
	p.WaitListening(startTimeout)
	for _, want := range []string{
		"[WARNING] workers=3 (command line): acts from stage 4; stage3 stores it and does nothing with it yet",
		"[WARNING] pidfile=app.pid (command line): acts from stage 6; stage3 stores it and does nothing with it yet",
		"[WARNING] certfile=cert.pem (command line): acts from stage 5; stage3 stores it and does nothing with it yet",
		"[WARNING] keyfile=key.pem (command line): acts from stage 5; stage3 stores it and does nothing with it yet",
	} {
		if len(p.Lines(want)) != 1 {
			t.Errorf("no %q in the log:\n%s", want, p.Stderr.String())
		}
	}
	// The timeout and the proxies act from stage 2: not noted.
	if n := len(p.Lines("acts from stage")); n != 4 {
		t.Errorf("%d notes, want 4:\n%s", n, p.Stderr.String())
	}
}

// TestDebugLogsTheConfiguration: at --log-level debug the server logs every
// setting, with its source, before it starts, as gunicorn does.
func TestDebugLogsTheConfiguration(t *testing.T) {
	t.Parallel()
	p := testkit.Start(t, testkit.StartOptions{Dir: t.TempDir()}, binary(t), "--log-level", "debug", "-b", "127.0.0.1:0", "go:hello")
	p.WaitListening(startTimeout)
	p.WaitLog("[DEBUG] Current configuration:", startTimeout)
	if lines := p.Lines("  loglevel                 = 'debug'  # command line"); len(lines) != 1 {
		t.Errorf("the configuration logged lacks loglevel's line:\n%s", p.Stderr.String())
	}
}

// TestKilledWhileTheConfigRuns: a config file that never finishes dies with
// the server, even when the server is killed outright (SIGKILL), rather than
// spin on as an orphan.
func TestKilledWhileTheConfigRuns(t *testing.T) {
	t.Parallel()
	testkit.Python(t)
	dir := dirWith(t, map[string]string{"gunicorn.conf.py": "import os\n" +
		"with open('config.pid.tmp', 'w') as f:\n    f.write(str(os.getpid()))\n" +
		"os.rename('config.pid.tmp', 'config.pid')\n" +
		"while True:\n    pass\n"})
	p := testkit.Start(t, testkit.StartOptions{Dir: dir}, binary(t), "go:hello")
	pid := testkit.WaitPidFile(t, filepath.Join(dir, "config.pid"), startTimeout)
	p.Signal(syscall.SIGKILL)
	p.Wait(startTimeout)
	for deadline := time.Now().Add(startTimeout); testkit.Running(pid); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the config's interpreter (pid %d) outlived the server", pid)
		}
	}
}

// TestConfigFilePrintsToStdout: what a config file prints goes to stdout,
// as in gunicorn; the server's log stays on stderr.
func TestConfigFilePrintsToStdout(t *testing.T) {
	t.Parallel()
	testkit.Python(t)
	dir := dirWith(t, map[string]string{"gunicorn.conf.py": "print('hello from the config')\nworkers = 1\n"})
	cmd := exec.Command(binary(t), "--check-config", "go:hello")
	cmd.Dir = dir
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if stdout.String() != "hello from the config\n" || strings.Contains(stderr.String(), "hello") {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

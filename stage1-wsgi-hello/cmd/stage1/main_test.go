package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestMain(m *testing.M) { testkit.Main(m) }

// stage1 runs the binary and returns its combined output and exit code.
func stage1(t *testing.T, args ...string) (string, int) {
	t.Helper()
	bin := testkit.Binary(t, "stage1-wsgi-hello/cmd/stage1")
	return testkit.Run(t, 60*time.Second, t.TempDir(), bin, args...)
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	testkit.Golden(t, filepath.Join("testdata", name), got, *update)
}

func TestHello(t *testing.T) {
	examples := testkit.Example(t, "")
	tests := []struct {
		name string
		args func() []string
	}{
		{"hello.py", func() []string { return []string{"--python", testkit.RealPython(t), "--chdir", examples, "hello:app"} }},
		{"module alone", func() []string { return []string{"--python", testkit.RealPython(t), "--chdir", examples, "hello"} }},
		{"go:hello", func() []string { return []string{"go:hello"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := stage1(t, tt.args()...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
			golden(t, "hello.golden", out)
		})
	}
}

func TestEchoWithData(t *testing.T) {
	out, code := stage1(t, "--data", "a=1&b=two", "go:echo", "/form?x=1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{
		"HTTP/1.1 200 OK\n", "\nREQUEST_METHOD=POST\n", "\nPATH_INFO=/form\n", "\nQUERY_STRING=x=1\n",
		"\nCONTENT_LENGTH=9\n", "\nCONTENT_TYPE=application/x-www-form-urlencoded\n", "\n\na=1&b=two",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDjango(t *testing.T) {
	py := testkit.PythonWith(t, "django", "python3-django")
	project := testkit.Example(t, "djangoproject")
	out, code := stage1(t, "--python", py, "--chdir", project, "project.wsgi", "/hello/")
	if code != 0 || !strings.HasPrefix(out, "HTTP/1.1 200 OK\n") || !strings.HasSuffix(out, "\n\nHello from Django\n") {
		t.Errorf("GET /hello/: exit %d:\n%s", code, out)
	}
	out, code = stage1(t, "--python", py, "--chdir", project, "--data", "name=go&n=1", "project.wsgi", "/echo/?q=x")
	for _, want := range []string{"method: POST\n", "path: /echo/\n", "query: q=x\n", "body_length: 11\n", "form: {'name': 'go', 'n': '1'}\n"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("POST /echo/: exit %d, lacks %q:\n%s", code, want, out)
		}
	}
}

func TestBadApp(t *testing.T) {
	examples := testkit.Example(t, "")
	tests := []struct {
		spec      string
		firstLine string // a prefix of stderr's first line
		contains  []string
		oneLine   bool
	}{
		{
			spec:      "nosuch",
			firstLine: "stage1: cannot import module 'nosuch' (",
			contains:  []string{"ModuleNotFoundError: No module named 'nosuch'", "\nsys.path: ['" + examples, "\nTraceback (most recent call last):"},
		},
		{spec: "hello:nope", firstLine: "stage1: 'hello' has no attribute 'nope' (loading 'hello:nope')", oneLine: true},
		{spec: "hello:app(", firstLine: "stage1: 'hello:app(': 'app(' is not a valid Python expression", oneLine: true},
		{spec: "hello:app(x)", firstLine: "stage1: 'hello:app(x)': factory arguments must be literals", oneLine: true},
		{spec: "go:nope", firstLine: "stage1: unknown Go app \"nope\" (there are: ", oneLine: true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			out, code := stage1(t, "--python", testkit.RealPython(t), "--chdir", examples, tt.spec)
			if code != exitLoadError {
				t.Errorf("exit %d, want %d", code, exitLoadError)
			}
			first, rest, _ := strings.Cut(out, "\n")
			if !strings.HasPrefix(first, tt.firstLine) {
				t.Errorf("first line %q, want it to start with %q", first, tt.firstLine)
			}
			if tt.oneLine && rest != "" {
				t.Errorf("more than one line:\n%s", out)
			}
			if !strings.Contains(first, testkit.RealPython(t)) && tt.spec == "nosuch" {
				t.Errorf("first line does not name the interpreter: %q", first)
			}
			for _, want := range tt.contains {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestUsage(t *testing.T) {
	out, code := stage1(t)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	golden(t, "usage.golden", out)
	if out, code := stage1(t, "--help"); code != 0 || !strings.HasPrefix(out, "usage: stage1") {
		t.Errorf("--help: exit %d, want 0 with the usage:\n%s", code, out)
	}
}

// TestAppFailsAtRuntime: an app that loads but fails on the request exits 1
// with a one-line reason, after whatever the app had already sent.
func TestAppFailsAtRuntime(t *testing.T) {
	dir := t.TempDir()
	app := "def raises(environ, start_response):\n" +
		"    raise ValueError('boom in the app')\n" +
		"\n" +
		"def silent(environ, start_response):\n" +
		"    return []\n" +
		"\n" +
		"not_callable = 42\n"
	if err := os.WriteFile(filepath.Join(dir, "failing.py"), []byte(app), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		spec string
		code int
		want string // the whole output
	}{
		{"failing:raises", exitFailure, "stage1: python app raised ValueError: boom in the app\n"},
		{"failing:silent", exitFailure, "stage1: python app raised RuntimeError: the app's body ended without it calling start_response()\n"},
		{"failing:not_callable", exitLoadError, "stage1: 'failing:not_callable' is a int, not a callable WSGI app\n"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			out, code := stage1(t, "--python", testkit.RealPython(t), "--chdir", dir, tt.spec)
			if code != tt.code || out != tt.want {
				t.Errorf("exit %d, output:\n%s\nwant exit %d, output:\n%s", code, out, tt.code, tt.want)
			}
		})
	}
}

func TestMethod(t *testing.T) {
	out, code := stage1(t, "--method", "PUT", "--data", "x=1", "go:echo", "/put")
	if code != 0 || !strings.Contains(out, "\nREQUEST_METHOD=PUT\n") || !strings.Contains(out, "\nCONTENT_LENGTH=3\n") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	out, code = stage1(t, "--method", "DELETE", "go:echo")
	if code != 0 || !strings.Contains(out, "\nREQUEST_METHOD=DELETE\n") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

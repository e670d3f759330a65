package pyapp

import (
	"errors"
	"strings"
	"testing"

	"gunicorn-go/shared/testkit"
)

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		spec    string
		kind    error
		summary string // the start of the first line
		more    []string
	}{
		{spec: "nosuch", kind: ErrImport, summary: "cannot import module 'nosuch' (",
			more: []string{"ModuleNotFoundError: No module named 'nosuch'", "\ninterpreter: ", "\nsys.path: ['", "\nTraceback (most recent call last):"}},
		{spec: "broken:app", kind: ErrImport, summary: "cannot import module 'broken' (",
			more: []string{"ZeroDivisionError: division by zero", `broken.py", line 3`}},
		{spec: "apps:missing", kind: ErrNoAttribute, summary: "'apps' has no attribute 'missing' (loading 'apps:missing')"},
		{spec: "apps:holder.nope", kind: ErrNoAttribute, summary: "'apps:holder' has no attribute 'nope'"},
		{spec: "apps", kind: ErrNoAttribute, summary: "'apps' has no attribute 'application'"},
		{spec: "apps:not_callable", kind: ErrNotCallable, summary: "'apps:not_callable' is a bytes, not a callable WSGI app"},
		{spec: "apps:create_app(", kind: ErrBadSpec, summary: "'apps:create_app(': 'create_app(' is not a valid Python expression"},
		{spec: "apps:create_app(name)", kind: ErrBadSpec, summary: "'apps:create_app(name)': factory arguments must be literals"},
		{spec: "apps:create_app(**{})", kind: ErrBadSpec, summary: "'apps:create_app(**{})': factory arguments must be literals"},
		{spec: "apps:echo[0]", kind: ErrBadSpec, summary: "'apps:echo[0]': 'echo[0]' is neither a name"},
		{spec: "not a module:app", kind: ErrBadSpec, summary: "'not a module:app': 'not a module' is not a module name"},
		{spec: "apps:failing_factory()", kind: ErrFactory, summary: "'apps:failing_factory()': the factory raised RuntimeError: the factory fails",
			more: []string{"Traceback", "in failing_factory"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := Load(tt.spec, Options{Python: testkit.RealPython(t), Chdir: testkit.Testdata(t)})
			var loadErr *LoadError
			if !errors.Is(err, tt.kind) || !errors.As(err, &loadErr) {
				t.Fatalf("error %v, want a *LoadError that is %v", err, tt.kind)
			}
			if !strings.HasPrefix(loadErr.Summary, tt.summary) || strings.Contains(loadErr.Summary, "\n") {
				t.Errorf("summary %q, want one line starting %q", loadErr.Summary, tt.summary)
			}
			for _, want := range tt.more {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
		})
	}
	t.Run("import error names the interpreter", func(t *testing.T) {
		_, err := Load("nosuch", Options{Python: testkit.RealPython(t), Chdir: testkit.Testdata(t)})
		if first, _, _ := strings.Cut(err.Error(), "\n"); !strings.Contains(first, testkit.RealPython(t)) {
			t.Errorf("first line %q does not name %s", first, testkit.RealPython(t))
		}
	})
	t.Run("no interpreter", func(t *testing.T) {
		_, err := Load("apps:echo", Options{Python: "/nonexistent/python3"})
		if err == nil || !strings.Contains(err.Error(), "/nonexistent/python3") {
			t.Errorf("error %v", err)
		}
	})
}

func TestSpecs(t *testing.T) {
	tests := []struct {
		spec, path, want string
	}{
		{"apps:create_app('x', debug=True)", "/", "x debug=True"},
		{"apps:create_app(name='y')", "/", "y debug=False"},
		{"apps:holder.inner.app", "/dotted", "GET /dotted? "},
		{"apps:router", "/echo", "GET /echo? "},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			r := do(t, load(t, tt.spec, Options{}), request("GET", tt.path, nil))
			if r.err != nil || r.body() != tt.want {
				t.Errorf("got %q, %v; want %q", r.body(), r.err, tt.want)
			}
		})
	}
}

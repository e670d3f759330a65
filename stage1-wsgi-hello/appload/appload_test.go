package appload

import (
	"errors"
	"io"
	"strings"
	"testing"

	"gunicorn-go/shared/examples/goapps"
	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage1-wsgi-hello/pyapp"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// get calls app once for GET / and returns the status and body.
func get(t *testing.T, app wsgi.App) (string, string) {
	t.Helper()
	env := wsgi.NewEnviron("GET", "/", nil)
	var status string
	body, err := app.Call(env, func(s string, _ []wsgi.Header, _ error) (wsgi.Write, error) {
		status = s
		return func([]byte) error { return nil }, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	var b strings.Builder
	for {
		chunk, err := body.Next()
		if err == io.EOF {
			return status, b.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		b.Write(chunk)
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		spec string
		opts func(t *testing.T) pyapp.Options
	}{
		{spec: "go:hello", opts: func(*testing.T) pyapp.Options { return pyapp.Options{} }},
		{spec: "hello:app", opts: func(t *testing.T) pyapp.Options {
			return pyapp.Options{Python: testkit.Python(t), Chdir: testkit.Example(t, "")}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			app, closer, err := Load(tt.spec, tt.opts(t), goapps.All())
			if err != nil {
				t.Fatal(err)
			}
			defer closer.Close()
			status, body := get(t, app)
			if status != "200 OK" || body != "<html>Hello, world!</html>" {
				t.Errorf("got %q %q", status, body)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	_, _, err := Load("go:nosuch", pyapp.Options{}, goapps.All())
	if !errors.Is(err, ErrUnknownGoApp) || !strings.Contains(err.Error(), "echo, hello") {
		t.Errorf("go:nosuch: %v", err)
	}
	_, _, err = Load("nosuch:app", pyapp.Options{Python: testkit.Python(t), Chdir: t.TempDir()}, goapps.All())
	if !errors.Is(err, pyapp.ErrImport) {
		t.Errorf("nosuch:app: %v", err)
	}
}

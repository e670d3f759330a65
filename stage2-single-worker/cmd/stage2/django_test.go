package main

import (
	"net/url"
	"strings"
	"testing"

	"gunicorn-go/shared/testkit"
)

// TestDjango serves the Django example project (shared/examples/djangoproject)
// with Debian's python3-django.
func TestDjango(t *testing.T) {
	t.Parallel()
	python := testkit.PythonWith(t, "django", "python3-django")
	s := startServer(t, "--python", python, "--chdir", testkit.Example(t, "djangoproject"), "project.wsgi:application")

	t.Run("GET /hello/", func(t *testing.T) {
		out, code := curl(t, "-i", s.url("/hello/"))
		if code != 0 {
			t.Fatalf("curl exit %d:\n%s", code, out)
		}
		if !strings.HasPrefix(out, "HTTP/1.1 200 ") || !strings.Contains(out, "Hello from Django") {
			t.Errorf("response:\n%s", out)
		}
	})
	t.Run("POST /echo/", func(t *testing.T) {
		form := url.Values{"name": {"gunicorn go"}, "city": {"café"}}.Encode()
		out, code := curl(t, "-i", "--data-binary", form, "-H", "Content-Type: application/x-www-form-urlencoded", s.url("/echo/"))
		if code != 0 {
			t.Fatalf("curl exit %d:\n%s", code, out)
		}
		if !strings.HasPrefix(out, "HTTP/1.1 200 ") || !strings.Contains(out, "gunicorn go") || !strings.Contains(out, "café") {
			t.Errorf("response:\n%s", out)
		}
	})
}

package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"gunicorn-go/shared/proc"
	"gunicorn-go/shared/testkit"
)

// copyDir copies the directory src into dst.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-R", src+"/.", dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
}

// TestDjangoLayoutLikeGunicorn: in the seed's Django layout, with a
// gunicorn.conf.py beside manage.py, "gunicorn-go project.wsgi:application"
// does what "gunicorn project.wsgi:application" does: it reads
// ./gunicorn.conf.py, would bind 127.0.0.1:8000 with one worker (two
// processes), and serves the same answer. (The test serves on a free port
// given on the command line: 8000 may be taken on this machine.)
func TestDjangoLayoutLikeGunicorn(t *testing.T) {
	t.Parallel()
	gunicorn := testkit.RequireTool(t, "gunicorn", "gunicorn")
	python := testkit.PythonWith(t, "django", "python3-django")
	dir := t.TempDir()
	copyDir(t, testkit.Example(t, "djangoproject"), dir)
	// accesslog from the config file: each server shows it read the file
	// by logging the requests.
	writeFile(t, dir, "gunicorn.conf.py", "accesslog = '-'\n")
	env := []string{"PATH=" + filepath.Dir(python) + ":" + os.Getenv("PATH"), "PYTHONDONTWRITEBYTECODE=1"}

	out, code := testkit.Run(t, waitTimeout, dir, binary(t), "--print-config", "project.wsgi:application")
	for _, want := range []string{
		`(?m)^bind\s+= \['127.0.0.1:8000'\]`, `(?m)^workers\s+= 1\b`, `(?m)^config\s+= './gunicorn.conf.py'`,
		`(?m)^accesslog\s+= '-'\s+# gunicorn.conf.py`,
	} {
		if code != 0 || !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("gunicorn-go --print-config: exit %d, no %s in:\n%s", code, want, out)
		}
	}
	gout, _ := testkit.Run(t, waitTimeout, dir, gunicorn, "--print-config", "project.wsgi:application")
	for _, want := range []string{`(?m)^bind\s+= \['127.0.0.1:8000'\]`, `(?m)^workers\s+= 1\b`, `(?m)^accesslog\s+= -`} {
		if !regexp.MustCompile(want).MatchString(gout) {
			t.Errorf("gunicorn --print-config: no %s in:\n%s", want, gout)
		}
	}

	answers := map[string]string{}
	for name, bin := range map[string]string{"gunicorn": gunicorn, "gunicorn-go": binary(t)} {
		port := freePort(t)
		p := testkit.Start(t, testkit.StartOptions{Dir: dir, Env: env}, bin, "-b", "127.0.0.1:"+port, "project.wsgi:application")
		p.WaitLog("Booting worker with pid", startTimeout)
		var body string
		testkit.WaitFor(t, name+" to answer", startTimeout, func() bool {
			resp, err := http.Get("http://127.0.0.1:" + port + "/hello/")
			if err != nil {
				return false
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = resp.Status + " " + string(b)
			return true
		})
		answers[name] = body
		tree, _ := proc.Tree(p.Pid())
		if len(tree) != 2 {
			t.Errorf("%s: %d processes %v, want 2: the master and one worker", name, len(tree), tree)
		}
		p.WaitLog(`"GET /hello/ HTTP/1.1" 200`, waitTimeout)
		p.Signal(syscall.SIGTERM)
		p.Wait(waitTimeout)
	}
	if answers["gunicorn"] != answers["gunicorn-go"] || !strings.Contains(answers["gunicorn-go"], "Hello from Django") {
		t.Errorf("answers differ: gunicorn %q, gunicorn-go %q", answers["gunicorn"], answers["gunicorn-go"])
	}
}

// freePort is a TCP port nobody listens on, for a server that must be told one.
func freePort(t testing.TB) string {
	t.Helper()
	l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

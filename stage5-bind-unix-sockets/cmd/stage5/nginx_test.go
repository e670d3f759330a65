package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gunicorn-go/shared/testkit"
)

// nginxConfig fills in examples/nginx.conf, the file the tutorial shows,
// and writes it into dir.
func nginxConfig(t *testing.T, dir string, fill map[string]string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testkit.RepoRoot(t), "stage5-bind-unix-sockets", "examples", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	conf := string(data)
	for name, value := range fill {
		conf = strings.ReplaceAll(conf, "@"+name+"@", value)
	}
	for _, line := range strings.Split(conf, "\n") {
		if line = strings.TrimSpace(line); !strings.HasPrefix(line, "#") && strings.Contains(line, "@") {
			t.Fatalf("examples/nginx.conf has a name the test does not fill: %s", line)
		}
	}
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestNginx: real nginx, with the tutorial's config, in front of the Django
// example on a unix socket: GET and POST go through, and Django's
// request.is_secure() is true exactly when nginx says X-Forwarded-Proto:
// https, which it does for its HTTPS clients; a client's own header is
// replaced by nginx's.
func TestNginx(t *testing.T) {
	t.Parallel()
	nginx := testkit.RequireTool(t, "nginx", "nginx")
	python := testkit.PythonWith(t, "django", "python3-django")
	dir := sharedDir(t) // nginx's workers reach the socket through it
	ca := newPKI(t, dir)
	cert, key := ca.issue("nginx", "1", false)
	sock := filepath.Join(dir, "app.sock")
	s := startServer(t, startOptions{}, "--python", python, "--chdir", testkit.Example(t, "djangoproject"),
		"-b", "unix:"+sock, "project.wsgi:application")

	httpAddr, httpsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t)), fmt.Sprintf("127.0.0.1:%d", freePort(t))
	conf := nginxConfig(t, dir, map[string]string{"SOCKET": sock, "HTTP": httpAddr, "HTTPS": httpsAddr, "CERT": cert, "KEY": key})
	n := testkit.Start(t, testkit.StartOptions{Dir: dir}, nginx, "-p", dir+"/", "-c", conf, "-g", "daemon off;")
	testkit.WaitFor(t, "nginx to listen", waitTimeout, func() bool {
		if n.Exited() {
			t.Fatalf("nginx exited: %s\n%s", n.Stderr.String(), readFile(filepath.Join(dir, "error.log")))
		}
		c, err := net.Dial("tcp", httpsAddr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	if out, code := curl(t, "http://"+httpAddr+"/hello/"); code != 0 || out != "Hello from Django\n" {
		t.Errorf("GET /hello/ through nginx: exit %d %q", code, out)
	}
	form := url.Values{"name": {"gunicorn go"}, "city": {"café"}}.Encode()
	for _, tc := range []struct {
		name   string
		args   []string
		secure string
	}{
		{"http", []string{"http://" + httpAddr + "/echo/"}, "False"},
		{"http, the client claiming https", []string{"-H", "X-Forwarded-Proto: https", "http://" + httpAddr + "/echo/"}, "False"},
		{"https", []string{"--cacert", ca.ca, "https://" + httpsAddr + "/echo/"}, "True"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, code := curl(t, append([]string{"--data-binary", form, "-H", "Content-Type: application/x-www-form-urlencoded"}, tc.args...)...)
			for _, want := range []string{"method: POST\n", "body_length: " + fmt.Sprint(len(form)) + "\n",
				"form: {'city': 'café', 'name': 'gunicorn go'}\n", "secure: " + tc.secure + "\n"} {
				if code != 0 || !strings.Contains(out, want) {
					t.Errorf("POST /echo/ through nginx: exit %d, no %q in:\n%s", code, want, out)
				}
			}
		})
	}

	n.Signal(syscall.SIGQUIT) // nginx's graceful stop
	if code := n.Wait(waitTimeout); code != 0 {
		t.Errorf("nginx exit %d: %s", code, n.Stderr.String())
	}
	s.stop()
}

func readFile(path string) string {
	data, _ := os.ReadFile(path)
	return string(data)
}

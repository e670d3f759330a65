package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gunicorn-go/shared/testkit"
)

// TestNginxSite: real nginx with deploy/nginx/gunicorn-go.conf, its two
// upstream servers played by two gunicorn-go masters, one on the unix
// socket and one on TCP, as two machines would be: requests reach both,
// and static files come from the disk.
func TestNginxSite(t *testing.T) {
	t.Parallel()
	nginx := testkit.RequireTool(t, "nginx", "nginx")
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // nginx's workers may not be root
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(dir, "app.sock")
	here := startServer(t, startOptions{}, "-b", "unix:"+sock, "--chdir", testkit.Testdata(t), "apps:app")
	other := startServer(t, startOptions{}, "-b", "127.0.0.1:0", "--chdir", testkit.Testdata(t), "apps:app")
	if err := os.MkdirAll(filepath.Join(dir, "static"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "static"), "site.css", "body { color: green }\n")

	site := deployFile(t, "nginx/gunicorn-go.conf")
	port := freePort(t)
	for _, r := range []struct{ old, new string }{
		{"/run/gunicorn-go/gunicorn-go.sock", sock},
		{"10.0.0.12:8000", strings.TrimPrefix(other.url, "http://")},
		{"listen 80;", "listen 127.0.0.1:" + port + ";"},
		{"/srv/myproject/static/", dir + "/static/"},
	} {
		if !strings.Contains(site, r.old) {
			t.Fatalf("deploy/nginx/gunicorn-go.conf has no %q any more: update the test", r.old)
		}
		site = strings.ReplaceAll(site, r.old, r.new)
	}
	writeFile(t, dir, "site.conf", site)
	conf := writeFile(t, dir, "nginx.conf", `worker_processes 1;
pid nginx.pid;
error_log error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path client_body;
    proxy_temp_path proxy;
    fastcgi_temp_path fastcgi;
    uwsgi_temp_path uwsgi;
    scgi_temp_path scgi;
    include site.conf;
}
`)
	n := testkit.Start(t, testkit.StartOptions{Dir: dir}, nginx, "-p", dir+"/", "-c", conf, "-g", "daemon off;")
	testkit.WaitFor(t, "nginx to listen", waitTimeout, func() bool {
		if n.Exited() {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %s\n%s", n.Stderr.String(), b)
		}
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	front := &server{t: t, url: "http://127.0.0.1:" + port}
	masters := map[int]int{}
	for range 20 {
		masters[front.mustGet("/").Ppid]++
	}
	if masters[here.Pid()] == 0 || masters[other.Pid()] == 0 || len(masters) != 2 {
		t.Errorf("answers by master %v: want both %d and %d", masters, here.Pid(), other.Pid())
	}
	out, code := testkit.Run(t, waitTimeout, dir, testkit.RequireTool(t, "curl", "curl"), "-s", front.url+"/static/site.css")
	if code != 0 || out != "body { color: green }\n" {
		t.Errorf("a static file through nginx: exit %d %q", code, out)
	}
	n.Signal(syscall.SIGQUIT)
	n.Wait(waitTimeout)
	for _, s := range []*server{here, other} {
		s.Signal(syscall.SIGTERM)
		if code := s.Wait(waitTimeout); code != 0 {
			t.Errorf("exit %d, want 0", code)
		}
	}
}

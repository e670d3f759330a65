package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// App is a WSGI app as every server is told to load it.
type App struct {
	Dir    string // the app's directory relative to the root: each server's --chdir
	Spec   string // MODULE:CALLABLE, or go:NAME for a Go app (gunicorn-go only)
	Django bool   // it imports Django
}

// The apps the cases serve.
var (
	// helloApp is the seed's app, the smallest WSGI app there is.
	helloApp = App{Dir: "shared/examples", Spec: "hello:app"}
	// djangoApp is the Django example; the cases request its /hello/ view.
	djangoApp = App{Dir: "shared/examples/djangoproject", Spec: "project.wsgi:application", Django: true}
	// benchApp serves the cases that need more than one fixed page: a big
	// response, an echo, a slow request (bench/apps/benchapp.py).
	benchApp = App{Dir: "bench/apps", Spec: "benchapp:app"}
	// goHelloApp is gunicorn-go's Go twin of the seed's app.
	goHelloApp = App{Spec: "go:hello"}
)

// Env is what the servers' launchers need to know about this machine.
type Env struct {
	Root   string // the repository's root: servers run from here
	Python string // the interpreter of gunicorn, of uWSGI's plugin, and gunicorn-go's --python
	Self   string // this executable, which is also the net/http contender
	// GunicornGo is gunicorn-go's binary relative to Root (bin/gunicorn-go
	// or bin/stageN), or "" when none is built.
	GunicornGo string
}

// launch is how to start one server.
type launch struct {
	argv []string // the executable's path first
	env  []string // KEY=VALUE added to the environment
	show string   // the same as a reader would type it at the root
}

// server says how to start a server listening on addr, or (skip) why it
// cannot run on this machine, naming the Debian package that would fix it.
type server func(e *Env, addr string) (l launch, skip string)

// newLaunch builds a launch; show names the executable as given.
func newLaunch(exe, show string, args ...string) launch {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = shellQuote(a)
	}
	return launch{
		argv: append([]string{exe}, args...),
		show: strings.TrimSpace(show + " " + strings.Join(words, " ")),
	}
}

// shellQuote quotes a word that a shell would split or expand.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"'$\\*?;&|<>()") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// gunicornGo runs gunicorn-go, the highest stage built, with args before
// the app.
func gunicornGo(app App, args ...string) server {
	return func(e *Env, addr string) (launch, string) {
		if e.GunicornGo == "" {
			return launch{}, "no gunicorn-go built (bin/gunicorn-go, or bin/stageN with N >= 3): make build"
		}
		if skip := needPython(e, app); skip != "" {
			return launch{}, skip
		}
		all := []string{"-b", addr}
		if app.Dir != "" {
			all = append(all, "--chdir", app.Dir, "--python", e.Python)
		}
		all = append(append(all, args...), app.Spec)
		return newLaunch(filepath.Join(e.Root, e.GunicornGo), e.GunicornGo, all...), ""
	}
}

// gunicorn runs Debian's gunicorn under e.Python with args (the worker
// class and counts) before the app.
func gunicorn(app App, args ...string) server {
	return func(e *Env, addr string) (launch, string) {
		if !hasModule(e.Python, "gunicorn") {
			return launch{}, "gunicorn not installed for " + e.Python + " (apt-get install gunicorn)"
		}
		if skip := needPython(e, app); skip != "" {
			return launch{}, skip
		}
		all := append([]string{"-m", "gunicorn", "--chdir", app.Dir, "-b", addr}, args...)
		all = append(all, app.Spec)
		return newLaunch(e.Python, e.Python, all...), ""
	}
}

// uwsgiPackages is what installs uWSGI with the Python 3 plugin on Debian.
const uwsgiPackages = "uwsgi uwsgi-plugin-python3"

// uwsgi runs uWSGI the way it compares with gunicorn: a master and
// `processes` workers, each speaking HTTP itself (--http-socket, no router
// process in front), without a request log, as gunicorn runs by default.
// threads 0 leaves uWSGI's default, one thread per worker.
//
// --http-socket answers HTTP/1.0-style, one request per connection, as
// gunicorn's sync worker does; but where gunicorn says "Connection: close",
// uWSGI closes without saying so, and wrk counts every such close as a read
// error. --add-header makes uWSGI say it, so its socket errors are real ones.
// (--http11-socket keeps connections alive instead, but a worker then
// serves one connection until the client leaves, starving wrk's others.)
func uwsgi(app App, processes, threads int) server {
	return func(e *Env, addr string) (launch, string) {
		bin, err := exec.LookPath("uwsgi")
		if err != nil {
			return launch{}, "uwsgi not installed (apt-get install " + uwsgiPackages + ")"
		}
		if !uwsgiPython3(bin) {
			return launch{}, "uWSGI's python3 plugin not installed (apt-get install uwsgi-plugin-python3)"
		}
		if skip := needPython(e, app); skip != "" {
			return launch{}, skip
		}
		args := []string{"--plugin", "python3", "--http-socket", addr,
			"--master", "--processes", strconv.Itoa(processes)}
		if threads > 0 {
			args = append(args, "--threads", strconv.Itoa(threads))
		}
		args = append(args, "--chdir", app.Dir, "--module", app.Spec,
			"--need-app", "--die-on-term", "--disable-logging", "--add-header", "Connection: close")
		return newLaunch(bin, "uwsgi", args...), ""
	}
}

// netHTTP runs this very binary in its net/http hello mode: the same bytes
// as the seed's app, from a Go server calling no Python.
func netHTTP(e *Env, addr string) (launch, string) {
	l := newLaunch(e.Self, helloEnv+"="+addr+" go run ./bench")
	l.env = []string{helloEnv + "=" + addr}
	return l, ""
}

// needPython says why app cannot run under e.Python, or "".
func needPython(e *Env, app App) string {
	if app.Django && !hasModule(e.Python, "django") {
		return "Django not installed for " + e.Python + " (apt-get install python3-django)"
	}
	return ""
}

// hasModule reports whether python can import module.
func hasModule(python, module string) bool {
	return succeeds(python, "-c", "import "+module)
}

// uwsgiPython3 reports whether uWSGI can load its python3 plugin.
func uwsgiPython3(bin string) bool {
	return succeeds(bin, "--need-plugin", "python3", "--version")
}

var probes sync.Map // the command, NUL-separated -> bool

// succeeds reports whether the command exits 0, running it once per
// process: every round of every case asks again.
func succeeds(name string, args ...string) bool {
	key := strings.Join(append([]string{name}, args...), "\x00")
	if v, ok := probes.Load(key); ok {
		return v.(bool)
	}
	ok := exec.Command(name, args...).Run() == nil
	probes.Store(key, ok)
	return ok
}

// stageBin matches a stage's binary name, capturing its number.
var stageBin = regexp.MustCompile(`^stage(\d+)$`)

// findGunicornGo returns gunicorn-go's binary relative to root: bin/gunicorn-go
// once the last stage is built, else the highest bin/stageN from stage 3 up
// (stage 2 has neither -w nor --threads), else "".
func findGunicornGo(root string) string {
	if st, err := os.Stat(filepath.Join(root, "bin", "gunicorn-go")); err == nil && !st.IsDir() {
		return filepath.Join("bin", "gunicorn-go")
	}
	entries, err := os.ReadDir(filepath.Join(root, "bin"))
	if err != nil {
		return ""
	}
	var stages []int
	for _, e := range entries {
		if m := stageBin.FindStringSubmatch(e.Name()); m != nil && !e.IsDir() {
			if n, err := strconv.Atoi(m[1]); err == nil && n >= 3 {
				stages = append(stages, n)
			}
		}
	}
	if len(stages) == 0 {
		return ""
	}
	return filepath.Join("bin", fmt.Sprintf("stage%d", slices.Max(stages)))
}

// Package testkit is what every stage's tests use to meet the real world: the
// repository's root, the stage binaries built once per test run, external tools
// (curl, wrk, nginx…) and Python interpreters found or skipped for, and server
// processes started, read and stopped by pid.
//
// A test that needs a tool asks for it with RequireTool or PythonWith. Locally
// a missing tool skips the test with the Debian package that brings it; when
// CI=true it fails instead, so CI proves everything.
//
// Nothing a test starts outlives it: Start registers a cleanup that kills the
// process (and its process group) and waits for it.
package testkit

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/proc"
)

// InCI reports whether the tests run under CI (CI=true), where a missing tool is
// a failure rather than a skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test, or fails it under CI, because what is named is not
// installed; pkg is the Debian package that brings it.
func Missing(t testing.TB, what, pkg string) {
	t.Helper()
	msg := fmt.Sprintf("%s not found: install the Debian package %s (apt-get install -y %s)", what, pkg, pkg)
	if InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// RequireTool returns the path of the command name, or skips (fails under CI)
// naming the Debian package pkg.
func RequireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, pkg)
	}
	return path
}

var pythonCache sync.Map // module -> string (path, "" when none)

// FindPython returns the first python3 on PATH (then /usr/bin/python3) that can
// import module, or "" when none can. Debian's own python3 has what apt
// installs, while a python3 earlier on PATH may not.
func FindPython(module string) string {
	if v, ok := pythonCache.Load(module); ok {
		return v.(string)
	}
	found := ""
	seen := map[string]bool{}
	dirs := append(filepath.SplitList(os.Getenv("PATH")), "/usr/bin")
	for _, dir := range dirs {
		p := filepath.Join(dir, "python3")
		if seen[p] {
			continue
		}
		seen[p] = true
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if exec.Command(p, "-c", "import "+module).Run() == nil {
			found = p
			break
		}
	}
	pythonCache.Store(module, found)
	return found
}

// PythonWith returns an interpreter that imports module, or skips (fails under
// CI) naming the Debian package pkg (python3-django, python3-flask…).
func PythonWith(t testing.TB, module, pkg string) string {
	t.Helper()
	p := FindPython(module)
	if p == "" {
		Missing(t, "a python3 that imports "+module, pkg)
	}
	return p
}

// Python returns a python3 interpreter: the first on PATH.
func Python(t testing.TB) string {
	t.Helper()
	return PythonWith(t, "sys", "python3")
}

// realPython asks the first python3 on PATH for sys.executable, once.
var realPython = sync.OnceValues(func() (string, error) {
	shim := FindPython("sys")
	out, err := exec.Command(shim, "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return "", fmt.Errorf("%s: sys.executable: %w", shim, err)
	}
	return strings.TrimSpace(string(out)), nil
})

// RealPython returns the interpreter behind Python's, as its sys.executable
// names it. A version manager's shim (pyenv's is a bash script) costs a
// second or more per start, and tests that start Python often skip it; the
// interpreter is the same. It skips (fails under CI) like Python.
func RealPython(t testing.TB) string {
	t.Helper()
	Python(t)
	p, err := realPython()
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return p
}

// RequireReachable skips the test (fails it under CI) unless every
// directory from / down to dir may be searched by others (its x bit for
// others): the tests that drop root to user nobody, or run nginx, whose
// workers run as www-data, need those users to reach the checkout. A clone
// under mktemp -d (mode 0700) fails that, and without this check the tests
// failed with no word of why ("chdir: expected an existing directory", 502s).
//
// Run as any other user, nothing drops privileges and nothing is checked.
func RequireReachable(t testing.TB, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	if blocked := unreachable(dir); blocked != "" {
		msg := fmt.Sprintf("%s may not be entered by other users (mode %s), so nobody and www-data cannot reach %s: "+
			"chmod o+x %s, or clone the repository where others may enter every directory above it",
			blocked, modeOf(blocked), dir, blocked)
		if InCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// unreachable returns the first directory on the way from / to dir that
// others may not search, or "" when there is none.
func unreachable(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	var path []string
	for d := abs; ; d = filepath.Dir(d) {
		path = append(path, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	for i := len(path) - 1; i >= 0; i-- { // from / down
		fi, err := os.Stat(path[i])
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return path[i]
		}
	}
	return ""
}

// modeOf is path's permission bits, as ls shows them, or "?".
func modeOf(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	return fi.Mode().String()
}

var (
	rootOnce sync.Once
	rootDir  string
)

// RepoRoot returns the repository's root: the directory holding go.work.
func RepoRoot(t testing.TB) string {
	t.Helper()
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return
			}
			dir = parent
		}
	})
	if rootDir == "" {
		t.Fatal("testkit: no go.work above the working directory")
	}
	return rootDir
}

// Example returns the path of a file or folder under shared/examples.
func Example(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(RepoRoot(t), "shared", "examples", name)
}

var (
	buildMu  sync.Mutex
	builtBin = map[string]string{}
	buildDir string
)

// Testdata returns the absolute path of the testdata folder of the package
// under test (go test runs a package's tests in its folder), for a binary
// that runs elsewhere (--chdir) to find its files.
func Testdata(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return dir
}

// Binary builds a stage's command once per test process and returns its path;
// with TESTKIT_RACE=1 in the environment, with the race detector.
// pkg is the command's directory relative to the repository root, for example
// "stage2-single-worker/cmd/stage2". The binary lands in a temporary directory
// that Main removes at the end of the run (or CleanupBinaries, from a TestMain
// of one's own).
func Binary(t testing.TB, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := builtBin[pkg]; ok {
		return p
	}
	if buildDir == "" {
		d, err := os.MkdirTemp("", "gunicorn-go-bin-")
		if err != nil {
			t.Fatalf("testkit: %v", err)
		}
		buildDir = d
	}
	out := filepath.Join(buildDir, filepath.Base(pkg))
	args := []string{"build", "-o", out}
	if os.Getenv("TESTKIT_RACE") == "1" {
		args = append(args, "-race") // the binaries under test, race-checked too
	}
	cmd := exec.Command("go", append(args, "./"+pkg)...)
	cmd.Dir = RepoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testkit: go build %s: %v\n%s", pkg, err, b)
	}
	builtBin[pkg] = out
	return out
}

// Main runs a package's tests, removes what Binary built, and exits with the
// tests' status: the whole TestMain of a package that builds a stage's binary.
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	CleanupBinaries()
	os.Exit(code)
}

// CleanupBinaries removes what Binary built. Call it at the end of TestMain.
func CleanupBinaries() {
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildDir != "" {
		if err := os.RemoveAll(buildDir); err != nil {
			fmt.Fprintf(os.Stderr, "testkit: remove the built binaries: %v\n", err)
		}
		buildDir = ""
		builtBin = map[string]string{}
	}
}

// Golden compares got with the golden file at path, failing the test when
// they differ. With update (a package's -update flag) it first rewrites the
// file with got, as gofmt's tests do.
func Golden(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatalf("testkit: %v", err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("testkit: %v (go test -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// Buffer is a goroutine-safe bytes.Buffer that collects a process's output.
type Buffer = proc.Buffer

// Proc is a server process started by Start.
type Proc struct {
	Cmd *exec.Cmd
	// Addr is host:port from the "Listening at: http://HOST:PORT" log line
	// (the unix socket's path for "unix:PATH"), when WaitListening found one.
	Addr   string
	Stdout *Buffer
	Stderr *Buffer

	t testing.TB
	p *proc.Proc
}

// StartOptions are optional settings for Start.
type StartOptions struct {
	Dir        string     // working directory; the test's temp dir when empty
	Env        []string   // extra KEY=VALUE entries added to the environment
	ExtraFiles []*os.File // passed as descriptors 3, 4…
}

// Start runs bin with args and registers a cleanup that kills the process group
// and waits for it. It does not wait for the server to listen: see WaitListening.
func Start(t testing.TB, opts StartOptions, bin string, args ...string) *Proc {
	t.Helper()
	dir := opts.Dir
	if dir == "" {
		dir = t.TempDir()
	}
	stdout, stderr := &Buffer{}, &Buffer{}
	p, err := proc.Start(proc.Options{Dir: dir, Env: opts.Env, Stdout: stdout, Stderr: stderr, ExtraFiles: opts.ExtraFiles}, bin, args...)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(func() {
		// The whole group: a server's children (workers, app runners) too.
		if err := p.Kill(); err != nil {
			t.Errorf("testkit: %v", err)
		}
		if t.Failed() {
			t.Logf("stderr of %s:\n%s", filepath.Base(bin), stderr.String())
		}
	})
	return &Proc{Cmd: p.Cmd, Stdout: stdout, Stderr: stderr, t: t, p: p}
}

// Pid returns the process id.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Signal sends sig to the process.
func (p *Proc) Signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("testkit: signal %v to %d: %v", sig, p.Pid(), err)
	}
}

// Wait waits up to timeout for the process to exit and returns its exit code
// (-1 when killed by a signal). It fails the test on timeout.
func (p *Proc) Wait(timeout time.Duration) int {
	p.t.Helper()
	code, err := p.p.Wait(timeout)
	if err != nil {
		p.t.Fatalf("testkit: %v\nstderr:\n%s", err, p.Stderr.String())
	}
	return code
}

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool { return p.p.Exited() }

// WaitLog waits up to timeout for substr to appear in the process's stderr (or
// stdout) and returns the line holding it. It fails the test if the process
// exits first or the time runs out.
func (p *Proc) WaitLog(substr string, timeout time.Duration) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, out := range []string{p.Stderr.String(), p.Stdout.String()} {
			if i := strings.Index(out, substr); i >= 0 {
				start := strings.LastIndexByte(out[:i], '\n') + 1
				end := strings.IndexByte(out[i:], '\n')
				if end < 0 {
					return out[start:]
				}
				return out[start : i+end]
			}
		}
		if p.Exited() {
			p.t.Fatalf("testkit: process exited (code %d) before logging %q\nstderr:\n%s", p.p.ExitCode(), substr, p.Stderr.String())
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("testkit: no %q in the log after %v\nstderr:\n%s", substr, timeout, p.Stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WaitListening waits for the "Listening at: " log line gunicorn prints and
// sets p.Addr from it. It returns p.Addr.
func (p *Proc) WaitListening(timeout time.Duration) string {
	p.t.Helper()
	const prefix = "Listening at: "
	_, rest, _ := strings.Cut(p.WaitLog(prefix, timeout), prefix)
	rest, _, _ = strings.Cut(rest, " ")
	rest = strings.TrimPrefix(rest, "http://")
	rest = strings.TrimPrefix(rest, "https://")
	rest = strings.TrimPrefix(rest, "unix:")
	p.Addr = rest
	return p.Addr
}

// Lines returns the stderr lines that contain substr.
func (p *Proc) Lines(substr string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(p.Stderr.String()))
	for sc.Scan() {
		if strings.Contains(sc.Text(), substr) {
			out = append(out, sc.Text())
		}
	}
	return out
}

// Run runs a command to completion with a timeout and returns its combined
// output and exit code. It is for short commands such as curl.
func Run(t testing.TB, timeout time.Duration, dir string, name string, args ...string) (string, int) {
	t.Helper()
	var out Buffer
	p, err := proc.Start(proc.Options{Dir: dir, Stdout: &out, Stderr: &out}, name, args...)
	if err != nil {
		t.Fatalf("testkit: run: %v", err)
	}
	code, err := p.Wait(timeout)
	if err != nil {
		if kerr := p.Kill(); kerr != nil {
			t.Errorf("testkit: %v", kerr)
		}
		t.Fatalf("testkit: %s %v: still running after %v\n%s", name, args, timeout, out.String())
	}
	return out.String(), code
}

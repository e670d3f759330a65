package pyapp

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// Options say how to run a Python app. The zero value runs the app with
// Interpreter("") in the current directory, one request at a time.
type Options struct {
	// Python is the interpreter; empty means Interpreter("", Chdir).
	Python string
	// Chdir is the runners' working directory (empty: ours). Like gunicorn's
	// --chdir it also goes first on sys.path, so the app's module is found there.
	Chdir string
	// PythonPath holds directories put on sys.path ahead of everything, in
	// order, like gunicorn's --pythonpath.
	PythonPath []string
	// Env holds KEY=VALUE entries added to the runners' environment.
	Env []string
	// ErrorLog receives, as written, wsgi.errors text when a request's
	// Environ has no Errors writer, the tracebacks DumpTracebacks collects
	// and, with CaptureOutput, the runners' stdout and stderr. Nil means
	// os.Stderr.
	ErrorLog io.Writer
	// Log receives pyapp's own notes (a runner died and was replaced), one
	// message each, without a newline. Nil writes them to ErrorLog as lines
	// starting "pyapp: ".
	Log func(msg string)
	// Threads is how many requests one runner runs at once, each on a
	// Python thread of its own, as gunicorn's gthread worker does. 0 means 1:
	// the runner's main thread runs the app itself.
	Threads int
	// CaptureOutput sends the runners' stdout and stderr to ErrorLog (like
	// gunicorn's --capture-output); otherwise they share ours.
	CaptureOutput bool
	// Title is what ps shows as a runner's command line, for example
	// "gunicorn-go: worker [hello:app]"; empty keeps Python's own. The
	// interpreter's argv[0] is unchanged (Python derives sys.executable and
	// a virtualenv from it): the runner rewrites the memory ps reads once it
	// has started.
	Title string
	// Credential, when set, runs the runners as that user and group (a
	// master started as root that drops its privileges: stage 5).
	Credential *syscall.Credential
	// OnStart, when set, is called with a runner's pid as soon as its
	// process has started, before it has loaded the app: a master logs
	// "Booting worker with pid: N" then, as gunicorn does.
	OnStart func(pid int)

	// ResponseMemory is how many bytes of one response's body Go keeps in
	// memory before it spools the rest to a file in TempDir (1 MiB when 0).
	ResponseMemory int64
	// ResponseSpool is how many bytes of spool files the responses sharing
	// SpoolBudget may hold on disk together (1 GiB when 0; negative: no
	// spooling). Once it is spent, a response that has filled its memory
	// makes its app thread wait for the client (see protocol.go).
	ResponseSpool int64
	// SpoolBudget, when set, is the disk budget that bounds the spool files
	// of all responses of all runners sharing it: a supervisor gives all
	// its workers one, NewBudget(ResponseSpool). Nil: a budget of
	// ResponseSpool for each runner.
	SpoolBudget *Budget
	// Budget, when set, bounds the memory all responses of all runners
	// sharing it hold together; past it, response bodies go to spool files
	// however small. Nil: a budget of 64 MiB per runner.
	Budget *Budget
	// TempDir holds spooled request and response bodies ("" for the
	// system's temporary directory).
	TempDir string
}

// DefaultInterpreter is the interpreter when neither a flag, a virtualenv
// nor a venv beside the app names one.
const DefaultInterpreter = "python3"

// Interpreter picks the Python interpreter the way a user expects: flag (a
// --python option) when set, else the active virtualenv's python
// ($VIRTUAL_ENV/bin/python), else a virtualenv beside the app (.venv/bin/python
// or venv/bin/python under appDir, the app's directory), else
// DefaultInterpreter. why says which rule chose it, for --print-config.
func Interpreter(flag, appDir string) (python, why string) {
	return InterpreterFrom(flag, appDir, os.Getenv)
}

// InterpreterFrom is Interpreter reading the environment through getenv;
// stage 3's settings use it to read a given environment rather than the
// process's own.
func InterpreterFrom(flag, appDir string, getenv func(string) string) (python, why string) {
	if flag != "" {
		return flag, "given"
	}
	if venv := getenv("VIRTUAL_ENV"); venv != "" {
		return filepath.Join(venv, "bin", "python"), "the active virtualenv, $VIRTUAL_ENV"
	}
	for _, dir := range []string{".venv", "venv"} {
		p := filepath.Join(appDir, dir, "bin", "python")
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, "a virtualenv beside the app, " + filepath.Join(dir, "bin", "python")
		}
	}
	return DefaultInterpreter, "the default: the first python3 on PATH"
}

// Defaults of the response buffering options.
const (
	defaultResponseMemory = 1 << 20
	defaultResponseSpool  = 1 << 30
	defaultBudget         = 64 << 20
)

// firstWindow is how many body bytes a response may send before Go grants
// it more: its share of memory. Room on disk is granted as it is reserved.
func (o *Options) firstWindow() int64 { return o.ResponseMemory }

// withDefaults returns o with its empty fields filled in.
func (o Options) withDefaults() Options {
	o.Python, _ = Interpreter(o.Python, o.Chdir)
	if o.ErrorLog == nil {
		o.ErrorLog = os.Stderr
	}
	if o.Threads <= 0 {
		o.Threads = 1
	}
	if o.ResponseMemory <= 0 {
		o.ResponseMemory = defaultResponseMemory
	}
	if o.ResponseSpool == 0 {
		o.ResponseSpool = defaultResponseSpool
	}
	if o.Budget == nil {
		o.Budget = NewBudget(defaultBudget)
	}
	if o.SpoolBudget == nil {
		o.SpoolBudget = NewBudget(max(o.ResponseSpool, 0))
	}
	return o
}

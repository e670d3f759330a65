package pyapp

import (
	"io"
	"os"
	"path/filepath"
)

// Options say how to run a Python app. The zero value runs one runner with
// Interpreter("") in the current directory.
type Options struct {
	// Python is the interpreter; empty means Interpreter("").
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
	// Environ has no Errors writer and, with CaptureOutput, the runners'
	// stdout and stderr. Nil means os.Stderr.
	ErrorLog io.Writer
	// Log receives pyapp's own notes (a runner died and was replaced), one
	// message each, without a newline. Nil writes them to ErrorLog as lines
	// starting "pyapp: ".
	Log func(msg string)
	// Runners is how many runner processes serve requests, each one request
	// at a time with more queued behind it (see pipeline.go). 0 means 1.
	Runners int
	// CaptureOutput sends the runners' stdout and stderr to ErrorLog (like
	// gunicorn's --capture-output); otherwise they share ours.
	CaptureOutput bool
}

// DefaultInterpreter is the interpreter when neither a flag nor a
// virtualenv names one: the first python3 on PATH.
const DefaultInterpreter = "python3"

// Interpreter picks the Python interpreter the way a user expects: flag (a
// --python option) when set, else the active virtualenv's python
// ($VIRTUAL_ENV/bin/python), else DefaultInterpreter.
func Interpreter(flag string) string {
	if flag != "" {
		return flag
	}
	if venv, ok := VirtualEnvPython(os.Getenv); ok {
		return venv
	}
	return DefaultInterpreter
}

// VirtualEnvPython returns the active virtualenv's interpreter,
// $VIRTUAL_ENV/bin/python, reading the environment through getenv; ok is
// false outside a virtualenv. Stage 3's settings use it to read a given
// environment rather than the process's own.
func VirtualEnvPython(getenv func(string) string) (path string, ok bool) {
	venv := getenv("VIRTUAL_ENV")
	if venv == "" {
		return "", false
	}
	return filepath.Join(venv, "bin", "python"), true
}

// withDefaults returns o with its empty fields filled in.
func (o Options) withDefaults() Options {
	o.Python = Interpreter(o.Python)
	if o.ErrorLog == nil {
		o.ErrorLog = os.Stderr
	}
	if o.Runners <= 0 {
		o.Runners = 1
	}
	return o
}

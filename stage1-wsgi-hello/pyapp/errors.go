package pyapp

import (
	"errors"
	"fmt"
	"strings"
)

// Errors a caller can test for with errors.Is.
var (
	// ErrImport: the app's module could not be imported (it is missing, or
	// raised while importing). The *LoadError carries the traceback.
	ErrImport = errors.New("pyapp: cannot import the app's module")
	// ErrNoAttribute: the module has no object of the name the spec gives.
	ErrNoAttribute = errors.New("pyapp: no such attribute")
	// ErrNotCallable: the object the spec names is not callable.
	ErrNotCallable = errors.New("pyapp: not callable")
	// ErrBadSpec: the spec is not "module", "module:name", "module:a.b" or
	// "module:factory(literal, key=literal)".
	ErrBadSpec = errors.New("pyapp: bad app spec")
	// ErrFactory: the app factory the spec calls raised.
	ErrFactory = errors.New("pyapp: the app factory raised")
	// ErrRunnerDied: an app runner exited, or stopped answering properly, in
	// the middle of a request. The next request gets a fresh runner.
	ErrRunnerDied = errors.New("pyapp: app runner died")
	// ErrProtocol: a runner sent something the protocol does not allow.
	ErrProtocol = errors.New("pyapp: protocol error")
	// ErrClosed: the App was closed.
	ErrClosed = errors.New("pyapp: app closed")
)

// loadErrorKinds maps the runner's failure kinds to the sentinels.
var loadErrorKinds = map[string]error{
	"import":    ErrImport,
	"attribute": ErrNoAttribute,
	"callable":  ErrNotCallable,
	"spec":      ErrBadSpec,
	"factory":   ErrFactory,
}

// LoadError says why Load could not load an app. Its first line (Summary) is
// self-explanatory; for import and factory failures, Error adds the
// interpreter, sys.path and the traceback on the following lines.
type LoadError struct {
	Kind        error  // ErrImport, ErrNoAttribute, ErrNotCallable, ErrBadSpec or ErrFactory
	Spec        string // the app spec, "hello:app"
	Summary     string // one line, "cannot import module 'nosuch' (…): ModuleNotFoundError: …"
	Traceback   string // the Python traceback, when there is one
	Interpreter string // sys.executable and the Python version
	SysPath     string // repr(sys.path) in the runner
}

func (e *LoadError) Error() string {
	if e.Traceback == "" {
		return e.Summary
	}
	var b strings.Builder
	b.WriteString(e.Summary)
	fmt.Fprintf(&b, "\ninterpreter: %s\nsys.path: %s\n", e.Interpreter, e.SysPath)
	b.WriteString(strings.TrimRight(e.Traceback, "\n"))
	return b.String()
}

// Unwrap returns Kind, so errors.Is(err, pyapp.ErrImport) works.
func (e *LoadError) Unwrap() error { return e.Kind }

// AppError is an exception the Python app raised while handling a request.
// Error is its last traceback line ("ValueError: boom"); Traceback holds the
// whole text for the error log.
type AppError struct {
	Traceback string
}

func (e *AppError) Error() string {
	tb := strings.TrimRight(e.Traceback, "\n")
	return "python app raised " + tb[strings.LastIndexByte(tb, '\n')+1:]
}

package pyapp

import (
	"errors"
	"fmt"
	"strings"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
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
	// ErrBoot: the interpreter could not be started, or died before it said
	// whether it had loaded the app (gunicorn's WORKER_BOOT_ERROR).
	ErrBoot = errors.New("pyapp: the app runner could not start")
	// ErrRunnerDied: an app runner exited, or stopped answering properly,
	// while it ran the request. It wraps wsgi.ErrBadGateway: a server
	// answers 502.
	ErrRunnerDied = fmt.Errorf("pyapp: app runner died: %w", wsgi.ErrBadGateway)
	// ErrNotSent: the runner was gone before the request reached it; the
	// request did not start, and another runner may take it.
	ErrNotSent = fmt.Errorf("pyapp: the app runner was gone before the request reached it: %w", wsgi.ErrBadGateway)
	// ErrTakenBack: the request was taken back (Worker.TakeBack) before it
	// started; it may be sent to another worker.
	ErrTakenBack = errors.New("pyapp: the request was taken back before it started")
	// ErrProtocol: a runner sent something the protocol does not allow.
	ErrProtocol = errors.New("pyapp: protocol error")
	// ErrClosed: the App was closed. It wraps wsgi.ErrUnavailable (503).
	ErrClosed = fmt.Errorf("pyapp: app closed: %w", wsgi.ErrUnavailable)
)

// loadErrorKinds maps the runner's failure kinds to the sentinels.
var loadErrorKinds = map[string]error{
	"import":    ErrImport,
	"attribute": ErrNoAttribute,
	"callable":  ErrNotCallable,
	"spec":      ErrBadSpec,
	"factory":   ErrFactory,
}

// LoadError says why an app could not be loaded. Its first line (Summary) is
// self-explanatory; for import and factory failures, Error adds the
// interpreter, sys.path and the traceback on the following lines. It
// matches wsgi.ErrAppLoad as well as its Kind.
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
	if hint := e.hint(); hint != "" {
		b.WriteString(hint + "\n")
	}
	b.WriteString(strings.TrimRight(e.Traceback, "\n"))
	return b.String()
}

// hint is one line for the commonest first-contact failure: a top-level
// package missing from the interpreter that ran the app (Django installed
// for another python).
func (e *LoadError) hint() string {
	const marker = "ModuleNotFoundError: No module named '"
	i := strings.Index(e.Summary, marker)
	if i < 0 || !errors.Is(e.Kind, ErrImport) {
		return ""
	}
	name, _, _ := strings.Cut(e.Summary[i+len(marker):], "'")
	if name == "" || strings.Contains(name, ".") {
		return ""
	}
	interp, _, _ := strings.Cut(e.Interpreter, " ")
	return fmt.Sprintf("hint: %s cannot import %q; if it is installed for another Python, choose that one with --python PATH (or activate its virtualenv)", interp, name)
}

// Unwrap returns Kind, so errors.Is(err, pyapp.ErrImport) works.
func (e *LoadError) Unwrap() error { return e.Kind }

// Is makes errors.Is(err, wsgi.ErrAppLoad) true.
func (e *LoadError) Is(target error) bool { return target == wsgi.ErrAppLoad }

// AppError is an exception the Python app raised while handling a request.
// Error is its last traceback line ("ValueError: boom"); Traceback returns
// the whole text for the error log (it is a wsgi.Exception).
type AppError struct {
	Text string // the Python traceback
}

func (e *AppError) Error() string {
	tb := strings.TrimRight(e.Text, "\n")
	return "python app raised " + tb[strings.LastIndexByte(tb, '\n')+1:]
}

// Traceback returns the Python traceback.
func (e *AppError) Traceback() string { return e.Text }

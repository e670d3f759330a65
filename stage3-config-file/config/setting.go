package config

import (
	"fmt"
	"strings"
)

// Setting is one row of the settings table: everything gunicorn-go knows about
// a setting, written once. The flag parser, the config file reader, --help,
// --print-config and docs/settings.md all read these rows; none of them has a
// list of its own.
type Setting struct {
	Name       string   // the config file key, as gunicorn spells it ("keepalive")
	Section    string   // the heading it sits under in --help and the docs
	Flags      []string // command-line flags, short one first; none for config-only settings
	Meta       string   // the value's placeholder in --help ("ADDRESS"); "" for boolean flags
	Positional bool     // the command line's one positional argument sets it (wsgi_app, as APP)
	Kind       Kind     // how a value is read from a flag or from Python, and shown again
	Default    any      // the value when no source sets it (Go type as in Settings)
	DefaultDoc string   // how --help and the docs describe the default when Default alone would mislead
	Expect     string   // what a valid value looks like, for error messages ("a positive integer")
	Help       string   // one line for --help
	Doc        string   // a paragraph for docs/settings.md
	Stage      int      // the stage from which it acts; earlier stages store and validate it, and warn it does nothing yet

	// check validates, and may normalize, a value its Kind has read. It
	// returns a badValue naming the offending part, or nil to accept.
	check func(v any) (any, error)
	// envDefault derives the default from the environment (WEB_CONCURRENCY,
	// PORT…) or the directory: raw is read like a flag value, src says where
	// it came from. ok=false means: use Default.
	envDefault func(e *environment) (raw string, src Source, ok bool)
	// field points into Settings at the field that holds the value.
	field func(s *Settings) any
	// relPath: a relative path is taken from the directory Load ran in.
	relPath bool
}

// SourceKind says which of the four places (plus the environment) a value
// came from; they are listed from the lowest precedence to the highest.
type SourceKind int

// The sources, lowest precedence first.
const (
	FromDefault     SourceKind = iota // the table's default
	FromEnvVar                        // a default derived from an environment variable (PORT, WEB_CONCURRENCY…)
	FromFile                          // the config file
	FromCmdArgs                       // the GUNICORN_CMD_ARGS environment variable
	FromCommandLine                   // the command line
	// FromDerived: a default worked out from the machine, Name saying how
	// ("a virtualenv beside the app, .venv/bin/python"). The python setting
	// is the one.
	FromDerived
)

// Source is where a setting's value came from, as --print-config shows it.
type Source struct {
	Kind SourceKind
	Name string // the variable's name for FromEnvVar, the file as named for FromFile
}

// String names the source: "default", "environment variable PORT",
// "gunicorn.conf.py", "GUNICORN_CMD_ARGS" or "command line".
func (s Source) String() string {
	switch s.Kind {
	case FromDefault:
		return "default"
	case FromEnvVar:
		return "environment variable " + s.Name
	case FromFile:
		return s.Name
	case FromCmdArgs:
		return "GUNICORN_CMD_ARGS"
	case FromCommandLine:
		return "command line"
	case FromDerived:
		return s.Name
	}
	return fmt.Sprintf("source(%d)", int(s.Kind))
}

// environment is what defaults may depend on: the process environment (as
// passed to Load, not os.Getenv, so tests can vary it) and the directory.
type environment struct {
	vars map[string]string
	dir  string
}

func newEnvironment(environ []string, dir string) *environment {
	e := &environment{vars: map[string]string{}, dir: dir}
	for _, kv := range environ {
		if k, v, ok := cutEnv(kv); ok {
			e.vars[k] = v
		}
	}
	return e
}

// get returns the variable's value, "" when unset.
func (e *environment) get(name string) string { return e.vars[name] }

// cutEnv splits KEY=VALUE; the key must be non-empty.
func cutEnv(kv string) (key, value string, ok bool) {
	key, value, ok = strings.Cut(kv, "=")
	return key, value, ok && key != ""
}

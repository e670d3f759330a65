package config

import "errors"

// Sentinel errors. Every error Load returns wraps exactly one of them, so a
// caller (cmd/stage3) can pick the exit code and decide whether to print the
// usage line with errors.Is.
var (
	// ErrUsage: the command line or GUNICORN_CMD_ARGS could not be parsed
	// (an unknown flag, a missing value, a second APP). Print the usage line.
	ErrUsage = errors.New("usage")
	// ErrHelp: -h or --help was given. Print Help and exit 0.
	ErrHelp = errors.New("help requested")
	// ErrVersion: -v or --version was given. Print the version and exit 0.
	ErrVersion = errors.New("version requested")
	// ErrInvalid: a setting's value is not acceptable. The message names the
	// setting, the value, what was expected and where it came from.
	ErrInvalid = errors.New("invalid setting")
	// ErrConfigFile: the config file could not be read or raised an
	// exception. The message names the file and, when known, the line.
	ErrConfigFile = errors.New("config file")
)

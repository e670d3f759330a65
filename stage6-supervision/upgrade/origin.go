package upgrade

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The environment variables of an upgrade, set in the new master.
const (
	// EnvPID is the old master's pid (gunicorn's GUNICORN_PID).
	EnvPID = "GUNICORN_PID"
	// EnvFD lists the listening sockets' descriptors, comma-separated
	// (gunicorn's GUNICORN_FD).
	EnvFD = "GUNICORN_FD"
	// EnvSocketFiles lists those of EnvFD whose unix socket file the old
	// master made: the new one removes it when it stops, as the old one
	// would have. systemd's and fd://N sockets are not listed.
	EnvSocketFiles = "GUNICORN_GO_SOCKET_FILES"
	// EnvReadyFD is the new master's end of the socket pair it tells its
	// readiness on.
	EnvReadyFD = "GUNICORN_GO_READY_FD"
)

// Origin is how the running command was started, captured first thing in
// main: what starting "the same command, from the binary on disk" needs.
type Origin struct {
	// Path is the binary as the command was started: argv[0], found in
	// PATH when it has no slash. A symbolic link is not resolved, so that
	// a deploy that switches the link is followed, as it is by gunicorn,
	// which starts sys.argv again.
	Path string
	Args []string // the command line, argv[0] included
	Dir  string   // the directory it started in
	Env  []string // its environment at start, before anything changed it
}

// CaptureOrigin reads the process's Origin.
func CaptureOrigin() (Origin, error) {
	dir, err := os.Getwd()
	if err != nil {
		return Origin{}, fmt.Errorf("upgrade: the working directory: %w", err)
	}
	path := os.Args[0]
	if !strings.Contains(path, "/") {
		if path, err = exec.LookPath(path); err != nil {
			// Not in PATH (a service manager's exec with another argv[0]):
			// the binary the kernel ran, as it is named now.
			if path, err = os.Executable(); err != nil {
				return Origin{}, fmt.Errorf("upgrade: %s: %w", os.Args[0], err)
			}
		}
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	return Origin{Path: path, Args: os.Args, Dir: dir, Env: os.Environ()}, nil
}

// environ is o's environment for a new process: the variables of an
// upgrade, socket activation and the service manager's protocol removed
// (set is added after; the caller passes the notify ones explicitly).
func (o Origin) environ(set ...string) []string {
	drop := map[string]bool{
		EnvPID: true, EnvFD: true, EnvSocketFiles: true, EnvReadyFD: true,
		"LISTEN_PID": true, "LISTEN_FDS": true, "LISTEN_FDNAMES": true,
		"NOTIFY_SOCKET": true, "WATCHDOG_USEC": true, "WATCHDOG_PID": true,
	}
	var env []string
	for _, kv := range o.Env {
		if k, _, _ := strings.Cut(kv, "="); !drop[k] {
			env = append(env, kv)
		}
	}
	return append(env, set...)
}

// Package pidfile writes the master's pid to a file (gunicorn's pidfile
// setting, --pid FILE), for the tools that signal a server by its pid
// file: an init script, logrotate's postrotate (kill -USR1 $(cat FILE)),
// an operator's kill -HUP $(cat FILE).
//
// The rules are gunicorn's pidfile.py, made safe against a few races:
//
//   - Create refuses a file that names a live process other than us
//     ("Already running on PID …"), replaces one that names a dead one
//     (stale: its server was killed), and writes the new file whole (a
//     temporary file renamed over it), so a reader never sees half a pid.
//   - Remove removes the file only while it still names us: during an
//     upgrade the new master owns FILE.2 and then FILE, and the old one
//     must not remove what is no longer its own.
//   - Rename moves it (the new master's FILE.2 becomes FILE once the old
//     master is gone).
package pidfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrRunning: the pid file names a live process that is not us.
var ErrRunning = errors.New("pidfile: already running")

// File is a pid file this process wrote.
type File struct {
	path string
	pid  int
}

// Create writes pid to path. Outcomes: the File; an error wrapping
// ErrRunning when path names another live process; another error when the
// directory is missing or not writable.
func Create(path string, pid int) (*File, error) {
	if other, alive := running(path); alive && other != pid {
		return nil, fmt.Errorf("%w on PID %d (or pid file %s is stale)", ErrRunning, other, path)
	}
	f := &File{path: path, pid: pid}
	if err := f.write(); err != nil {
		return nil, err
	}
	return f, nil
}

// Path is where the file is.
func (f *File) Path() string { return f.path }

// write writes the pid to a temporary file beside path, then renames it
// over path: the file appears whole, mode 0644 as gunicorn makes it.
func (f *File) write() error {
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, ".pid-*")
	if err != nil {
		return fmt.Errorf("pidfile %s: %w", f.path, unwrapPath(err))
	}
	defer os.Remove(tmp.Name()) // once renamed, there is nothing to remove
	_, err = fmt.Fprintf(tmp, "%d\n", f.pid)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f.path)
	}
	if err != nil {
		return fmt.Errorf("pidfile %s: %w", f.path, unwrapPath(err))
	}
	return nil
}

// Remove removes the file if it still names this process. A file already
// gone, or another's, is left alone and is no error.
func (f *File) Remove() error {
	if pid, err := read(f.path); err != nil || pid != f.pid {
		return nil
	}
	if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pidfile %s: %w", f.path, unwrapPath(err))
	}
	return nil
}

// Rename moves the pid to path: the file at path is written (as Create
// writes it, refusing another live process's), then the old one removed.
func (f *File) Rename(path string) error {
	if path == f.path {
		return nil
	}
	next, err := Create(path, f.pid)
	if err != nil {
		return err
	}
	err = f.Remove()
	*f = *next
	return err
}

// read returns the pid in the file at path.
func read(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// running returns the pid in the file at path and whether that process is
// alive. kill(pid, 0) tells: no error or EPERM (alive, another user's),
// ESRCH (gone). A zombie counts as alive, which errs on the safe side.
func running(path string) (int, bool) {
	pid, err := read(path)
	if err != nil || pid <= 0 {
		return 0, false
	}
	err = syscall.Kill(pid, 0)
	return pid, err == nil || errors.Is(err, syscall.EPERM)
}

// unwrapPath drops the *PathError's repetition of the path, which the
// message names already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

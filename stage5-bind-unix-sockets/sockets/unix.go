package sockets

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gunicorn-go/stage2-single-worker/bind"
)

// maxUnixPath is the longest path a unix socket may have on Linux: the
// 108 bytes of sun_path, less the terminating NUL.
const maxUnixPath = 107

// umaskMu serializes the umask changes around bind(2): the umask is the
// process's, and two sockets made at once must not see each other's.
var umaskMu sync.Mutex

// listenUnix makes the socket file of a unix: bind and listens on it.
func listenUnix(a bind.Address, o *Options) (net.Listener, error) {
	path := a.Address
	if len(path) > maxUnixPath {
		return nil, fmt.Errorf("bind %s: the path is %d bytes long; a unix socket's may have at most %d", a, len(path), maxUnixPath)
	}
	if err := clearStale(a, path, o); err != nil {
		return nil, err
	}
	umaskMu.Lock()
	old := syscall.Umask(o.Umask)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("bind %s: %s", a, describeBindError(path, err))
	}
	ul := ln.(*net.UnixListener)
	ul.SetUnlinkOnClose(false) // removed below, and only while it is still ours
	l := &unixListener{UnixListener: ul, path: path, warnf: o.logf(o.Warnf)}
	fail := func(err error) (net.Listener, error) {
		l.Close()
		return nil, fmt.Errorf("bind %s: %w", a, err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return fail(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	l.dev, l.ino = st.Dev, st.Ino
	if err := setBacklog(ul, o.backlog()); err != nil {
		return fail(fmt.Errorf("backlog %d: %w", o.backlog(), err))
	}
	if o.Owner != nil && (o.Owner.UID != os.Geteuid() || o.Owner.GID != os.Getegid()) {
		if err := os.Lchown(path, o.Owner.UID, o.Owner.GID); err != nil {
			return fail(fmt.Errorf("making the socket file uid %d's, gid %d's: %w", o.Owner.UID, o.Owner.GID, errors.Unwrap(err)))
		}
	}
	return l, nil
}

// clearStale makes room for a socket file at path. A socket file nobody
// listens on any more (its server died without removing it) is removed,
// as gunicorn removes it. One a live server listens on is an error, where
// gunicorn would take the path from it and leave it serving nobody; so is
// a file that is not a socket, and a socket whose server cannot be told to
// be gone.
func clearStale(a bind.Address, path string, o *Options) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("bind %s: %w", a, errors.Unwrap(err))
	case fi.Mode().Type() != fs.ModeSocket:
		return fmt.Errorf("bind %s: %s exists and is not a socket; only a socket file is replaced", a, path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("bind %s: another server is listening on %s; stop it, or bind another path", a, path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("bind %s: %s exists, and whether a server listens on it cannot be told: %v", a, path, syscallError(err))
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("bind %s: removing the stale socket file: %w", a, errors.Unwrap(err))
	}
	o.logf(o.Infof)("Removed the stale socket file %s: no server listened on it", path)
	return nil
}

// describeBindError says why a socket file could not be made, naming the
// directory when the trouble is there.
func describeBindError(path string, err error) string {
	dir := filepath.Dir(path)
	switch err := syscallError(err); {
	case errors.Is(err, syscall.ENOENT):
		return fmt.Sprintf("the directory %s does not exist", dir)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Sprintf("%s is not a directory", dir)
	case errors.Is(err, syscall.EACCES):
		return fmt.Sprintf("the directory %s is not writable by uid %d", dir, os.Geteuid())
	case errors.Is(err, syscall.EROFS):
		return fmt.Sprintf("the directory %s is on a read-only file system", dir)
	default:
		return err.Error()
	}
}

// unixListener is a unix socket's listener that removes its file when it
// closes, if the file is still the one it made: a file another server has
// put there since is not removed. Its SyscallConn is the UnixListener's,
// so stage 2's server still takes the connections queued at a graceful
// shutdown.
type unixListener struct {
	*net.UnixListener
	path     string
	dev, ino uint64 // the file made, to know it again
	warnf    func(string, ...any)
	once     sync.Once
	keep     atomic.Bool // KeepFile was called
}

// FileKeeper is a listener that removes its unix socket file as it closes
// (Listen's for a unix: bind, and Adopt's), unless KeepFile was called
// first. A master handing its sockets to a new one (stage 6's USR2) keeps
// the files: they are the new master's now.
type FileKeeper interface {
	net.Listener
	KeepFile()
}

// KeepFile makes Close leave the socket file where it is.
func (l *unixListener) KeepFile() { l.keep.Store(true) }

// Close closes the listener and removes its socket file.
func (l *unixListener) Close() error {
	err := l.UnixListener.Close()
	if !l.keep.Load() {
		l.once.Do(l.remove)
	}
	return err
}

// Adopt makes ln, a unix socket listener handed over by the master that
// made its file (stage 6's upgrade), remove that file when it closes, as a
// listener Listen made does: the file is the new master's now. It records
// the file as it is, to know it again. Another listener, or one whose file
// is gone, is returned as it is. warnf logs a file that cannot be removed.
func Adopt(ln net.Listener, warnf func(string, ...any)) net.Listener {
	ul, ok := ln.(*net.UnixListener)
	if !ok {
		return ln
	}
	path := ul.Addr().String()
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode().Type() != fs.ModeSocket {
		return ln
	}
	st := fi.Sys().(*syscall.Stat_t)
	ul.SetUnlinkOnClose(false)
	if warnf == nil {
		warnf = func(string, ...any) {}
	}
	return &unixListener{UnixListener: ul, path: path, dev: st.Dev, ino: st.Ino, warnf: warnf}
}

func (l *unixListener) remove() {
	fi, err := os.Lstat(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return // removed already
	}
	if err != nil {
		l.warnf("Could not remove the socket file %s: %v; the next start replaces it", l.path, errors.Unwrap(err))
		return
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || st.Dev != l.dev || st.Ino != l.ino {
		return // not ours any more
	}
	if err := os.Remove(l.path); err != nil {
		l.warnf("Could not remove the socket file %s: %v; the next start replaces it", l.path, errors.Unwrap(err))
	}
}

package sockets

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ListenFDsStart is the first descriptor a service manager passes:
// sd_listen_fds(3)'s SD_LISTEN_FDS_START.
const ListenFDsStart = 3

// Environ is the environment systemd's variables are read from and
// removed from, and the process they must be meant for.
type Environ interface {
	Getenv(key string) string
	Unsetenv(key string)
	Getpid() int
}

// processEnviron is the process's own environment.
type processEnviron struct{}

func (processEnviron) Getenv(key string) string { return os.Getenv(key) }
func (processEnviron) Unsetenv(key string)      { os.Unsetenv(key) }
func (processEnviron) Getpid() int              { return os.Getpid() }

// Activation reads the variables of systemd's socket activation as
// sd_listen_fds(3) describes them, and unsets all three whatever they say,
// so that no child (a worker) takes them for its own:
//
//   - LISTEN_PID is the process they are meant for: set by the service
//     manager after it forked us. Another pid (a parent that left them
//     set), or none, means no sockets for us.
//   - LISTEN_FDS is how many descriptors are passed, from ListenFDsStart
//     (3) on.
//   - LISTEN_FDNAMES names them, colon-separated (a socket unit's
//     FileDescriptorName=, its own name by default); when it is unset
//     each is "unknown".
//
// It returns the descriptors, each marked close-on-exec as sd_listen_fds
// marks them, and their names: none when nothing was passed. An error says
// the variables are malformed: a count or pid that is not a number, names
// that do not match the count.
func Activation(env Environ) (fds []int, names []string, err error) {
	pid, count, fdNames := env.Getenv("LISTEN_PID"), env.Getenv("LISTEN_FDS"), env.Getenv("LISTEN_FDNAMES")
	for _, k := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
		env.Unsetenv(k)
	}
	if pid == "" {
		return nil, nil, nil
	}
	p, err := strconv.Atoi(pid)
	if err != nil || p <= 0 {
		return nil, nil, fmt.Errorf("systemd's LISTEN_PID=%q is not a process id", pid)
	}
	if p != env.Getpid() {
		return nil, nil, nil
	}
	if count == "" {
		return nil, nil, nil
	}
	n, err := strconv.Atoi(count)
	if err != nil || n < 0 {
		return nil, nil, fmt.Errorf("systemd's LISTEN_FDS=%q is not a number of descriptors", count)
	}
	if n == 0 {
		return nil, nil, nil
	}
	if fdNames != "" {
		names = strings.Split(fdNames, ":")
		if len(names) != n {
			return nil, nil, fmt.Errorf("systemd's LISTEN_FDNAMES=%q names %d descriptors, LISTEN_FDS=%d", fdNames, len(names), n)
		}
	} else {
		for range n {
			names = append(names, "unknown")
		}
	}
	for i := range n {
		fd := ListenFDsStart + i
		syscall.CloseOnExec(fd)
		fds = append(fds, fd)
	}
	return fds, names, nil
}

// inherited listens on descriptor fd, a listening stream socket someone
// opened for us; what names it in errors ("bind fd://3"). The listener
// holds a duplicate of it, and fd itself is closed. A unix socket's file is
// not ours: it is never removed.
func inherited(fd int, what string) (net.Listener, error) {
	typ, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TYPE)
	switch {
	case errors.Is(err, syscall.EBADF):
		return nil, fmt.Errorf("%s: descriptor %d is not open", what, fd)
	case errors.Is(err, syscall.ENOTSOCK):
		return nil, fmt.Errorf("%s: descriptor %d is not a socket", what, fd)
	case err != nil:
		return nil, fmt.Errorf("%s: descriptor %d: %w", what, fd, err)
	case typ != syscall.SOCK_STREAM:
		return nil, fmt.Errorf("%s: descriptor %d is not a stream socket", what, fd)
	}
	if on, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN); err != nil || on != 1 {
		return nil, fmt.Errorf("%s: descriptor %d is a socket that does not listen (systemd's Accept=yes passes connections; use Accept=no)", what, fd)
	}
	f := os.NewFile(uintptr(fd), what)
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return ln, nil
}

// CloseOnExec marks every descriptor above stderr that the process has
// inherited close-on-exec, as sd_listen_fds does for systemd's: the master
// listens on them (Listen takes a duplicate of each), and no child of it,
// the config file's Python or a worker, may hold a listening socket open.
// Call it first thing in main, before any child starts. Descriptors Go
// opens are close-on-exec already.
func CloseOnExec() error {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return fmt.Errorf("listing the inherited descriptors: %w", err)
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd) // the directory's own descriptor included: harmless
		}
	}
	return nil
}

package notify

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// The states of sd_notify(3) that the master sends.
const (
	Ready     = "READY=1"
	Reloading = "RELOADING=1"
	Stopping  = "STOPPING=1"
	Watchdog  = "WATCHDOG=1"
)

// The environment variables of the protocol.
const (
	SocketEnv      = "NOTIFY_SOCKET"
	WatchdogUSec   = "WATCHDOG_USEC"
	WatchdogPIDEnv = "WATCHDOG_PID"
)

// ErrNoSocket: NOTIFY_SOCKET names no unix socket this package can use
// (a vsock: address, or a relative path).
var ErrNoSocket = errors.New("notify: NOTIFY_SOCKET is not a unix socket path")

// Notifier sends messages to the service manager. The zero Notifier, and a
// nil one, send nothing: the server runs without a service manager.
type Notifier struct {
	socket   string        // NOTIFY_SOCKET as given: a path, or @name
	watchdog time.Duration // WATCHDOG_USEC, when meant for this process
}

// FromEnv reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID and unsets
// them, so that no child inherits them. A watchdog interval meant for
// another process (WATCHDOG_PID is not ours), or unreadable, is ignored.
func FromEnv() *Notifier {
	n := &Notifier{socket: os.Getenv(SocketEnv)}
	usec, wpid := os.Getenv(WatchdogUSec), os.Getenv(WatchdogPIDEnv)
	for _, k := range []string{SocketEnv, WatchdogUSec, WatchdogPIDEnv} {
		os.Unsetenv(k)
	}
	if u, err := strconv.ParseInt(usec, 10, 64); err == nil && u > 0 && (wpid == "" || wpid == strconv.Itoa(os.Getpid())) {
		n.watchdog = time.Duration(u) * time.Microsecond
	}
	return n
}

// Enabled reports whether a service manager listens: NOTIFY_SOCKET was set.
func (n *Notifier) Enabled() bool { return n != nil && n.socket != "" }

// Env is what a process that takes over as the service's main one (the new
// master of an upgrade) needs in its environment to speak to the same
// service manager: NOTIFY_SOCKET, and WATCHDOG_USEC without a WATCHDOG_PID
// (the new process's pid is not known before it starts). None when no
// manager listens.
func (n *Notifier) Env() []string {
	if !n.Enabled() {
		return nil
	}
	env := []string{SocketEnv + "=" + n.socket}
	if n.watchdog > 0 {
		env = append(env, WatchdogUSec+"="+strconv.FormatInt(n.watchdog.Microseconds(), 10))
	}
	return env
}

// Send sends the assignments (READY=1, STATUS=…) as one datagram. Outcomes:
// nil when it was sent, or when no manager listens (nothing to send to); an
// error when NOTIFY_SOCKET is unusable or the datagram could not be sent
// (the manager is gone, say).
func (n *Notifier) Send(assignments ...string) error {
	if !n.Enabled() {
		return nil
	}
	if !strings.HasPrefix(n.socket, "/") && !strings.HasPrefix(n.socket, "@") {
		return fmt.Errorf("%w: %q", ErrNoSocket, n.socket)
	}
	// Go's unix addresses read a leading "@" as the abstract namespace
	// (a NUL byte first), as sd_notify(3) does.
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: n.socket, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("notify %s: %w", n.socket, err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(strings.Join(assignments, "\n"))); err != nil {
		return fmt.Errorf("notify %s: %w", n.socket, err)
	}
	return nil
}

// ReloadingNow is RELOADING=1 with MONOTONIC_USEC, the time the reload
// began on CLOCK_MONOTONIC, which systemd (Type=notify-reload) uses to tell
// this reload's READY=1 from an earlier one's.
func ReloadingNow() []string {
	return []string{Reloading, "MONOTONIC_USEC=" + strconv.FormatInt(monotonicUSec(), 10)}
}

// MainPID is the assignment that makes pid the service's main process.
func MainPID(pid int) string { return "MAINPID=" + strconv.Itoa(pid) }

// Status is a STATUS= assignment; its text is one line.
func Status(text string) string { return "STATUS=" + strings.ReplaceAll(text, "\n", " ") }

// WatchdogInterval is how often systemd wants WATCHDOG=1: WATCHDOG_USEC,
// or 0 when it does not.
func (n *Notifier) WatchdogInterval() time.Duration {
	if !n.Enabled() {
		return 0
	}
	return n.watchdog
}

// monotonicUSec reads CLOCK_MONOTONIC, which package time keeps to itself,
// in microseconds.
func monotonicUSec() int64 {
	const clockMonotonic = 1 // CLOCK_MONOTONIC in <time.h>
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0)
	return int64(ts.Sec)*1e6 + int64(ts.Nsec)/1e3
}

package upgrade

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// Parent is, in a process Start started, the process that started it:
// the old master of an upgrade, or the command that daemonized.
type Parent struct {
	// Pid is the old master's pid; 0 when this is a daemon, which has no
	// master before it.
	Pid int
	// FDs are the listening sockets handed over, in order.
	FDs []int
	// SocketFiles are those of FDs whose unix socket file is ours to
	// remove when we stop.
	SocketFiles []int

	conn *os.File // our end of the socket pair
	gone chan struct{}
}

// Inherited reads and unsets the variables Start sets. Outcomes: (nil,
// nil) when this process was not started by Start; the Parent; or an error
// when the variables are malformed.
func Inherited() (*Parent, error) {
	pid, fds, files, ready := os.Getenv(EnvPID), os.Getenv(EnvFD), os.Getenv(EnvSocketFiles), os.Getenv(EnvReadyFD)
	for _, k := range []string{EnvPID, EnvFD, EnvSocketFiles, EnvReadyFD} {
		os.Unsetenv(k)
	}
	if ready == "" {
		if pid != "" {
			return nil, fmt.Errorf("upgrade: %s=%s is set without %s: started by something other than a gunicorn-go master", EnvPID, pid, EnvReadyFD)
		}
		return nil, nil
	}
	p := &Parent{gone: make(chan struct{})}
	var err error
	if pid != "" {
		if p.Pid, err = strconv.Atoi(pid); err != nil || p.Pid <= 0 {
			return nil, fmt.Errorf("upgrade: %s=%q is not a process id", EnvPID, pid)
		}
	}
	if p.FDs, err = parseFDs(EnvFD, fds); err != nil {
		return nil, err
	}
	if p.SocketFiles, err = parseFDs(EnvSocketFiles, files); err != nil {
		return nil, err
	}
	fd, err := strconv.Atoi(ready)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("upgrade: %s=%q is not a descriptor", EnvReadyFD, ready)
	}
	if _, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TYPE); err != nil {
		return nil, fmt.Errorf("upgrade: %s=%d: %w", EnvReadyFD, fd, err)
	}
	syscall.CloseOnExec(fd)
	p.conn = newFile(fd, "handover")
	go p.watch()
	return p, nil
}

func parseFDs(name, list string) ([]int, error) {
	var fds []int
	for _, s := range strings.Split(list, ",") {
		if s == "" {
			continue
		}
		fd, err := strconv.Atoi(s)
		if err != nil || fd < 3 {
			return nil, fmt.Errorf("upgrade: %s=%q: %q is not a descriptor", name, list, s)
		}
		fds = append(fds, fd)
	}
	return fds, nil
}

// Binds are the listeners handed over as binds: fd://3, fd://4, ….
func (p *Parent) Binds() []string {
	var binds []string
	for _, fd := range p.FDs {
		binds = append(binds, "fd://"+strconv.Itoa(fd))
	}
	return binds
}

// OwnsFile reports whether the listener handed over as fd has a socket
// file that is ours now.
func (p *Parent) OwnsFile(fd int) bool { return slices.Contains(p.SocketFiles, fd) }

// Ready tells the parent that our workers serve. An error says it could
// not be told: it has exited already.
func (p *Parent) Ready() error {
	if _, err := p.conn.Write([]byte{1}); err != nil {
		return fmt.Errorf("upgrade: telling the parent (pid %d) we are ready: %w", p.Pid, err)
	}
	return nil
}

// Gone is closed once the parent has exited (its end of the socket pair
// closed).
func (p *Parent) Gone() <-chan struct{} { return p.gone }

// watch waits for the end of file that the parent's exit brings.
func (p *Parent) watch() {
	var b [16]byte
	for {
		if _, err := p.conn.Read(b[:]); err != nil {
			close(p.gone)
			return
		}
	}
}

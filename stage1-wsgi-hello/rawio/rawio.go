// Package rawio reads and writes non-blocking sockets with raw system
// calls: calls that Go's scheduler is not told about.
//
// Why. A goroutine's system call normally tells the scheduler that it has
// left Go (entersyscall). If it stays in the kernel past a tick of the
// runtime's monitor thread (sysmon, from 20 µs), the right to run Go code
// (its P) is taken from it and handed to another thread, so that other
// goroutines go on meanwhile; when the call returns, the thread must get a
// P back. On loopback a write does the receiver's work too (it queues the
// bytes and wakes the reading process), and on a virtual machine that
// often takes longer than 20 µs. The master runs its Go code on one P
// (stage 4's arbiter/procs.go), and then every such write made the
// scheduler wake a second thread, hand it the P, and put it back to sleep:
// with Django, half a futex call, half a sleep of sysmon's and a context
// switch per request, about a third of the master's CPU (bench/README.md,
// "Earning the speed").
//
// The sockets Go's poller manages are non-blocking: read(2) and write(2)
// on them never wait, they copy what they can and return, EAGAIN when
// nothing can be copied. So made raw they cannot hold the P for long, and
// the poller still does the waiting (through syscall.RawConn) when a
// socket is not ready, with the connection's deadlines as usual.
//
// What it costs: while a raw call runs, no other goroutine runs on its P.
// So only a call that moves at most MaxRaw bytes is raw; a bigger copy
// goes through the scheduler as before.
package rawio

import (
	"io"
	"os"
	"syscall"
	"unsafe"
)

// MaxRaw is the most bytes a raw call moves: copying 64 KiB takes a few
// microseconds, less than the hand-off it saves.
const MaxRaw = 64 << 10

// TryRead makes one read(2) on fd, a non-blocking descriptor, into p. Its
// error is the call's own: syscall.EAGAIN when nothing is there yet,
// syscall.EINTR to try again; 0 bytes and no error is the end of the
// stream.
func TryRead(fd uintptr, p []byte) (int, error) {
	return try(syscall.SYS_READ, syscall.Read, fd, p)
}

// tryWrite makes one write(2) on fd, a non-blocking descriptor, from p.
func tryWrite(fd uintptr, p []byte) (int, error) {
	return try(syscall.SYS_WRITE, syscall.Write, fd, p)
}

// try makes the system call trap on fd and p: raw when p is at most
// MaxRaw bytes, else as syscall's own function call does, through the
// scheduler.
func try(trap uintptr, call func(int, []byte) (int, error), fd uintptr, p []byte) (int, error) {
	if len(p) == 0 || len(p) > MaxRaw {
		return settled(call(int(fd), p))
	}
	n, _, errno := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// settled is a call's count, 0 when it failed (syscall.Read gives -1).
func settled(n int, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Conn reads and writes one socket raw, as a net.Conn would. Its fields
// carry a call's state into the function the poller calls back, bound once
// in New, so that a call allocates nothing (a closure per call would: it
// escapes into syscall.RawConn). One Read and one Write may run at once,
// not two of either.
type Conn struct {
	rc syscall.RawConn

	rp     []byte // the Read in progress: its buffer, count and error
	rn     int
	rerr   error
	readFn func(fd uintptr) bool

	wp      []byte // the Write in progress: what is left, count and error
	wn      int
	werr    error
	writeFn func(fd uintptr) bool
}

// New returns a Conn for the socket behind rc, which must be
// non-blocking: one the net package or an *os.File registered with Go's
// poller.
func New(rc syscall.RawConn) *Conn {
	c := &Conn{rc: rc}
	c.readFn, c.writeFn = c.readFD, c.writeFD
	return c
}

// RawConn returns the descriptor c reads and writes, to wait on it
// otherwise (a peek, say).
func (c *Conn) RawConn() syscall.RawConn { return c.rc }

// Read reads into p as a net.Conn's Read does: it waits, through Go's
// poller, until at least one byte is there, within the read deadline set
// on the connection, and returns io.EOF at the end of the stream. A failed
// call's error is an *os.SyscallError; the deadline's and a closed
// connection's are the poller's (os.ErrDeadlineExceeded, net.ErrClosed).
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rp, c.rn, c.rerr = p, 0, nil
	err := c.rc.Read(c.readFn)
	n, rerr := c.rn, c.rerr
	c.rp, c.rerr = nil, nil
	switch {
	case err != nil:
		return 0, err
	case rerr != nil:
		return 0, os.NewSyscallError("read", rerr)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// readFD is Read's call back from the poller: false asks it to wait until
// the socket is readable and call again.
func (c *Conn) readFD(fd uintptr) bool {
	for {
		c.rn, c.rerr = TryRead(fd, c.rp)
		switch c.rerr {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // nothing yet
		}
		return true
	}
}

// Write writes all of p as a net.Conn's Write does, waiting through Go's
// poller while the socket is full, within the write deadline set on the
// connection. It returns how much was written and, if not all, why; errors
// are as Read's.
func (c *Conn) Write(p []byte) (int, error) {
	c.wp, c.wn, c.werr = p, 0, nil
	err := c.rc.Write(c.writeFn)
	n, werr := c.wn, c.werr
	c.wp, c.werr = nil, nil
	switch {
	case err != nil:
		return n, err
	case werr != nil:
		return n, os.NewSyscallError("write", werr)
	}
	return n, nil
}

// writeFD is Write's call back from the poller: false asks it to wait until
// the socket has room and call again.
func (c *Conn) writeFD(fd uintptr) bool {
	for c.wn < len(c.wp) {
		n, err := tryWrite(fd, c.wp[c.wn:])
		switch err {
		case nil:
			c.wn += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false // full
		default:
			c.werr = err
			return true
		}
	}
	return true
}

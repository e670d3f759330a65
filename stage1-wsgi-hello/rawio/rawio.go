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

// Read reads into p from the socket behind rc as a net.Conn's Read does:
// it waits, through Go's poller, until at least one byte is there, within
// the read deadline set on the connection, and returns io.EOF at the end
// of the stream. A failed call's error is an *os.SyscallError.
func Read(rc syscall.RawConn, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var rerr error
	err := rc.Read(func(fd uintptr) bool {
		for {
			n, rerr = TryRead(fd, p)
			switch rerr {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false // nothing yet: the poller waits, and calls again
			}
			return true
		}
	})
	switch {
	case err != nil:
		return 0, err // the deadline, or the connection closed
	case rerr != nil:
		return 0, os.NewSyscallError("read", rerr)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// Write writes all of p to the socket behind rc as a net.Conn's Write
// does, waiting through Go's poller while the socket is full, within the
// write deadline set on the connection. It returns how much was written
// and, if not all, why; a failed call's error is an *os.SyscallError.
func Write(rc syscall.RawConn, p []byte) (int, error) {
	written := 0
	var werr error
	err := rc.Write(func(fd uintptr) bool {
		for written < len(p) {
			n, e := tryWrite(fd, p[written:])
			switch e {
			case nil:
				written += n
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false // full: the poller waits until there is room
			default:
				werr = e
				return true
			}
		}
		return true
	})
	switch {
	case err != nil:
		return written, err
	case werr != nil:
		return written, os.NewSyscallError("write", werr)
	}
	return written, nil
}

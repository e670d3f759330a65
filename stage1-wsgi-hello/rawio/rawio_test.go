package rawio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// pair returns the two ends of a unix socketpair, as the net package's
// connections (registered with Go's poller, non-blocking), and the first's
// Conn.
func pair(t *testing.T) (a, b net.Conn, rc *Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	raw, err := conns[0].(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	return conns[0], conns[1], New(raw)
}

// TestReadWrite: small and large transfers, raw and not, both ways; a read
// waits for data, a write for room.
func TestReadWrite(t *testing.T) {
	for _, size := range []int{1, 200, MaxRaw, MaxRaw + 1, 4 << 20} {
		a, b, rc := pair(t)
		data := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]

		// Write: all of it, even past the socket's buffer (4 MiB), while
		// the peer reads slowly.
		got := make(chan []byte, 1)
		go func() {
			time.Sleep(20 * time.Millisecond) // the write waits first
			buf, _ := io.ReadAll(io.LimitReader(b, int64(size)))
			got <- buf
		}()
		if n, err := rc.Write(data); n != size || err != nil {
			t.Fatalf("size %d: Write = %d, %v", size, n, err)
		}
		if buf := <-got; !bytes.Equal(buf, data) {
			t.Fatalf("size %d: the peer read %d bytes, not what was written", size, len(buf))
		}

		// Read: it waits for the peer's bytes, and returns what is there.
		go func() {
			time.Sleep(20 * time.Millisecond)
			b.Write(data)
		}()
		var read []byte
		p := make([]byte, min(size, MaxRaw+1))
		for len(read) < size {
			n, err := rc.Read(p)
			if err != nil {
				t.Fatalf("size %d: Read after %d bytes: %v", size, len(read), err)
			}
			read = append(read, p[:n]...)
		}
		if !bytes.Equal(read, data) {
			t.Fatalf("size %d: read other bytes than the peer wrote", size)
		}
		a.Close()
	}
}

// TestEndsAndErrors: the end of the stream is io.EOF, a deadline is the
// poller's (os.ErrDeadlineExceeded), a write to a closed peer fails with the
// call's errno in an *os.SyscallError, and a closed connection is
// net.ErrClosed.
func TestEndsAndErrors(t *testing.T) {
	a, b, rc := pair(t)
	a.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	if _, err := rc.Read(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read past the deadline: %v, want os.ErrDeadlineExceeded", err)
	}
	a.SetReadDeadline(time.Time{})

	b.Close()
	if n, err := rc.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("Read at the end: %d, %v; want 0, io.EOF", n, err)
	}
	_, err := rc.Write([]byte("x"))
	var se *os.SyscallError
	if !errors.As(err, &se) || se.Syscall != "write" || !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Write to a closed peer: %v, want write: broken pipe", err)
	}

	a.Close()
	if _, err := rc.Read(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read on a closed connection: %v, want net.ErrClosed", err)
	}
	if _, err := rc.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write on a closed connection: %v, want net.ErrClosed", err)
	}
}

// TestTryRead: one call, which does not wait: EAGAIN when nothing is there.
func TestTryRead(t *testing.T) {
	_, b, rc := pair(t)
	var n int
	var err error
	try := func() {
		rc.rc.Read(func(fd uintptr) bool { n, err = TryRead(fd, make([]byte, 10)); return true })
	}
	if try(); err != syscall.EAGAIN {
		t.Errorf("TryRead with nothing there: %d, %v; want EAGAIN", n, err)
	}
	b.Write([]byte("hello"))
	if try(); n != 5 || err != nil {
		t.Errorf("TryRead: %d, %v; want 5, nil", n, err)
	}
	b.Close()
	if try(); n != 0 || err != nil {
		t.Errorf("TryRead at the end: %d, %v; want 0, nil", n, err)
	}
}

// TestNoAllocations: a Read or a Write through a Conn allocates nothing.
func TestNoAllocations(t *testing.T) {
	_, b, rc := pair(t)
	msg, buf := []byte("hello"), make([]byte, 16)
	go io.Copy(b, b) // echo
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := rc.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(rc, buf[:len(msg)]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("a Write and a Read allocate %v times, want 0", allocs)
	}
}

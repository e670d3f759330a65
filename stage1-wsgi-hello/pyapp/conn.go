package pyapp

import (
	"io"
	"os"
	"runtime"
	"syscall"

	"gunicorn-go/stage1-wsgi-hello/rawio"
)

// spinReads is how many times a read polls the socket, yielding between
// tries, before its goroutine parks in the netpoller, when the runner has
// one request to answer (see spinReader.spinning).
//
// Why spin: a call is a ping-pong between two processes, and on a virtual
// machine putting a thread to sleep and waking it again (an interrupt to an
// idle CPU) costs more than the whole request. If each side keeps polling for
// a few dozen microseconds, the answer is usually there before it would have
// fallen asleep. Measured on 2 vCPUs with hello.py, spinning on both sides
// served several times the calls of parking (blocking or netpoll), with
// less CPU per call (BenchmarkHelloRoundTrip measures it; bench/RESULTS.md
// has the servers' figures). A slow app costs at most spinReads polls more
// per wait.
const spinReads = 50

// spinReader reads our non-blocking end of the socketpair: it polls a few
// times (spinReads) and then parks until the runner writes. Its fields carry
// one Read's state into poll, which is bound once, so reads do not allocate.
//
// It spins only while spinning says so: when the worker has more than one
// request in flight (the server is busy, and sends requests ahead), the
// next answer is an app's whole run away, every poll of the empty socket is
// a system call that takes CPU from the runner and the clients, and a
// parked reader is woken cheaply because the master has other work. Then
// it parks at once. (bench/README.md has the figures.)
//
// Nor does it spin while answers come slower than a spin: after missSpins
// reads in a row whose spin found nothing (an app slower than the spin's
// hundred microseconds, or a runner that fell asleep between two clients'
// requests), it parks at once, and tries a spin again every retrySpin
// reads, in case answers come faster. At one client (wrk -c1) those wasted
// spins had cost the master 100 µs of CPU per request, hello's as Django's,
// CPU the runners on the same 2 cores needed.
type spinReader struct {
	spinning func() bool // nil: always
	rc       syscall.RawConn
	poll     func(fd uintptr) bool // s.pollFD, bound once

	p      []byte // the current Read's buffer
	n      int    // what the last read(2) returned
	err    error
	spins  int
	parked bool // the current Read's spin found nothing
	misses int  // reads in a row whose spin found nothing
	reads  int  // reads since the last spin was tried
}

// missSpins and retrySpin: see spinReader.
const (
	missSpins = 4
	retrySpin = 64
)

func newSpinReader(f *os.File) (*spinReader, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	s := &spinReader{rc: rc}
	s.poll = s.pollFD
	return s, nil
}

// Read reads what is there, at most len(p) bytes, waiting for at least one.
func (s *spinReader) Read(p []byte) (int, error) {
	s.p, s.spins, s.parked = p, 0, false
	switch {
	case s.spinning != nil && !s.spinning():
		s.spins = spinReads
	case s.misses >= missSpins && s.reads < retrySpin:
		s.spins = spinReads // the app is slower than a spin
		s.reads++
	default:
		s.reads = 0
	}
	spun := s.spins < spinReads
	err := s.rc.Read(s.poll)
	n, rerr := s.n, s.err
	s.p, s.err = nil, nil
	if spun {
		if s.parked {
			s.misses++
		} else {
			s.misses = 0
		}
	}
	switch {
	case err != nil:
		return 0, err
	case rerr != nil:
		return 0, rerr
	case n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return n, nil
}

// pollFD tries read(2) until it succeeds, fails, or has spun enough; false
// asks the netpoller to wait until fd is readable and call it again.
func (s *spinReader) pollFD(fd uintptr) bool {
	for {
		s.n, s.err = rawio.TryRead(fd, s.p) // raw: see package rawio
		switch {
		case s.err == syscall.EINTR:
			continue
		case s.err != syscall.EAGAIN:
			return true
		case s.spins >= spinReads:
			s.parked = true
			return false
		}
		s.spins++
		runtime.Gosched()
	}
}

package pyapp

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// TestSpinReaderStopsSpinningForSlowAnswers: a reader whose spins keep
// finding nothing (an app slower than a spin) parks at once from then on,
// tries a spin again now and then, and spins again once answers come fast.
func TestSpinReaderStopsSpinningForSlowAnswers(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.SetNonblock(fds[0], true); err != nil {
		t.Fatal(err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "ours"), os.NewFile(uintptr(fds[1]), "theirs")
	defer ours.Close()
	defer theirs.Close()
	r, err := newSpinReader(ours)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	read := func(late bool) (spun bool) {
		t.Helper()
		if late {
			go func() {
				time.Sleep(20 * time.Millisecond) // far longer than any spin
				theirs.Write([]byte("x"))
			}()
		} else if _, err := theirs.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if n, err := r.Read(buf); n != 1 || err != nil {
			t.Fatalf("Read = %d, %v", n, err)
		}
		return r.reads == 0 // a Read that spins starts the count again
	}

	for i := range missSpins {
		if !read(true) {
			t.Fatalf("late answer %d: not spun for, before %d misses", i+1, missSpins)
		}
	}
	if read(true) {
		t.Fatalf("after %d spins that found nothing, the reader still spins", missSpins)
	}
	if r.misses < missSpins {
		t.Fatalf("misses = %d after %d spins that found nothing", r.misses, missSpins+1)
	}
	for range retrySpin - 1 { // with the one above, retrySpin reads parked at once
		if read(false) {
			t.Fatal("spun again before retrySpin reads")
		}
	}
	if !read(false) {
		t.Fatalf("no spin tried after %d reads", retrySpin)
	}
	if r.misses != 0 {
		t.Fatalf("misses = %d after a spin that found its answer", r.misses)
	}
	if !read(false) {
		t.Fatal("answers come fast again, yet the reader does not spin")
	}
}

package http1

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// largeHead is a GET with n fields of size bytes each (field line without
// its CRLF), and the headers the parser should make of it.
func largeHead(n, size int) (string, []Header) {
	var b strings.Builder
	b.WriteString("GET /large HTTP/1.1\r\nHost: h\r\n")
	want := []Header{{"Host", "h"}}
	for i := range n {
		name := fmt.Sprintf("X-%d", i)
		value := strings.Repeat(string(rune('a'+i%26)), size-len(name)-2)
		fmt.Fprintf(&b, "%s: %s\r\n", name, value)
		want = append(want, Header{name, value})
	}
	return b.String() + "\r\n", want
}

// TestLargeHeads parses heads past smallHead, whose lines go into reserved
// chunks, through buffers small and large: every field must come out
// whole, the memory be reserved while the Request holds the head, and
// released when it moves on.
func TestLargeHeads(t *testing.T) {
	tests := []struct {
		name     string
		lim      Limits
		n, size  int
		reserved bool
	}{
		{"small head, nothing reserved", DefaultLimits, 20, 100, false},
		{"just past smallHead", DefaultLimits, smallHead/100 + 2, 100, true},
		{"gunicorn's limits: 99 fields of 8190 bytes", DefaultLimits, 99, 8190, true},
		{"many short fields", Limits{Fields: 20001}, 20000, 12, true},
		{"unlimited field size", Limits{Fields: 100}, 15, 60000, true},
		{"a line exactly filling chunks", Limits{Fields: 200, FieldSize: minHeadChunk/2 - 2}, 40, minHeadChunk/2 - 2, true},
	}
	for _, tt := range tests {
		for _, size := range []int{16, 4096} {
			t.Run(fmt.Sprintf("%s/buffer %d", tt.name, size), func(t *testing.T) {
				mem := NewHeadMemory(64 << 20)
				lim := tt.lim
				lim.Memory = mem
				in, want := largeHead(tt.n, tt.size)
				br := bufio.NewReaderSize(strings.NewReader(in+"GET /next HTTP/1.1\r\nHost: h\r\n\r\n"), size)
				var req Request
				if err := ReadRequest(br, lim, &req); err != nil {
					t.Fatalf("ReadRequest = %v", err)
				}
				if diff := cmp.Diff(want, req.Headers); diff != "" {
					t.Fatalf("headers (-want +got):\n%s", diff)
				}
				if req.Path != "/large" {
					t.Errorf("path %q", req.Path)
				}
				held := mem.InUse()
				if (held > 0) != tt.reserved || held > 2*int64(len(in))+2*maxHeadChunk {
					t.Errorf("%d bytes reserved for a head of %d", held, len(in))
				}
				headers := append([]Header(nil), req.Headers...) // the strings, not the reused slice
				if err := ReadRequest(br, lim, &req); err != nil || req.Path != "/next" {
					t.Fatalf("next request: %v, %q", err, req.Path)
				}
				if n := mem.InUse(); n != 0 {
					t.Errorf("%d bytes still reserved after the next request", n)
				}
				if diff := cmp.Diff(want, headers); diff != "" {
					t.Errorf("the first head's strings changed (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestLargeHeadLimits: the limits hold for the lines kept in chunks as for
// the others.
func TestLargeHeadLimits(t *testing.T) {
	long := strings.Repeat("X-Fill: "+strings.Repeat("v", 8000)+"\r\n", 5)
	tests := []struct {
		name   string
		in     string
		status int
	}{
		{"field too long in a chunk", "GET / HTTP/1.1\r\nHost: h\r\n" + long + "X: " + strings.Repeat("v", 8190) + "\r\n\r\n", 431},
		{"too many fields in a chunk", "GET / HTTP/1.1\r\nHost: h\r\n" + long + strings.Repeat("X: v\r\n", 95) + "\r\n", 431},
		{"bare LF in a chunk", "GET / HTTP/1.1\r\nHost: h\r\n" + long + "X: v\n\r\n", 400},
		{"bare LF ending a large head", "GET / HTTP/1.1\r\nHost: h\r\n" + long + "\n", 400},
		{"obs-fold in a chunk", "GET / HTTP/1.1\r\nHost: h\r\n" + long + "X: v\r\n w\r\n\r\n", 400},
		{"second Host in a chunk", "GET / HTTP/1.1\r\nHost: h\r\n" + long + "Host: i\r\n\r\n", 400},
	}
	for _, tt := range tests {
		for _, size := range []int{16, 4096} {
			t.Run(fmt.Sprintf("%s/buffer %d", tt.name, size), func(t *testing.T) {
				_, err := readOne(t, tt.in, DefaultLimits, size)
				if got := statusOf(err); got != tt.status {
					t.Errorf("ReadRequest = %v, want status %d", err, tt.status)
				}
			})
		}
	}
	t.Run("end of input in a large head", func(t *testing.T) {
		for _, cut := range []string{"", "\r", "X: v"} {
			_, err := readOne(t, "GET / HTTP/1.1\r\nHost: h\r\n"+long+cut, DefaultLimits, 4096)
			if err != io.ErrUnexpectedEOF {
				t.Errorf("cut after %q: %v, want io.ErrUnexpectedEOF", cut, err)
			}
		}
	})
}

// TestHeadMemorySpent: with the budget spent, a large head is refused at
// once by ReadRequest, waits in ReadRequestUntil until memory comes back,
// and is refused with 503 when its deadline passes first. Small heads are
// never held up.
func TestHeadMemorySpent(t *testing.T) {
	in, _ := largeHead(12, 1000) // about 12 KB
	const small = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
	read := func(lim Limits, req *Request, raw string, deadline time.Time) error {
		return ReadRequestUntil(bufio.NewReader(strings.NewReader(raw)), lim, req, deadline)
	}
	// Past smallHead, at most 5 more lines of 1002 bytes: one chunk of
	// minHeadChunk, the whole budget.
	lim := Limits{Fields: 14, FieldSize: 1000, Memory: NewHeadMemory(minHeadChunk)}
	var first Request
	if err := read(lim, &first, in, time.Time{}); err != nil {
		t.Fatalf("first head: %v", err)
	}

	t.Run("no deadline: 503 at once", func(t *testing.T) {
		var req Request
		err := read(lim, &req, in, time.Time{})
		if statusOf(err) != 503 {
			t.Fatalf("second head: %v, want a 503", err)
		}
		req.Release()
	})
	t.Run("small heads pass", func(t *testing.T) {
		var req Request
		if err := read(lim, &req, small, time.Time{}); err != nil {
			t.Fatalf("small head: %v", err)
		}
	})
	t.Run("deadline passes: 503", func(t *testing.T) {
		var req Request
		err := read(lim, &req, in, time.Now().Add(50*time.Millisecond))
		if statusOf(err) != 503 {
			t.Fatalf("second head: %v, want a 503", err)
		}
		req.Release()
		if n := lim.Memory.Waiting(); n != 0 {
			t.Errorf("%d reservations still waiting", n)
		}
	})
	t.Run("memory comes back: served", func(t *testing.T) {
		done := make(chan error, 1)
		var req Request
		go func() { done <- read(lim, &req, in, time.Now().Add(time.Minute)) }()
		for lim.Memory.Waiting() == 0 {
			time.Sleep(time.Millisecond) // until the second head waits
		}
		first.Release()
		if err := <-done; err != nil {
			t.Fatalf("second head: %v", err)
		}
		if lim.Memory.InUse() == 0 {
			t.Error("the second head holds no memory")
		}
		req.Release()
		if n := lim.Memory.InUse(); n != 0 {
			t.Errorf("%d bytes reserved after both released", n)
		}
	})
}

// TestHeadMemoryOrder: waiting reservations are served first come, first
// served, and one whose deadline passes lets the next go.
func TestHeadMemoryOrder(t *testing.T) {
	m := NewHeadMemory(10)
	if err := m.reserve(10, time.Time{}); err != nil {
		t.Fatal(err)
	}
	order := make(chan int, 3)
	start := func(i int, n int64, wait time.Duration) {
		waiting := m.Waiting()
		go func() {
			if err := m.reserve(n, time.Now().Add(wait)); err == nil {
				order <- i
			} else {
				order <- -i
			}
		}()
		for m.Waiting() == waiting {
			time.Sleep(time.Millisecond)
		}
	}
	start(1, 8, time.Minute)
	start(2, 8, time.Minute)
	start(3, 2, time.Minute) // fits beside 1, but comes after 2
	m.release(10)
	if got := <-order; got != 1 {
		t.Fatalf("first served: %d, want 1", got)
	}
	select {
	case got := <-order:
		t.Fatalf("%d served while 2 waits", got)
	case <-time.After(20 * time.Millisecond):
	}
	m.release(8)
	if a, b := <-order, <-order; a+b != 5 {
		t.Fatalf("then %d and %d, want 2 and 3", a, b)
	}
	if m.InUse() != 10 {
		t.Errorf("in use %d, want 10", m.InUse())
	}
}

// TestHeadMemoryNoDeadlock: many large heads arriving slowly at once, with
// a budget for a few. Were memory reserved a chunk at a time as lines
// arrive, every head could hold part of the budget and wait for the rest,
// none finishing: the whole head's worst case is reserved at once instead,
// so those waiting hold nothing, and every head is read in turn.
func TestHeadMemoryNoDeadlock(t *testing.T) {
	const heads = 20
	lim := Limits{Fields: 200, FieldSize: 1000, Memory: NewHeadMemory(1 << 20)}
	in, want := largeHead(150, 1000)
	errs := make(chan error, heads)
	for range heads {
		pr, pw := io.Pipe()
		go func() { // the client, a line at a time
			for rest := in; rest != ""; {
				n := min(1002, len(rest))
				if _, err := io.WriteString(pw, rest[:n]); err != nil {
					return
				}
				rest = rest[n:]
			}
			pw.Close()
		}()
		go func() { // the server
			defer pr.Close()
			var req Request
			err := ReadRequestUntil(bufio.NewReaderSize(pr, 16), lim, &req, time.Now().Add(time.Minute))
			if err == nil && len(req.Headers) != len(want) {
				err = fmt.Errorf("%d headers, want %d", len(req.Headers), len(want))
			}
			req.Release()
			errs <- err
		}()
	}
	for i := range heads {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatalf("head %d: %v", i, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%d heads read, %d stuck: %d bytes in use, %d waiting", i, heads-i, lim.Memory.InUse(), lim.Memory.Waiting())
		}
	}
	if n := lim.Memory.InUse(); n != 0 {
		t.Errorf("%d bytes in use after all heads", n)
	}
}

// TestHeadReservationTrimmed: while a large head is read it holds the
// most it may need; once it is in, only what its chunks take.
func TestHeadReservationTrimmed(t *testing.T) {
	lim := Limits{Fields: 100, FieldSize: 8190, Memory: NewHeadMemory(64 << 20)}
	in, _ := largeHead(20, 1000) // 20 KB; the limits allow 800 KB
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	var req Request
	go func() { done <- ReadRequest(bufio.NewReader(pr), lim, &req) }()
	cut := len(in) - 1500 // past smallHead, before the end
	if _, err := io.WriteString(pw, in[:cut]); err != nil {
		t.Fatal(err)
	}
	for lim.Memory.InUse() == 0 {
		time.Sleep(time.Millisecond)
	}
	reading := lim.Memory.InUse()
	if _, err := io.WriteString(pw, in[cut:]); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	read := lim.Memory.InUse()
	if reading < 800<<10 || read > 64<<10 {
		t.Errorf("reserved %d KiB while reading, %d KiB once read; want the most the limits allow (800 KiB or more), then about the 12 KiB past smallHead", reading>>10, read>>10)
	}
	req.Release()
	if n := lim.Memory.InUse(); n != 0 {
		t.Errorf("%d bytes reserved after Release", n)
	}
}

// TestHeadReservationSuffices: whatever the lengths of the lines, the
// chunks of a head never need more than was reserved for it (chunksFor's
// bound), up to the limits and one line past them.
func TestHeadReservationSuffices(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		fieldSize := []int{100, 1000, 8190, 0}[round%4]
		lim := Limits{Fields: 50 + rng.IntN(400), FieldSize: fieldSize, Memory: NewHeadMemory(64 << 20)}
		longest := lineMax(fieldSize)
		var b strings.Builder
		b.WriteString("GET / HTTP/1.1\r\nHost: h\r\n")
		for i := 0; i <= lim.Fields && b.Len() <= maxHeadBytes+longest; i++ {
			n := 4 + rng.IntN(longest-3)
			if rng.IntN(4) == 0 {
				n = longest // many at the limit, the worst for chunk waste
			}
			name := fmt.Sprintf("X-%d: ", i)
			b.WriteString(name + strings.Repeat("v", max(0, n-len(name))) + "\r\n")
		}
		b.WriteString("\r\n")
		var req Request
		err := ReadRequest(bufio.NewReader(strings.NewReader(b.String())), lim, &req)
		if err != nil && statusOf(err) != 431 {
			t.Fatalf("round %d, limits %+v: %v", round, lim, err)
		}
		req.Release()
	}
}

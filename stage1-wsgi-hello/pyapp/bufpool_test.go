package pyapp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// TestBigBuffers: a chunk's buffer comes from the smallest class that holds
// it, goes back to that class and is handed out again; what the classes do
// not hold is left to the collector.
func TestBigBuffers(t *testing.T) {
	for _, tt := range []struct{ n, cap int }{
		{bigPoolMin, bigPoolMin},
		{bigPoolMin + 1, 64 << 10},
		{readBufferSize, readBufferSize},
		{readBufferSize + 1, 128 << 10},
		{128 << 10, 128 << 10},
		{128<<10 + 1, 256 << 10},
		{1 << 20, 1 << 20},
		{bigPoolMax, bigPoolMax},
		{bigPoolMax + 1, bigPoolMax + 1},
	} {
		b := getBig(tt.n)
		if len(b) != tt.n || cap(b) != tt.cap {
			t.Errorf("getBig(%d): len %d, cap %d; want len %d, cap %d", tt.n, len(b), cap(b), tt.n, tt.cap)
		}
	}
	// sync.Pool may drop what it holds at any time (a collection): try a
	// few times for the buffer to come back.
	for range 10 {
		b := getBig(300 << 10)
		b[0] = 'x'
		putBig(b)
		if again := getBig(400 << 10); cap(again) == 512<<10 && again[0] == 'x' {
			return
		}
	}
	t.Error("a buffer given back to its class never came out of it again")
}

// TestBigChunksReused: chunks of 32 KiB and more come in pooled buffers
// that go back to their pool once the server asks for the next chunk (those
// larger than the reader's buffer read into them, the others copied); several
// responses at once, each chunk checked whole before the next is asked for
// (as wsgi.Body allows), find every byte as the app sent it.
func TestBigChunksReused(t *testing.T) {
	t.Parallel()
	app := load(t, "apps:router", Options{Threads: 4})
	// More than a response's window in all (ResponseMemory, 1 MiB): the
	// runner is granted room, and the reader fills buffers, while the
	// client reads.
	for _, tt := range []struct{ chunks, kib int }{{12, 300}, {40, 48}} {
		t.Run(fmt.Sprintf("%d KiB", tt.kib), func(t *testing.T) { checkLettered(t, app, tt.chunks, tt.kib) })
	}
}

// checkLettered reads 4 answers of apps:lettered at once, chunks of kib KiB,
// as a slow client would, and checks every byte.
func checkLettered(t *testing.T, app wsgi.App, chunks, kib int) {
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			body, err := app.Call(request("GET", fmt.Sprintf("/lettered?%d&%d", chunks, kib), nil),
				func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil })
			if err != nil {
				errs <- err
				return
			}
			defer body.Close()
			size := kib << 10
			off := 0 // bytes taken so far: byte off is of chunk off/size
			for {
				chunk, err := body.Next()
				if errors.Is(err, io.EOF) {
					if off != chunks*size {
						err = fmt.Errorf("%d bytes, want %d", off, chunks*size)
					} else {
						err = nil
					}
					errs <- err
					return
				}
				if err != nil {
					errs <- err
					return
				}
				// A client that takes its time: the runner is granted room for
				// more meanwhile, and the reader reads it into a buffer from
				// the pool, which must not be this one.
				time.Sleep(time.Millisecond)
				// The flow-control window may cut the app's chunks anywhere.
				for len(chunk) > 0 {
					n := min(len(chunk), size-off%size)
					want := byte('a' + off/size%26)
					if bytes.Count(chunk[:n], []byte{want}) != n {
						errs <- fmt.Errorf("bytes %d to %d: not all %q", off, off+n, want)
						return
					}
					chunk, off = chunk[n:], off+n
				}
			}
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

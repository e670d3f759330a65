package pyapp

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"time"
)

// dumpPipe collects what a runner writes to fd 4: the traceback of each of
// its threads, on dumpSignal (runner.py's dump_tracebacks). A goroutine
// reads the pipe as it fills, so the runner never blocks on it.
type dumpPipe struct {
	r *os.File

	mu   sync.Mutex
	buf  bytes.Buffer // guarded by mu: everything read so far
	grew chan struct{}
}

// newDumpPipe returns the pipe and the end to give the runner.
func newDumpPipe() (*dumpPipe, *os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("traceback pipe: %w", err)
	}
	d := &dumpPipe{r: r, grew: make(chan struct{}, 1)}
	go d.collect()
	return d, w, nil
}

func (d *dumpPipe) collect() {
	p := make([]byte, 4096)
	for {
		n, err := d.r.Read(p)
		if n > 0 {
			d.mu.Lock()
			if d.buf.Len() < 1<<20 { // a runner cannot make us hold more
				d.buf.Write(p[:n])
			}
			d.mu.Unlock()
			select {
			case d.grew <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// mark returns the position what a dump writes from now on will start at.
func (d *dumpPipe) mark() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.Len()
}

// dumpQuiet is how long the pipe must stay silent after the first bytes of a
// dump for the dump to be taken as complete: it comes in one burst, with no
// end marker.
const dumpQuiet = 100 * time.Millisecond

// since waits up to wait for a dump to be written after mark, and returns it:
// it is complete once the pipe has stayed quiet for dumpQuiet after it began.
func (d *dumpPipe) since(mark int, wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		d.mu.Lock()
		begun := d.buf.Len() > mark
		d.mu.Unlock()
		pause := time.Until(deadline)
		if begun {
			pause = min(pause, dumpQuiet)
		}
		if pause <= 0 {
			break
		}
		t := time.NewTimer(pause)
		select {
		case <-d.grew:
			t.Stop()
			continue
		case <-t.C:
		}
		if begun {
			break
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return string(d.buf.Bytes()[mark:])
}

// Close closes our end; the collecting goroutine ends.
func (d *dumpPipe) Close() { d.r.Close() }

package pyapp

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dumpPipe collects what a runner's faulthandler writes to fd 4: the
// traceback of each of its threads, on dumpSignal. A goroutine reads the
// pipe as it fills, so the runner never blocks on it.
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
// dump for the dump to be taken as complete: faulthandler writes it in one
// burst, and has no end marker.
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

// frameLine is a faulthandler frame: `  File "/app/views.py", line 12 in slow`.
var frameLine = regexp.MustCompile(`^\s+File "([^"]+)", line (\d+) in `)

// annotateTraceback adds, below each frame of a faulthandler dump, the
// source line it names, as Python's own tracebacks show it: faulthandler
// runs in a signal handler and reads no files, but the operator wants to see
// the line the app was stuck on.
func annotateTraceback(dump string) string {
	var b strings.Builder
	files := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(dump))
	for sc.Scan() {
		line := sc.Text()
		b.WriteString(line)
		b.WriteByte('\n')
		m := frameLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		lines, ok := files[m[1]]
		if !ok {
			if data, err := os.ReadFile(m[1]); err == nil && len(data) < 8<<20 {
				lines = strings.Split(string(data), "\n")
			}
			files[m[1]] = lines
		}
		if n, _ := strconv.Atoi(m[2]); n >= 1 && n <= len(lines) {
			if src := strings.TrimSpace(lines[n-1]); src != "" {
				b.WriteString("    " + src + "\n")
			}
		}
	}
	return b.String()
}

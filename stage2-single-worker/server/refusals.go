package server

import (
	"sync"
	"time"

	"gunicorn-go/stage2-single-worker/logging"
)

// Refused requests are logged, each with its client's address and what was
// wrong, which is what an operator needs to find a broken client or proxy.
// But a client can send thousands of malformed requests a second, and a log
// line each would fill the disk and bury everything else. So at most
// refusalBurst lines are written per refusalWindow; the rest are counted,
// and one line says how many were left out, when the window ends. Every
// client still gets its 4xx, and the access log (when on) still has a line
// for each.
const (
	refusalBurst  = 20
	refusalWindow = 10 * time.Second
)

// refusalLog writes the error log's lines for refused requests, at most
// refusalBurst per refusalWindow. Its zero value is ready to use.
type refusalLog struct {
	mu      sync.Mutex
	start   time.Time // when the current window began
	written int       // lines written in the window
	left    int       // lines left out in the window
	summary *time.Timer
}

// logf writes the line at level unless the window's lines are used up.
func (r *refusalLog) logf(elog *logging.ErrorLog, level logging.Level, format string, args ...any) {
	if !elog.Enabled(level) {
		return // a line the log level drops uses none of the burst
	}
	now := time.Now()
	r.mu.Lock()
	if r.start.IsZero() || now.Sub(r.start) >= refusalWindow {
		r.start, r.written = now, 0
	}
	if r.written >= refusalBurst {
		r.left++
		if r.summary == nil {
			r.summary = time.AfterFunc(refusalWindow-now.Sub(r.start), func() { r.summarize(elog) })
		}
		r.mu.Unlock()
		return
	}
	r.written++
	r.mu.Unlock()
	elog.Logf(level, format, args...)
}

// summarize says how many lines the window that just ended left out.
func (r *refusalLog) summarize(elog *logging.ErrorLog) {
	r.mu.Lock()
	left := r.left
	r.left, r.summary = 0, nil
	r.mu.Unlock()
	if left > 0 {
		elog.Logf(logging.Error, "%d more lines about refused requests and connections were not logged in the last %v (at most %d are written per %v)",
			left, refusalWindow, refusalBurst, refusalWindow)
	}
}

// flush writes the summary now, if lines were left out: the server is
// stopping, and its log would otherwise lose the count.
func (r *refusalLog) flush(elog *logging.ErrorLog) {
	r.mu.Lock()
	t := r.summary
	r.mu.Unlock()
	if t != nil && t.Stop() {
		r.summarize(elog)
	}
}

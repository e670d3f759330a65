package logging

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Level is a log level, ordered from the most verbose.
type Level int

// The levels gunicorn knows, by its --log-level names.
const (
	Debug Level = iota
	Info
	Warning
	Error
	Critical
)

var levelNames = [...]string{"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}

// String returns the level as it appears in a log line: "INFO".
func (l Level) String() string {
	if l < Debug || l > Critical {
		return fmt.Sprintf("LEVEL(%d)", int(l))
	}
	return levelNames[l]
}

// ParseLevel turns a --log-level name (any case) into a Level.
func ParseLevel(name string) (Level, error) {
	for i, n := range levelNames {
		if strings.EqualFold(n, name) {
			return Level(i), nil
		}
	}
	return Info, fmt.Errorf("log level %q: expected one of debug, info, warning, error, critical", name)
}

// ErrorLog is gunicorn's error log. The zero value is not usable: make one with
// NewErrorLog. Its methods are safe for concurrent use.
type ErrorLog struct {
	level Level
	pid   int
	out   *Output
}

// NewErrorLog returns an error log writing lines at level and above to out.
func NewErrorLog(out *Output, level Level) *ErrorLog {
	return &ErrorLog{level: level, pid: os.Getpid(), out: out}
}

// Enabled reports whether messages at level l are written.
func (e *ErrorLog) Enabled(l Level) bool { return l >= e.level }

// Logf writes one message at level l. A message of several lines (a
// traceback) is written as they are, after the first line's prefix.
func (e *ErrorLog) Logf(l Level, format string, args ...any) {
	if !e.Enabled(l) {
		return
	}
	msg := fmt.Sprintf(format, args...)
	msg = strings.TrimRight(msg, "\n")
	line := fmt.Sprintf("[%s] [%d] [%s] %s\n", time.Now().Format("2006-01-02 15:04:05 -0700"), e.pid, l, msg)
	e.out.WriteLine([]byte(line))
}

// Debugf logs at DEBUG.
func (e *ErrorLog) Debugf(format string, args ...any) { e.Logf(Debug, format, args...) }

// Infof logs at INFO.
func (e *ErrorLog) Infof(format string, args ...any) { e.Logf(Info, format, args...) }

// Warnf logs at WARNING.
func (e *ErrorLog) Warnf(format string, args ...any) { e.Logf(Warning, format, args...) }

// Errorf logs at ERROR.
func (e *ErrorLog) Errorf(format string, args ...any) { e.Logf(Error, format, args...) }

// Criticalf logs at CRITICAL.
func (e *ErrorLog) Criticalf(format string, args ...any) { e.Logf(Critical, format, args...) }

// Stream returns an io.Writer that puts text in the error log as it is, with
// no log line's prefix, whatever the level: what an app writes to
// wsgi.errors and, with capture_output, to its stdout and stderr, which
// gunicorn passes on unchanged. An app's own logging carries its own
// timestamps and levels; a second prefix would only garble it, and stamping
// each print as ERROR would set off alerts. Each Write reaches the log whole.
func (e *ErrorLog) Stream() io.Writer { return streamWriter{e.out} }

type streamWriter struct{ out *Output }

func (w streamWriter) Write(p []byte) (int, error) {
	w.out.WriteLine(p)
	return len(p), nil
}

// Output is where a log goes: stdout, stderr or a file that can be reopened.
type Output struct {
	mu   sync.Mutex // guards w and f
	name string     // "-" for stdout/stderr, else the file's path
	w    io.Writer
	f    *os.File // the open file when name is a path
}

// OpenOutput opens a log destination. name "-" means std (os.Stdout for the
// access log, os.Stderr for the error log); anything else is a file opened for
// appending and created if needed.
func OpenOutput(name string, std io.Writer) (*Output, error) {
	o := &Output{name: name, w: std}
	if name == "-" || name == "" {
		return o, nil
	}
	if err := o.Reopen(); err != nil {
		return nil, err
	}
	return o, nil
}

// NewOutput wraps any writer (tests use a buffer).
func NewOutput(w io.Writer) *Output { return &Output{name: "-", w: w} }

// Reopen closes and reopens a log file, after logrotate has moved it away. It
// does nothing for stdout and stderr.
func (o *Output) Reopen() error {
	if o.name == "-" || o.name == "" {
		return nil
	}
	f, err := os.OpenFile(o.name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open log file: %w", err)
	}
	o.mu.Lock()
	old := o.f
	o.f, o.w = f, f
	o.mu.Unlock()
	if old != nil {
		if err := old.Close(); err != nil {
			return fmt.Errorf("close the old log file: %w", err)
		}
	}
	return nil
}

// WriteLine writes one complete line with a single Write call.
func (o *Output) WriteLine(line []byte) {
	o.mu.Lock()
	// A log that cannot be written has nowhere to report its own failure.
	_, _ = o.w.Write(line)
	o.mu.Unlock()
}

// Close closes the file, if any.
func (o *Output) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f != nil {
		err := o.f.Close()
		o.f = nil
		return err
	}
	return nil
}

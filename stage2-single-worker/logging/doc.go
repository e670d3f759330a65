// Package logging writes gunicorn's two logs, in gunicorn's formats, so that an
// operator's log parsers, dashboards and grep habits keep working.
//
// The error log is the server's own voice: start-up, signals, app tracebacks.
// Each line is
//
//	[2026-11-27 10:40:28 +0000] [5102] [INFO] Listening at: http://127.0.0.1:8000 (5102)
//
// a timestamp, the pid, the level and the message. Messages below the
// configured level (debug < info < warning < error < critical) are dropped.
//
// The access log has one line per request, built from a format string of
// gunicorn's "atoms": %(h)s is the remote address, %(r)s the request line,
// %(s)s the status and so on (see DefaultAccessFormat). It is off unless a file is
// named, because writing a line per request costs throughput.
//
// Both logs write whole lines with one Write call under a mutex, so lines
// from concurrent connections never interleave, and both can be reopened
// (stage 4 does so on USR1, for logrotate).
package logging

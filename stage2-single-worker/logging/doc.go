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
// named, because writing a line per request costs throughput. The default
// format gives Apache's "combined" lines,
//
//	10.0.0.7 - alice [27/Nov/2026:10:40:29 +0100] "GET /a?x=1 HTTP/1.1" 200 26 "-" "curl/8.0"
//
// which goaccess, fail2ban and grok's COMBINEDAPACHELOG read. For them to
// read gunicorn-go's log as they read gunicorn's, every atom is written byte
// for byte as gunicorn writes it:
//
//   - A '"' in a value is written \", so a quoted field cannot be closed
//     early by a user agent; nothing else is escaped, not even a backslash.
//   - A byte above 0x7F is written as the UTF-8 of its ISO-8859-1 character,
//     because gunicorn's values are WSGI strings, one character per byte, and
//     its log file is UTF-8: raw UTF-8 in a target comes out doubly encoded,
//     and the file is valid UTF-8 whatever the client sent.
//   - A missing value is "-"; a value that is there but empty is "".
//   - %(b)s is the body's byte count, 0 when it is empty (not CLF's "-"), the
//     same as %(B)s; HEAD, 204 and 304 send none, so they log 0.
//   - %(u)s is the user of an "Authorization: Basic" header, decoded by
//     Python's rules (BasicAuthUser).
//   - %(T)s, %(D)s, %(M)s and %(L)s are the duration in seconds,
//     microseconds, milliseconds and decimal seconds, each truncated.
//   - %(t)s is when the line is written, [27/Nov/2026:10:40:29 +0100];
//     %(p)s the pid, <5102>.
//   - %({name}i)s, %({name}o)s and %({key}e)s are a request header (the last
//     one, when repeated), a response header and a WSGI environ variable,
//     named in any case. As in gunicorn, the response headers are the app's,
//     without the hop-by-hop ones and the Server and Date the server adds.
//
// One deliberate difference: a control character in the user name (which
// base64 can smuggle in, unlike any other atom) is written \xHH rather than
// raw, so that no client can forge a second line.
//
// Both logs write whole lines with one Write call under a mutex, so lines
// from concurrent connections never interleave, and both can be reopened
// (stage 4 does so on USR1, for logrotate).
package logging

package logging

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultAccessFormat is gunicorn's default access_log_format.
const DefaultAccessFormat = `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`

// Record is what the access log knows about one finished request.
//
// Its strings are bytes as the client sent them (or as the app gave them,
// for response headers), which the log writes as ISO-8859-1 text, the way
// WSGI's strings carry them (see the package doc).
type Record struct {
	RemoteAddr string // REMOTE_ADDR, written as it is: "" for a nameless unix socket client
	Method     string
	RawURI     string // the request-target as sent
	Path       string // PATH_INFO
	Query      string // QUERY_STRING
	Proto      string // "HTTP/1.1"
	Status     int
	BodyBytes  int64 // response body bytes put on the wire: 0 for HEAD, 204, 304 and empty bodies
	Start      time.Time
	Duration   time.Duration

	// The lookups behind %({name}i)s, %({name}o)s and %({key}e)s, by name
	// in any case. ok is false when there is no such header or variable
	// (written "-"); an empty value that is there is written as "". A
	// repeated header gives its last value, as in gunicorn; in the environ
	// repeated headers are already joined with ",". A nil func finds nothing.
	ReqHeader  func(name string) (value string, ok bool)
	RespHeader func(name string) (value string, ok bool)
	Environ    func(key string) (value string, ok bool)
}

// AccessLog is gunicorn's access log. Its methods are safe for concurrent use.
type AccessLog struct {
	out   *Output
	atoms []atom
	pid   string
}

// atom is one piece of a format: a literal, or a placeholder to fill.
type atom struct {
	literal string // the text itself, when name is ""
	name    string // "h", "r", "{user-agent}i"…
	key     string // for {KEY}i, {KEY}o and {KEY}e: KEY
	from    byte   // for those: 'i', 'o' or 'e'; else 0
}

// NewAccessLog returns an access log writing to out in gunicorn's format
// syntax: %(NAME)s placeholders, with %% for a percent sign. Unknown names
// are written as "-", as gunicorn does. A format Python could not apply
// (a bare %, %(h)d) is an error here, where gunicorn would log a traceback
// for every request instead of a line.
func NewAccessLog(out *Output, format string) (*AccessLog, error) {
	atoms, err := parseFormat(format)
	if err != nil {
		return nil, err
	}
	return &AccessLog{out: out, atoms: atoms, pid: "<" + strconv.Itoa(os.Getpid()) + ">"}, nil
}

func parseFormat(format string) ([]atom, error) {
	var atoms []atom
	var lit strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			lit.WriteByte(c)
			continue
		}
		if i+1 < len(format) && format[i+1] == '%' {
			lit.WriteByte('%')
			i++
			continue
		}
		if i+1 >= len(format) || format[i+1] != '(' {
			return nil, fmt.Errorf("access log format %q: '%%' at %d must start %%(name)s or be %%%%", format, i)
		}
		end := strings.Index(format[i:], ")s")
		if end < 0 {
			return nil, fmt.Errorf("access log format %q: unclosed %%( at %d", format, i)
		}
		if lit.Len() > 0 {
			atoms = append(atoms, atom{literal: lit.String()})
			lit.Reset()
		}
		atoms = append(atoms, newAtom(format[i+2:i+end]))
		i += end + 1
	}
	if lit.Len() > 0 {
		atoms = append(atoms, atom{literal: lit.String()})
	}
	return atoms, nil
}

func newAtom(name string) atom {
	a := atom{name: name}
	if n := len(name); n > 3 && name[0] == '{' && name[n-2] == '}' {
		switch name[n-1] {
		case 'i', 'o', 'e':
			a.key, a.from = name[1:n-2], name[n-1]
		}
	}
	return a
}

// lines recycles the buffers lines are built in: one log line per request
// should not cost an allocation per request.
var lines = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Log writes one line for r.
func (a *AccessLog) Log(r *Record) {
	bp := lines.Get().(*[]byte)
	buf := (*bp)[:0]
	for i := range a.atoms {
		at := &a.atoms[i]
		if at.name == "" {
			buf = append(buf, at.literal...)
			continue
		}
		buf = a.appendAtom(buf, at, r)
	}
	buf = append(buf, '\n')
	a.out.WriteLine(buf)
	if cap(buf) <= 64<<10 { // a freak line's buffer is left to the collector
		*bp = buf
		lines.Put(bp)
	}
}

// appendAtom appends the text of one placeholder, as gunicorn's access log
// writes it: what the request carried, with '"' escaped (appendWire); "-"
// for what is missing.
func (a *AccessLog) appendAtom(buf []byte, at *atom, r *Record) []byte {
	switch at.name {
	case "h":
		return appendWire(buf, r.RemoteAddr)
	case "l":
		return append(buf, '-')
	case "u":
		// gunicorn reads the user from HTTP_AUTHORIZATION, its values joined.
		var scratch [64]byte
		if user, ok := appendBasicAuthUser(scratch[:0], lookup(r.Environ, "HTTP_AUTHORIZATION")); ok && len(user) > 0 {
			return appendUser(buf, user)
		}
		return append(buf, '-')
	case "t":
		// When the request ended, as gunicorn logs it, so that lines are in
		// the order they are written.
		buf = append(buf, '[')
		buf = r.Start.Add(r.Duration).AppendFormat(buf, "02/Jan/2006:15:04:05 -0700")
		return append(buf, ']')
	case "r":
		buf = appendWire(buf, r.Method)
		buf = append(buf, ' ')
		buf = appendWire(buf, r.RawURI)
		buf = append(buf, ' ')
		return appendWire(buf, r.Proto)
	case "s":
		return strconv.AppendInt(buf, int64(r.Status), 10)
	case "m":
		return appendWire(buf, r.Method)
	case "U":
		return appendWire(buf, r.Path)
	case "q":
		return appendWire(buf, r.Query)
	case "H":
		return appendWire(buf, r.Proto)
	case "b", "B":
		// The same in gunicorn: its "-" for b is for a response that kept no
		// count, and every response it serves counts from 0. An empty body
		// is 0, not CLF's "-".
		return strconv.AppendInt(buf, r.BodyBytes, 10)
	case "f":
		return appendFound(buf, r.Environ, "HTTP_REFERER")
	case "a":
		return appendFound(buf, r.Environ, "HTTP_USER_AGENT")
	case "T", "D", "M", "L":
		// gunicorn's duration is a Python timedelta, whole microseconds;
		// each unit truncates it, and L prints it in decimal, not through
		// a float, so all four agree.
		us := r.Duration.Microseconds()
		switch at.name {
		case "T":
			return strconv.AppendInt(buf, us/1e6, 10)
		case "D":
			return strconv.AppendInt(buf, us, 10)
		case "M":
			return strconv.AppendInt(buf, us/1e3, 10)
		}
		buf = strconv.AppendInt(buf, us/1e6, 10)
		buf = append(buf, '.')
		for div := int64(1e5); div > 0; div /= 10 { // six digits, zero-padded
			buf = append(buf, byte('0'+us/div%10))
		}
		return buf
	case "p":
		return append(buf, a.pid...)
	}
	switch at.from {
	case 'i':
		return appendFound(buf, r.ReqHeader, at.key)
	case 'o':
		return appendFound(buf, r.RespHeader, at.key)
	case 'e':
		return appendFound(buf, r.Environ, at.key)
	}
	return append(buf, '-') // an unknown atom, as in gunicorn
}

// appendFound appends what get finds for name, "-" when it finds nothing.
func appendFound(buf []byte, get func(string) (string, bool), name string) []byte {
	if get == nil {
		return append(buf, '-')
	}
	v, ok := get(name)
	if !ok {
		return append(buf, '-')
	}
	return appendWire(buf, v)
}

// lookup returns what get finds for name, "" when it finds nothing.
func lookup(get func(string) (string, bool), name string) string {
	if get == nil {
		return ""
	}
	v, _ := get(name)
	return v
}

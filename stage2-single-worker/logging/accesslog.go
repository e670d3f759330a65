package logging

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultAccessFormat is gunicorn's default access_log_format.
const DefaultAccessFormat = `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`

// Record is what the access log knows about one finished request.
type Record struct {
	RemoteAddr string
	Method     string
	RawURI     string // the request-target as sent
	Path       string // PATH_INFO
	Query      string
	Proto      string // "HTTP/1.1"
	Status     int
	BodyBytes  int64 // response body bytes sent
	Start      time.Time
	Duration   time.Duration
	User       string                   // from basic auth, or ""
	ReqHeader  func(name string) string // request header by name, any case
	RespHeader func(name string) string // response header by name, any case
	Environ    func(key string) string  // WSGI environ variable, any case, for %({KEY}e)s
}

// AccessLog is gunicorn's access log. Its methods are safe for concurrent use.
type AccessLog struct {
	out   *Output
	atoms []atom
	pid   string
}

type atom struct {
	literal string
	name    string // "" for a literal; "h", "r", "{user-agent}i"…
}

// NewAccessLog returns an access log writing to out in gunicorn's format
// syntax: %(NAME)s placeholders, with %% for a percent sign. Unknown names
// are written as "-", as gunicorn does.
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
		atoms = append(atoms, atom{name: format[i+2 : i+end]})
		i += end + 1
	}
	if lit.Len() > 0 {
		atoms = append(atoms, atom{literal: lit.String()})
	}
	return atoms, nil
}

// Log writes one line for r.
func (a *AccessLog) Log(r *Record) {
	buf := make([]byte, 0, 256)
	for _, at := range a.atoms {
		if at.name == "" {
			buf = append(buf, at.literal...)
			continue
		}
		buf = append(buf, a.value(at.name, r)...)
	}
	buf = append(buf, '\n')
	a.out.WriteLine(buf)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// value returns the text of one atom; see gunicorn's access log documentation.
func (a *AccessLog) value(name string, r *Record) string {
	switch name {
	case "h":
		return orDash(r.RemoteAddr)
	case "l":
		return "-"
	case "u":
		return orDash(r.User)
	case "t":
		// When the request ended, as gunicorn logs it, so that lines are in
		// the order they are written.
		return "[" + r.Start.Add(r.Duration).Format("02/Jan/2006:15:04:05 -0700") + "]"
	case "r":
		return r.Method + " " + r.RawURI + " " + r.Proto
	case "s":
		return strconv.Itoa(r.Status)
	case "m":
		return r.Method
	case "U":
		return r.Path
	case "q":
		return r.Query
	case "H":
		return r.Proto
	case "b":
		if r.BodyBytes == 0 {
			return "-"
		}
		return strconv.FormatInt(r.BodyBytes, 10)
	case "B":
		return strconv.FormatInt(r.BodyBytes, 10)
	case "f":
		return orDash(header(r.ReqHeader, "referer"))
	case "a":
		return orDash(header(r.ReqHeader, "user-agent"))
	case "T":
		return strconv.FormatInt(int64(r.Duration/time.Second), 10)
	case "D":
		return strconv.FormatInt(int64(r.Duration/time.Microsecond), 10)
	case "M":
		return strconv.FormatInt(int64(r.Duration/time.Millisecond), 10)
	case "L":
		return strconv.FormatFloat(r.Duration.Seconds(), 'f', 6, 64)
	case "p":
		return a.pid
	}
	if len(name) > 3 && name[0] == '{' && name[len(name)-2] == '}' {
		key := name[1 : len(name)-2]
		switch name[len(name)-1] {
		case 'i':
			return orDash(header(r.ReqHeader, key))
		case 'o':
			return orDash(header(r.RespHeader, key))
		case 'e':
			if r.Environ != nil {
				return orDash(r.Environ(key))
			}
			return "-"
		}
	}
	return "-"
}

func header(get func(string) string, name string) string {
	if get == nil {
		return ""
	}
	return get(name)
}

package http1

import (
	"strings"
	"unsafe"
)

// parse interprets the head that readHead framed in r.buf and r.chunks:
// lines ending in CRLF, the request line first, without the empty line
// that ended the head. All strings it stores are slices of two kinds of
// string: r.buf's bytes copied once (r.buf is reused for the next head),
// and each chunk's bytes as they are.
func (r *Request) parse() error {
	line, rest := cutLine(string(r.buf))
	if err := r.parseRequestLine(line); err != nil {
		return err
	}
	if err := r.parseFields(rest); err != nil {
		return err
	}
	for _, c := range r.chunks {
		if err := r.parseFields(chunkString(c)); err != nil {
			return err
		}
	}
	return r.checkFields()
}

// parseFields appends the field lines of lines, each ending in CRLF, to
// r.Headers.
func (r *Request) parseFields(lines string) error {
	for lines != "" {
		var line string
		line, lines = cutLine(lines)
		h, err := parseField(line)
		if err != nil {
			return err
		}
		r.Headers = append(r.Headers, h)
	}
	return nil
}

// chunkString returns a chunk's bytes as a string without copying them,
// as strings.Builder does. That is sound because nothing writes to a
// chunk once its head is read: chunks are never reused (Request.reset
// drops them), so the string stays as it is for as long as anyone holds
// it. Copying instead would hold every large head twice while it is
// parsed, which is what HeadMemory is there to prevent.
func chunkString(c []byte) string {
	return unsafe.String(unsafe.SliceData(c), len(c))
}

// cutLine splits off the first line of s, dropping its CRLF.
func cutLine(s string) (line, rest string) {
	i := strings.IndexByte(s, '\n')
	return s[:i-1], s[i+1:]
}

// parseRequestLine parses method SP request-target SP HTTP-version
// (RFC 9112 §3): exactly one space between the parts, nothing around them.
// The version is checked before the target so that a client speaking
// another protocol version is told so (505) rather than told its target is
// odd (an HTTP/2 preface is "PRI * HTTP/2.0").
func (r *Request) parseRequestLine(line string) error {
	method, rest, ok := strings.Cut(line, " ")
	if !ok {
		return badRequest("request line without spaces (HTTP/0.9 is not served)")
	}
	target, version, ok := strings.Cut(rest, " ")
	if !ok {
		return badRequest("request line without an HTTP version (HTTP/0.9 is not served)")
	}
	if !isToken(method) {
		return badRequest("method is not a token")
	}
	if err := r.parseVersion(version); err != nil {
		return err
	}
	r.Method, r.Target = method, target
	return r.parseTarget()
}

// parseVersion accepts HTTP/1.0 and HTTP/1.1. A later minor version of
// HTTP/1 (HTTP/1.2 to 1.9) is served as HTTP/1.1, the highest we implement,
// as RFC 9110 §2.5 asks: a minor version promises compatibility. Another
// well-formed "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3; the name is
// case-sensitive) is a version we do not serve: 505. Anything else is
// malformed: 400.
func (r *Request) parseVersion(v string) error {
	switch v {
	case "HTTP/1.1":
		r.Proto, r.Minor = "HTTP/1.1", 1
		return nil
	case "HTTP/1.0":
		r.Proto, r.Minor = "HTTP/1.0", 0
		return nil
	}
	if len(v) == 8 && v[:5] == "HTTP/" && isDigits(v[5:6]) && v[6] == '.' && isDigits(v[7:]) {
		if v[5] == '1' {
			r.Proto, r.Minor = "HTTP/1.1", 1
			return nil
		}
		return badVersion("HTTP version not supported")
	}
	return badRequest("malformed HTTP version")
}

// parseTarget checks the request-target's characters and its form
// (RFC 9112 §3.2) and fills Path, Query and, for absolute-form, Host.
// The target stays percent-encoded; see Unescape.
func (r *Request) parseTarget() error {
	t := r.Target
	if t == "" {
		return badRequest("empty request target")
	}
	for i := 0; i < len(t); i++ {
		if !targetChar[t[i]] {
			return badRequest("bad character in request target")
		}
	}
	switch {
	case r.Method == "CONNECT": // authority-form, and only for CONNECT (§3.2.3)
		host, port, ok := splitHostPort(t)
		if !ok || host == "" || port == "" {
			return badRequest("CONNECT target is not host:port")
		}
	case t[0] == '/': // origin-form (§3.2.1)
		r.Path, r.Query, _ = strings.Cut(t, "?")
	case t == "*": // asterisk-form, and only for OPTIONS (§3.2.4)
		if r.Method != "OPTIONS" {
			return badRequest("asterisk-form target without OPTIONS")
		}
		r.Path = "*"
	default: // absolute-form (§3.2.2)
		return r.parseAbsolute(t)
	}
	return nil
}

// parseAbsolute accepts an http or https URL (what a client talking to a
// proxy sends, and what a server must accept). Its authority becomes Host:
// the server ignores any Host header then (RFC 9112 §3.2.2). A URL with
// userinfo or an empty host is refused (RFC 9110 §4.2.1, §4.2.4).
func (r *Request) parseAbsolute(t string) error {
	scheme, rest, ok := strings.Cut(t, "://")
	switch {
	case ok && equalFold(scheme, "http"):
		r.Scheme = "http"
	case ok && equalFold(scheme, "https"):
		r.Scheme = "https"
	default:
		return badRequest("request target is neither a path nor an http URL")
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	if host, _, ok := splitHostPort(authority); !ok || host == "" {
		return badRequest("bad authority in absolute-form target")
	}
	r.Host = authority
	r.Path, r.Query, _ = strings.Cut(rest[end:], "?")
	if r.Path == "" {
		r.Path = "/"
	}
	return nil
}

// splitHostPort splits uri-host [ ":" port ] (RFC 3986 §3.2.2-3.2.3) and
// reports whether it is well formed. The host may be empty; so may the port
// after a colon. An IP literal keeps its brackets.
func splitHostPort(s string) (host, port string, ok bool) {
	host = s
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 2 {
			return "", "", false
		}
		host = s[:end+1]
		for i := 1; i < end; i++ {
			if !hostChar[s[i]] && s[i] != ':' {
				return "", "", false
			}
		}
		switch after := s[end+1:]; {
		case after == "":
			return host, "", true
		case after[0] != ':':
			return "", "", false
		default:
			port = after[1:]
		}
	} else {
		if i := strings.LastIndexByte(s, ':'); i >= 0 {
			host, port = s[:i], s[i+1:]
		}
		if !validRegName(host) {
			return "", "", false
		}
	}
	if port != "" && !isDigits(port) {
		return "", "", false
	}
	return host, port, true
}

// validRegName reports whether s is a reg-name or IPv4 address: unreserved
// characters, sub-delims and well-formed %XX escapes.
func validRegName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !hostChar[c] {
			return false
		}
		if c == '%' {
			if !isEscape(s, i) {
				return false
			}
			i += 2
		}
	}
	return true
}

// parseField parses field-name ":" OWS field-value OWS (RFC 9112 §5).
// Refused, each with 400: a line starting with whitespace (obs-fold,
// §5.2, or whitespace before the first field, §2.2); whitespace between the
// name and the colon (§5.1); a name that is not a token; a control
// character other than HTAB in the value.
func parseField(line string) (Header, error) {
	if line[0] == ' ' || line[0] == '\t' {
		return Header{}, badRequest("obsolete line folding")
	}
	colon := strings.IndexByte(line, ':')
	if colon < 0 {
		return Header{}, badRequest("header line without a colon")
	}
	name := line[:colon]
	if !isToken(name) {
		return Header{}, badRequest("header name is not a token")
	}
	value := trimOWS(line[colon+1:])
	for i := 0; i < len(value); i++ {
		if !fieldChar[value[i]] {
			return Header{}, badRequest("control character in header value")
		}
	}
	return Header{Name: name, Value: value}, nil
}

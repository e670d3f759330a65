package wsgi

import (
	"errors"
	"strings"
)

// requiredKeys are the CGI variables PEP 3333 says every environ holds.
var requiredKeys = []string{
	"REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
	"SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL",
}

// hopByHop are the headers that describe one connection, not the resource
// (RFC 9110 section 7.6.1). Only the server that owns the connection may set
// them; PEP 3333 forbids them to apps.
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"TE", "Trailer", "Transfer-Encoding", "Upgrade",
}

// IsHopByHop reports whether name (any case) is a hop-by-hop header.
func IsHopByHop(name string) bool {
	for _, h := range hopByHop {
		if strings.EqualFold(name, h) {
			return true
		}
	}
	return false
}

// CheckEnviron checks what a server must put in an environ. It returns nil,
// or the violations found joined into one error (each a *Violation).
func CheckEnviron(env *Environ) error {
	var errs []error
	seen := make(map[string]bool, len(env.Vars))
	for _, v := range env.Vars {
		if seen[v.Key] {
			errs = append(errs, violation(RuleEnvironDuplicate, "key %s", v.Key))
		}
		seen[v.Key] = true
	}
	for _, key := range requiredKeys {
		if !seen[key] {
			errs = append(errs, violation(RuleEnvironKey, "missing %s", key))
		}
	}
	for _, key := range []string{"SCRIPT_NAME", "PATH_INFO"} {
		if v, _ := env.Get(key); v != "" && v[0] != '/' {
			rule := RuleScriptName
			if key == "PATH_INFO" {
				rule = RulePathInfo
			}
			errs = append(errs, violation(rule, "%s=%q", key, v))
		}
	}
	if v, ok := env.Get("CONTENT_LENGTH"); ok && !isDigits(v) {
		errs = append(errs, violation(RuleContentLength, "CONTENT_LENGTH=%q", v))
	}
	for _, key := range []string{"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"} {
		if _, ok := env.Get(key); ok {
			errs = append(errs, violation(RuleContentHeaderKey, "key %s (use %s)", key, key[len("HTTP_"):]))
		}
	}
	if env.URLScheme != "http" && env.URLScheme != "https" {
		errs = append(errs, violation(RuleURLScheme, "wsgi.url_scheme=%q", env.URLScheme))
	}
	if env.Errors == nil {
		errs = append(errs, violation(RuleErrorsStream, "Errors is nil"))
	}
	return errors.Join(errs...)
}

// CheckStatus checks an app's status line and returns its code: three
// digits from 100 up, a space, and a reason of printable characters (RFC
// 9112's reason-phrase: tab, space, visible ASCII or obs-text), which may be
// empty ("204 " is a status; wsgiref.validate only warns about it).
func CheckStatus(status string) (code int, err error) {
	ok := len(status) >= 4 && isDigits(status[:3]) && status[0] != '0' && status[3] == ' '
	for i := 4; ok && i < len(status); i++ {
		ok = !isControl(rune(status[i]))
	}
	if !ok {
		return 0, violation(RuleStatus, "status %q", status)
	}
	return int(status[0]-'0')*100 + int(status[1]-'0')*10 + int(status[2]-'0'), nil
}

// CheckHeader checks that one response header can be sent as it is: its
// name a token, its value free of control characters (CR and LF above all,
// which would let whoever controls the value inject headers).
func CheckHeader(h Header) error {
	if !isToken(h.Name) {
		return violation(RuleHeaderName, "header name %q", h.Name)
	}
	if i := strings.IndexFunc(h.Value, isControl); i >= 0 {
		return violation(RuleHeaderValue, "header %s: byte %#x in %q", h.Name, h.Value[i], h.Value)
	}
	return nil
}

// CheckHeaders checks an app's response headers: each name a token, each value
// free of control characters, no hop-by-hop header. It returns nil, or the
// violations found joined into one error.
func CheckHeaders(headers []Header) error {
	var errs []error
	for _, h := range headers {
		if err := CheckHeader(h); err != nil {
			errs = append(errs, err)
		} else if IsHopByHop(h.Name) {
			errs = append(errs, violation(RuleHopByHop, "header %s", h.Name))
		}
	}
	return errors.Join(errs...)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isToken reports whether s is an RFC 9110 token: one or more tchar.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return s != ""
}

// isControl reports a control character other than tab: CR, LF and NUL
// above all, since they would split or cut the header on the wire.
func isControl(r rune) bool {
	return (r < ' ' && r != '\t') || r == 0x7f
}

package http1

import "strings"

// Byte classes from RFC 9110 §5.6 and RFC 3986 §2, as 256-entry tables so the
// hot path checks a byte with one load.
var (
	// tchar: the characters of a token (RFC 9110 §5.6.2) — methods, field
	// names, transfer codings, chunk extension names.
	tchar = class("!#$%&'*+-.^_`|~" + digits + alpha)

	// fieldChar: what a field value may hold after OWS is trimmed: VCHAR,
	// obs-text (0x80-0xFF), SP and HTAB (RFC 9110 §5.5). Every other control,
	// NUL, CR and LF included, is refused.
	fieldChar = fieldChars()

	// targetChar: what a request-target may hold: visible ASCII except '#'
	// (a fragment is never sent, RFC 9112 §3.2), and bytes >= 0x80. RFC 3986
	// wants those percent-encoded, and browsers do, but some clients send
	// UTF-8 raw; nginx and gunicorn pass them on, and nothing is gained by
	// refusing them: they cannot end the target or a line, and PATH_INFO
	// gets the same bytes as from their %XX forms.
	targetChar = targetChars()

	// hostChar: reg-name characters (unreserved, pct-encoded, sub-delims;
	// RFC 3986 §3.2.2) plus ':' '[' ']' used by IP literals.
	hostChar = class(digits + alpha + "-._~" + "%" + "!$&'()*+,;=")
)

const (
	digits = "0123456789"
	alpha  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

func class(chars string) (t [256]bool) {
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = true
	}
	return t
}

func fieldChars() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c == '\t' || (c >= 0x20 && c != 0x7f)
	}
	return t
}

func targetChars() (t [256]bool) {
	for c := 0x21; c < 0x100; c++ {
		t[c] = c != '#' && c != 0x7f
	}
	return t
}

// isToken reports whether s is a non-empty token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tchar[s[i]] {
			return false
		}
	}
	return true
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// unhex returns the value of a hex digit and whether c is one.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// equalFold compares two strings ignoring ASCII case only (header names,
// codings and connection options are case-insensitive). strings.EqualFold
// would also fold non-ASCII letters, so that "\u212aeep-alive" (KELVIN
// SIGN) would read as keep-alive: not what the peer in front meant.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// trimOWS strips optional whitespace (SP and HTAB) from both ends of s.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// nextElement splits a comma-separated list (RFC 9110 §5.6.1): it returns
// the first element with OWS trimmed, the rest after the comma, and whether
// there was a comma. Callers loop while more is true, skipping empty
// elements as the RFC asks recipients to.
func nextElement(list string) (elem, rest string, more bool) {
	elem, rest, more = strings.Cut(list, ",")
	return trimOWS(elem), rest, more
}

package logging

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// BasicAuthUser returns the user name that an Authorization header value
// carries, for the access log's %(u)s, by gunicorn's rules; ok is false when
// there is none:
//
//   - the value starts with "basic" in any case, and has a space: what
//     follows the first space is the credentials;
//   - they are decoded as Python's base64.b64decode does, leniently: bytes
//     outside the base64 alphabet are skipped, decoding stops at the padding
//     that completes a group, and a last group left incomplete fails;
//   - the user is what comes before the first ':', or all of it when there
//     is none, and must be UTF-8.
//
// gunicorn 20.1 (Debian's) decoded the password as UTF-8 too and wanted the
// ':', so "Basic " + base64("alice:\xa7") or base64("alice") logged "-";
// since gunicorn 22 both log alice, and so does this.
func BasicAuthUser(authorization string) (user string, ok bool) {
	var scratch [64]byte
	name, ok := appendBasicAuthUser(scratch[:0], authorization)
	return string(name), ok
}

// appendBasicAuthUser is BasicAuthUser appending to dst, so that the access
// log finds the user without an allocation.
func appendBasicAuthUser(dst []byte, authorization string) ([]byte, bool) {
	if !hasPrefixFold(authorization, "basic") {
		return dst, false
	}
	i := strings.IndexByte(authorization, ' ')
	if i < 0 {
		return dst, false
	}
	raw, ok := decodeBase64Lenient(dst, authorization[i+1:])
	if !ok {
		return dst, false
	}
	name, _, _ := bytes.Cut(raw, []byte{':'})
	if !utf8.Valid(name) {
		return dst, false
	}
	return name, true
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix,
// in any case. ASCII only: bytes above 0x7F are ISO-8859-1 characters here,
// not UTF-8, so strings.EqualFold's Unicode folding would be wrong.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// decodeBase64Lenient appends standard base64 s, decoded, to out, the way
// Python's binascii.a2b_base64 does when not strict (as base64.b64decode
// calls it).
func decodeBase64Lenient(out []byte, s string) ([]byte, bool) {
	var quad, pads int // position in the 4-character group; '='s seen in it
	var left byte      // bits carried to the next character
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			// Padding counts once two characters of a group are in; when
			// it completes the group the input ends, whatever follows.
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return out, true
				}
			}
			continue
		}
		v, ok := base64Value(c)
		if !ok {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			left = v
		case 1:
			out = append(out, left<<2|v>>4)
			left = v & 0x0F
		case 2:
			out = append(out, left<<4|v>>2)
			left = v & 0x03
		case 3:
			out = append(out, left<<6|v)
		}
		quad = (quad + 1) % 4
	}
	return out, quad == 0
}

func base64Value(c byte) (byte, bool) {
	switch {
	case 'A' <= c && c <= 'Z':
		return c - 'A', true
	case 'a' <= c && c <= 'z':
		return c - 'a' + 26, true
	case '0' <= c && c <= '9':
		return c - '0' + 52, true
	case c == '+':
		return 62, true
	case c == '/':
		return 63, true
	}
	return 0, false
}

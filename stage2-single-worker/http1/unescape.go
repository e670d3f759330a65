package http1

import "fmt"

// Unescape decodes the %XX escapes of a request path (RFC 3986 §2.1) for
// PATH_INFO. It does not turn '+' into a space (that is a form-encoding
// rule, not a URI one) and returns the decoded bytes as they are: PEP 3333
// wants PATH_INFO as a latin-1 string, one character per byte, so the
// server must not treat the result as UTF-8. A '%' not followed by two hex
// digits is an error wrapping ErrBadEscape; the server answers 400. A path
// without '%' is returned as is, without allocating.
func Unescape(path string) (string, error) {
	n := 0
	for i := 0; i < len(path); i++ {
		if path[i] != '%' {
			continue
		}
		if !isEscape(path, i) {
			return "", fmt.Errorf("unescape %q: %w", path, ErrBadEscape)
		}
		n++
		i += 2
	}
	if n == 0 {
		return path, nil
	}
	out := make([]byte, 0, len(path)-2*n)
	for i := 0; i < len(path); i++ {
		if path[i] != '%' {
			out = append(out, path[i])
			continue
		}
		hi, _ := unhex(path[i+1])
		lo, _ := unhex(path[i+2])
		out = append(out, hi<<4|lo)
		i += 2
	}
	return string(out), nil
}

// isEscape reports whether s[i] == '%' starts a well-formed %XX escape.
func isEscape(s string, i int) bool {
	if i+2 >= len(s) {
		return false
	}
	_, ok1 := unhex(s[i+1])
	_, ok2 := unhex(s[i+2])
	return ok1 && ok2
}

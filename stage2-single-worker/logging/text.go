package logging

// How a value becomes access log text. gunicorn hands each atom to Python's
// logging as a str, having replaced every '"' with `\"` (and nothing else:
// a backslash stays one backslash), and the log file writes str as UTF-8.
// The request's strings are WSGI strings, one character per byte the client
// sent (ISO-8859-1), so a byte above 0x7F reaches the file as the two-byte
// UTF-8 form of that character: a raw "é" sent as UTF-8 (C3 A9) is logged
// as "Ã©" (C3 83 C2 A9). Mangled, but the same as gunicorn, and the file is
// valid UTF-8 whatever a client sends.

// appendWire appends s, bytes from the wire, as gunicorn writes them.
func appendWire(buf []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return append(buf, s...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			buf = append(buf, '\\', '"')
		case c >= 0x80:
			buf = append(buf, 0xC0|c>>6, 0x80|c&0x3F) // U+0080..U+00FF in UTF-8
		default:
			buf = append(buf, c)
		}
	}
	return buf
}

// appendUser appends a basic auth user name, text already (UTF-8), as
// gunicorn writes it: '"' as `\"`. A control character is written \xHH,
// where gunicorn writes it raw: a user name is the one atom a client can
// fill with a line break (the parser refuses them in the request line and
// headers), and a raw one would let it forge a second log line, one that
// fail2ban could be led to ban someone else's address for.
func appendUser(buf, user []byte) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(user); i++ {
		switch c := user[i]; {
		case c == '"':
			buf = append(buf, '\\', '"')
		case c < 0x20 || c == 0x7F:
			buf = append(buf, '\\', 'x', hex[c>>4], hex[c&0xF])
		default:
			buf = append(buf, c)
		}
	}
	return buf
}

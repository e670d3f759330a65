package http1

import (
	"errors"
	"io"
)

// The chunked transfer coding (RFC 9112 §7.1):
//
//	chunked-body = *chunk last-chunk trailer-section CRLF
//	chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	chunk-size   = 1*HEXDIG
//	last-chunk   = 1*("0") [ chunk-ext ] CRLF
//	chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//	chunk-ext-val = token / quoted-string
//
// The size line is bounded (maxChunkLine, extensions included), the size to
// 16 hex digits that fit an int64, and the trailer section by the header
// field limits. Extensions are checked and ignored: none is defined.

// nextChunk reads the CRLF that ends the previous chunk's data, then the
// next chunk-size line. At the last chunk it reads the trailer section and
// returns io.EOF.
func (b *Body) nextChunk() error {
	if b.inChunk {
		if err := b.dataCRLF(); err != nil {
			return err
		}
	}
	size, err := b.chunkSize()
	if err != nil {
		return err
	}
	if size == 0 {
		if err := b.readTrailers(); err != nil {
			return err
		}
		return io.EOF
	}
	b.remaining, b.inChunk = size, true
	return nil
}

// dataCRLF consumes the CRLF after chunk data; anything else is refused, as
// a lenient reader here is a classic smuggling vector.
func (b *Body) dataCRLF() error {
	for _, want := range [2]byte{'\r', '\n'} {
		c, err := b.br.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		if c != want {
			return badRequest("chunk data not followed by CRLF")
		}
	}
	return nil
}

// chunkSize reads and parses a chunk-size line.
func (b *Body) chunkSize() (int64, error) {
	var err error
	b.line, err = readLine(b.br, b.line[:0], maxChunkLine)
	switch {
	case errors.Is(err, errLineTooLong):
		return 0, badRequest("chunk size line too long")
	case errors.Is(err, errBareLF):
		return 0, badRequest("chunk size line ends in bare LF")
	case err != nil:
		return 0, unexpected(err)
	}
	return parseChunkSize(b.line[:len(b.line)-2])
}

// parseChunkSize parses chunk-size [ chunk-ext ]: hex digits only (no sign,
// no "0x", no whitespace except BWS before an extension's ';').
func parseChunkSize(line []byte) (int64, error) {
	var size int64
	i := 0
	for ; i < len(line); i++ {
		d, ok := unhex(line[i])
		if !ok {
			break
		}
		if i == 16 {
			return 0, badRequest("chunk size has more than 16 hex digits")
		}
		size = size<<4 | int64(d)
	}
	switch {
	case i == 0:
		return 0, badRequest("chunk size is not hex")
	case size < 0:
		return 0, badRequest("chunk size overflows")
	}
	if !validChunkExt(line[i:]) {
		return 0, badRequest("bad chunk extension")
	}
	return size, nil
}

// validChunkExt reports whether ext is a well-formed chunk-ext.
func validChunkExt(ext []byte) bool {
	for i := 0; i < len(ext); {
		i = skipBWS(ext, i)
		if i == len(ext) || ext[i] != ';' {
			return false
		}
		i = skipBWS(ext, i+1)
		end := scanToken(ext, i)
		if end == i {
			return false
		}
		i = end
		eq := skipBWS(ext, i)
		if eq == len(ext) || ext[eq] != '=' {
			continue // no value; a trailing BWS then fails the ';' test
		}
		i = skipBWS(ext, eq+1)
		if i < len(ext) && ext[i] == '"' {
			end = scanQuoted(ext, i)
			if end < 0 {
				return false
			}
		} else if end = scanToken(ext, i); end == i {
			return false
		}
		i = end
	}
	return true
}

// skipBWS returns the index of the first byte at or after i that is not SP
// or HTAB.
func skipBWS(s []byte, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// scanToken returns the index just past the token starting at i (i itself
// if there is none).
func scanToken(s []byte, i int) int {
	for i < len(s) && tchar[s[i]] {
		i++
	}
	return i
}

// scanQuoted returns the index just past the quoted-string starting at
// s[i] == '"' (RFC 9110 §5.6.4), or -1 if it is malformed or unterminated.
func scanQuoted(s []byte, i int) int {
	for i++; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			if i++; i == len(s) || !fieldChar[s[i]] {
				return -1
			}
		case !fieldChar[c]:
			return -1
		}
	}
	return -1
}

// readTrailers reads the trailer section after the last chunk: field lines
// parsed like the head's, bounded by the same limits, ending at an empty
// line. A field that must not be a trailer is refused with 400.
func (b *Body) readTrailers() error {
	fieldMax, total := lineMax(b.lim.FieldSize), 0
	for {
		var err error
		b.line, err = readLine(b.br, b.line[:0], fieldMax)
		switch {
		case errors.Is(err, errLineTooLong):
			return fieldsTooLarge("trailer field line too long")
		case errors.Is(err, errBareLF):
			return badRequest("trailer line ends in bare LF")
		case err != nil:
			return unexpected(err)
		case len(b.line) == 2:
			return nil
		}
		if total += len(b.line); total > maxHeadBytes || len(b.trailers) == b.lim.fieldsMax() {
			return fieldsTooLarge("too many trailer fields")
		}
		if total > smallHead && b.req != nil {
			// Held until the request is done, like a large head.
			if err := b.req.hold(b.lim, int64(len(b.line))); err != nil {
				return err
			}
		}
		h, err := parseField(string(b.line[:len(b.line)-2]))
		if err != nil {
			return err
		}
		if forbiddenTrailer(h.Name) {
			return badRequest(h.Name + " field in a trailer")
		}
		b.trailers = append(b.trailers, h)
	}
}

// forbiddenTrailers are the fields RFC 9110 §6.5.1 keeps out of a trailer
// section: they must be known before the content is, to frame, route or
// authenticate the request, modify what it asks for, or say what the
// content is. We never use trailers, but dropping one silently is not
// enough: a proxy in front may have merged trailer fields into the header
// section it passed on, and then it and we disagree about the request.
var forbiddenTrailers = [...]string{
	// Framing and the connection (RFC 9112 §6, §7.4; RFC 9110 §7.6.1).
	"Content-Length", "Transfer-Encoding", "Trailer", "TE",
	"Connection", "Keep-Alive", "Proxy-Connection", "Upgrade",
	// Routing (RFC 9110 §7.2, §7.6.2).
	"Host", "Max-Forwards",
	// Request modifiers: controls, conditionals, negotiation and ranges
	// (RFC 9110 §10.1.1, §13.1, §12.5, §14.2; RFC 9111 §5.2, §5.4).
	"Expect", "Cache-Control", "Pragma",
	"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range",
	"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Range",
	// Authentication (RFC 9110 §11.6.2, §11.7.2), and the cookie apps
	// authenticate sessions with (RFC 6265 §5.4).
	"Authorization", "Proxy-Authorization", "Cookie",
	// Content metadata (RFC 9110 §8.3-§8.5, §8.7, §14.4).
	"Content-Type", "Content-Encoding", "Content-Language", "Content-Location", "Content-Range",
}

// forbiddenTrailer reports whether the field name, in any case, may not be
// sent in a trailer section.
func forbiddenTrailer(name string) bool {
	for _, f := range forbiddenTrailers {
		if equalFold(name, f) {
			return true
		}
	}
	return false
}

package pyapp

// A tiny encoder for Python's marshal format, the one .pyc files use.
//
// The runner turns a request into a dict with one marshal.loads, which runs in
// C: much faster than parsing any text format in Python. We write only a few
// type codes, each one byte followed by its data, integers little-endian:
//
//	'(' n:4 item…        tuple
//	'{' key value … '0'  dict, ended by the NULL code
//	'z' n:1 bytes        str, ASCII, shorter than 256 bytes
//	'a' n:4 bytes        str, ASCII
//	'u' n:4 bytes        str, UTF-8
//	's' n:4 bytes        bytes
//	'i' v:4              int (32 bits)
//	'T' 'F' 'N'          True, False, None
//
// These basic codes have been stable since Python 3.4 (marshal version 4, the
// one that added 'z' and 'a'). We never set the FLAG_REF bit (0x80), which asks
// the reader to remember an object for later back-references: we have none.
//
// Environ values are "native strings": every byte from the wire is one latin-1
// character. ASCII goes as is; a value with a byte ≥ 0x80 is re-encoded from
// latin-1 to UTF-8 and sent as 'u'.

import (
	"encoding/binary"
	"unicode/utf8"
)

// marshal type codes.
const (
	mTuple      = '('
	mDict       = '{'
	mNull       = '0'
	mShortASCII = 'z'
	mASCII      = 'a'
	mUnicode    = 'u'
	mBytes      = 's'
	mInt        = 'i'
	mTrue       = 'T'
	mFalse      = 'F'
	mNone       = 'N'
)

func appendLen(buf []byte, n int) []byte {
	return binary.LittleEndian.AppendUint32(buf, uint32(n))
}

// appendStr appends s, a native string (one latin-1 character per byte), as a
// Python str.
func appendStr(buf []byte, s string) []byte {
	wide := 0 // bytes ≥ 0x80, which take two bytes in UTF-8
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			wide++
		}
	}
	switch {
	case wide == 0 && len(s) < 256:
		buf = append(buf, mShortASCII, byte(len(s)))
		return append(buf, s...)
	case wide == 0:
		buf = appendLen(append(buf, mASCII), len(s))
		return append(buf, s...)
	}
	buf = appendLen(append(buf, mUnicode), len(s)+wide)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < utf8.RuneSelf {
			buf = append(buf, c)
		} else {
			buf = append(buf, 0xC0|c>>6, 0x80|c&0x3F)
		}
	}
	return buf
}

// appendBytes appends b as a Python bytes object.
func appendBytes(buf []byte, b []byte) []byte {
	buf = appendLen(append(buf, mBytes), len(b))
	return append(buf, b...)
}

// appendBool appends True or False.
func appendBool(buf []byte, v bool) []byte {
	if v {
		return append(buf, mTrue)
	}
	return append(buf, mFalse)
}

// appendInt appends a 32-bit int.
func appendInt(buf []byte, v int32) []byte {
	return binary.LittleEndian.AppendUint32(append(buf, mInt), uint32(v))
}

// appendTupleHeader starts a tuple of n items; the items follow.
func appendTupleHeader(buf []byte, n int) []byte {
	return appendLen(append(buf, mTuple), n)
}

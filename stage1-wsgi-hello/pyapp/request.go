package pyapp

import (
	"encoding/binary"
	"fmt"
	"path/filepath"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// environTail is the end of every environ dict: the wsgi.* keys whose values
// never change, marshalled once.
var environTail = func() []byte {
	var b []byte
	b = appendStr(b, "wsgi.version")
	b = appendTupleHeader(b, 2)
	b = appendInt(b, int32(wsgi.Version[0]))
	b = appendInt(b, int32(wsgi.Version[1]))
	b = appendStr(b, "wsgi.input_terminated")
	b = appendBool(b, true)
	return append(b, mNull)
}()

// Keys of the per-request wsgi.* flags, marshalled once.
var (
	keyURLScheme    = appendStr(nil, "wsgi.url_scheme")
	keyMultithread  = appendStr(nil, "wsgi.multithread")
	keyMultiprocess = appendStr(nil, "wsgi.multiprocess")
	keyRunOnce      = appendStr(nil, "wsgi.run_once")
)

// appendRequest appends the Q frame for request id: the id (4 bytes, big
// endian), then the marshalled tuple (environ, body). The runner adds
// wsgi.input, wsgi.errors and wsgi.file_wrapper, which are Python objects.
func appendRequest(buf []byte, id uint32, env *wsgi.Environ) ([]byte, error) {
	buf, start := beginFrame(buf, kindRequest)
	buf = binary.BigEndian.AppendUint32(buf, id)
	buf = appendTupleHeader(buf, 2)

	buf = append(buf, mDict)
	for _, v := range env.Vars {
		buf = appendStr(buf, v.Key)
		buf = appendStr(buf, v.Value)
	}
	scheme := env.URLScheme
	if scheme == "" {
		scheme = "http"
	}
	buf = appendStr(append(buf, keyURLScheme...), scheme)
	buf = appendBool(append(buf, keyMultithread...), env.Multithread)
	buf = appendBool(append(buf, keyMultiprocess...), env.Multiprocess)
	buf = appendBool(append(buf, keyRunOnce...), env.RunOnce)
	buf = append(buf, environTail...)

	// The body: inline bytes, (path,) for a spooled file, or None (ask Go).
	switch in := env.Input.(type) {
	case nil:
		buf = appendBytes(buf, nil)
	case wsgi.InputBuffer:
		data, path := in.Buffered()
		if path == "" {
			buf = appendBytes(buf, data)
			break
		}
		// The runner may run in another directory (Options.Chdir).
		abs, err := filepath.Abs(path)
		if err != nil {
			return buf, fmt.Errorf("spooled request body %s: %w", path, err)
		}
		// A 1-tuple of bytes: a path's bytes are not latin-1 text, and Python
		// opens a bytes path as is.
		buf = appendBytes(appendTupleHeader(buf, 1), []byte(abs))
	default:
		buf = append(buf, mNone)
	}
	return endFrame(buf, start), nil
}

package pyapp

import (
	"bytes"
	"fmt"
	"io"
	"os"
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

// appendRequest appends the Q frame for request id: the marshalled tuple
// (environ, body), body being in's bytes or (path,) for a spooled file. The
// runner adds wsgi.input, wsgi.errors and wsgi.file_wrapper, which are
// Python objects.
func appendRequest(buf []byte, id uint32, env *wsgi.Environ, in wsgi.InputBuffer) ([]byte, error) {
	buf, start := beginFrame(buf, kindRequest, id)
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

	var data []byte
	var path string
	if in != nil {
		data, path = in.Buffered()
	}
	if path == "" {
		return endFrame(appendBytes(buf, data), start), nil
	}
	// The runner may run in another directory (Options.Chdir).
	abs, err := filepath.Abs(path)
	if err != nil {
		return buf[:start], fmt.Errorf("spooled request body %s: %w", path, err)
	}
	// A 1-tuple of bytes: a path's bytes are not latin-1 text, and Python
	// opens a bytes path as is.
	buf = appendBytes(appendTupleHeader(buf, 1), []byte(abs))
	return endFrame(buf, start), nil
}

// inputSpoolThreshold is the largest body a plain io.Reader input is read
// into memory for; a larger one goes to a temporary file.
const inputSpoolThreshold = 1 << 20

// bufferInput returns env.Input as a wsgi.InputBuffer, which is what a
// runner is handed: the bytes, or the name of the file holding them. A
// server that read the body already passes one (package server does); any
// other reader is read to its end here, into memory or, past
// inputSpoolThreshold, into a temporary file in dir. cleanup removes that
// file; call it once the request has ended.
func bufferInput(env *wsgi.Environ, dir string) (in wsgi.InputBuffer, cleanup func(), err error) {
	switch r := env.Input.(type) {
	case nil:
		return nil, func() {}, nil
	case wsgi.InputBuffer:
		return r, func() {}, nil
	}
	var mem bytes.Buffer
	n, err := io.Copy(&mem, io.LimitReader(env.Input, inputSpoolThreshold+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read request body: %w", err)
	}
	if n <= inputSpoolThreshold {
		return wsgi.NewBytesInput(mem.Bytes()), func() {}, nil
	}
	f, err := os.CreateTemp(dir, "gunicorn-go-body-")
	if err != nil {
		return nil, nil, fmt.Errorf("spool request body: %w", err)
	}
	cleanup = func() { f.Close(); os.Remove(f.Name()) }
	if _, err := io.Copy(f, io.MultiReader(&mem, env.Input)); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("spool request body: %w", err)
	}
	return fileInput{f.Name()}, cleanup, nil
}

// fileInput is a body spooled to a file by bufferInput.
type fileInput struct{ path string }

func (f fileInput) Read([]byte) (int, error)             { return 0, io.EOF } // the runner reads the file
func (f fileInput) Buffered() (data []byte, path string) { return nil, f.path }

package pyapp

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// TestMain fails the run if a test left a child process behind: every
// runner must be stopped and reaped by Close.
func TestMain(m *testing.M) {
	code := m.Run()
	if kids := children(); len(kids) > 0 {
		fmt.Fprintf(os.Stderr, "leftover child processes: %s\n", strings.Join(kids, "; "))
		code = 1
	}
	os.Exit(code)
}

// children lists this process's children, as "pid (name) state", from /proc.
func children() []string {
	var kids []string
	stats, _ := filepath.Glob("/proc/[0-9]*/stat") // a bad pattern is the only error
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // it exited meanwhile
		}
		s := string(data)
		end := strings.LastIndexByte(s, ')')
		fields := strings.Fields(s[end+1:]) // state, ppid, …
		if len(fields) > 1 && fields[1] == strconv.Itoa(os.Getpid()) {
			kids = append(kids, s[:end+1]+" "+fields[0])
		}
	}
	return kids
}

// load loads spec from testdata with the first python3, closing it at the end
// of the test. opts may override the defaults.
func load(t testing.TB, spec string, opts Options) *App {
	t.Helper()
	if opts.Python == "" {
		opts.Python = testkit.RealPython(t)
	}
	if opts.Chdir == "" {
		opts.Chdir = testkit.Testdata(t)
	}
	app, err := Load(spec, opts)
	if err != nil {
		t.Fatalf("Load(%q): %v", spec, err)
	}
	t.Cleanup(func() {
		if err := app.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return app
}

// request builds a complete environ for method path?query with body as
// wsgi.input (nil for none).
func request(method, target string, body io.Reader) *wsgi.Environ {
	env := wsgi.NewEnviron(method, target, body)
	if body != nil {
		env.Set("CONTENT_TYPE", "text/plain")
	}
	return env
}

// response is what one call produced.
type response struct {
	status  string
	headers []wsgi.Header
	chunks  []string
	err     error // from Call, or the first error from Next but io.EOF
}

func (r response) body() string { return strings.Join(r.chunks, "") }

func (r response) header(name string) string {
	for _, h := range r.headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// do runs one request through app, iterates the whole body and closes it.
func do(t testing.TB, app wsgi.App, env *wsgi.Environ) response {
	t.Helper()
	var r response
	start := func(status string, headers []wsgi.Header, excInfo error) (wsgi.Write, error) {
		r.status, r.headers = status, headers
		return func([]byte) error { return nil }, nil
	}
	body, err := app.Call(env, start)
	if err != nil {
		r.err = err
		return r
	}
	defer func() {
		if err := body.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	for {
		chunk, err := body.Next()
		if errors.Is(err, io.EOF) {
			return r
		}
		if err != nil {
			r.err = err
			return r
		}
		r.chunks = append(r.chunks, string(chunk))
	}
}

// validated wraps app in wsgi.Validate and checks, at the end of the test,
// that no PEP 3333 rule was broken.
func validated(t testing.TB, app wsgi.App) wsgi.App {
	t.Helper()
	v := wsgi.Validate(app)
	t.Cleanup(func() {
		if err := v.Err(); err != nil {
			t.Errorf("wsgi.Validate: %v", err)
		}
	})
	return v
}

// hidden hides a reader's type, so pyapp cannot see an InputBuffer: it
// then reads the body itself before sending the request.
type hidden struct{ io.Reader }

// buffered is an InputBuffer: the body in memory or spooled to a file.
type buffered struct {
	io.Reader
	data []byte
	path string
}

func (b buffered) Buffered() ([]byte, string) { return b.data, b.path }

// hangGuard turns a test that would hang into one that fails. It bounds waits
// that end within milliseconds when all is well: no test measures time.
const hangGuard = time.Minute

// waitFor polls done until it is true, failing after hangGuard.
func waitFor(t testing.TB, what string, done func() bool) {
	t.Helper()
	testkit.WaitFor(t, what, hangGuard, done)
}

// waitFile waits until the file at path exists.
func waitFile(t testing.TB, path string) {
	t.Helper()
	waitFor(t, path, func() bool {
		_, err := os.Stat(path)
		return err == nil
	})
}

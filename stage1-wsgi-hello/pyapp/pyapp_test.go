package pyapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/iotest"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

func TestHello(t *testing.T) {
	app := validated(t, load(t, "hello:app", Options{Chdir: testkit.Example(t, "")}))
	r := do(t, app, request("GET", "/", nil))
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.status != "200 OK" || r.header("Content-Type") != "text/html" || r.header("Content-Length") != "26" {
		t.Errorf("head = %q %v", r.status, r.headers)
	}
	if r.body() != "<html>Hello, world!</html>" {
		t.Errorf("body = %q", r.body())
	}
}

func TestEnvironHasEveryPEP3333Key(t *testing.T) {
	app := load(t, "apps:router", Options{})
	env := request("GET", "/environ_types", nil)
	env.Set("HTTP_X_LATIN", "caf\xe9\xff")
	env.URLScheme = "https"
	env.Multithread = true
	r := do(t, app, env)
	if r.err != nil {
		t.Fatal(r.err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.body()), &got); err != nil {
		t.Fatalf("%v: %s", err, r.body())
	}
	want := map[string]any{
		"REQUEST_METHOD": "str", "SCRIPT_NAME": "str", "QUERY_STRING": "str", "SERVER_NAME": "str",
		"SERVER_PORT": "str", "SERVER_PROTOCOL": "str", "HTTP_HOST": "str",
		"PATH_INFO":             "/environ_types",
		"wsgi.version":          []any{1.0, 0.0},
		"wsgi.url_scheme":       "https",
		"wsgi.input":            "BytesIO",
		"wsgi.errors":           "ErrorStream",
		"wsgi.multithread":      true,
		"wsgi.multiprocess":     false,
		"wsgi.run_once":         false,
		"wsgi.input_terminated": true,
		"wsgi.file_wrapper":     "type",
		"file_wrapper_is_class": true,
		"HTTP_X_LATIN":          []any{99.0, 97.0, 102.0, 233.0, 255.0}, // one character per byte
	}
	for key, value := range want {
		if fmt.Sprint(got[key]) != fmt.Sprint(value) {
			t.Errorf("environ[%q] = %v, want %v", key, got[key], value)
		}
	}
	for _, name := range []string{"input_has_read", "input_has_readline", "input_has_readlines", "input_has___iter__",
		"errors_has_write", "errors_has_writelines", "errors_has_flush"} {
		if got[name] != true {
			t.Errorf("%s = %v", name, got[name])
		}
	}
}

func TestGeneratorChunksArriveOneByOne(t *testing.T) {
	app := load(t, "apps:router", Options{})
	marker := filepath.Join(t.TempDir(), "go-on")
	var status string
	body, err := app.Call(request("GET", "/generator?"+marker, nil), func(s string, _ []wsgi.Header, _ error) (wsgi.Write, error) {
		status = s
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	// The app waits for the marker before its second chunk: the first must
	// arrive on its own.
	if chunk, err := body.Next(); string(chunk) != "first;" || err != nil || status != "200 OK" {
		t.Fatalf("Next = %q, %v (status %q)", chunk, err, status)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if chunk, err := body.Next(); string(chunk) != "second;" || err != nil {
		t.Fatalf("Next = %q, %v", chunk, err)
	}
	if chunk, err := body.Next(); err != io.EOF {
		t.Fatalf("Next = %q, %v, want io.EOF", chunk, err)
	}
}

func TestLegacyWrite(t *testing.T) {
	app := validated(t, load(t, "apps:router", Options{}))
	r := do(t, app, request("GET", "/writer", nil))
	if r.err != nil || strings.Join(r.chunks, ",") != "written;,returned;" {
		t.Fatalf("chunks %q, err %v", r.chunks, r.err)
	}
}

func TestResponses(t *testing.T) {
	app := load(t, "apps:router", Options{})
	tests := []struct {
		path    string
		status  string
		chunks  string // joined with ","
		errText string // in the *AppError, "" for none
	}{
		{path: "/raise_before", errText: "ValueError: boom before start_response"},
		{path: "/raise_after", status: "200 OK", chunks: "partial;", errText: "KeyError: 'boom after the head'"},
		{path: "/twice", errText: "RuntimeError: start_response() called a second time without exc_info"},
		{path: "/exc_info_before_head", status: "500 Internal Server Error", chunks: "replaced"},
		{path: "/exc_info_after_head", status: "200 OK", chunks: "sent;", errText: "RuntimeError: too late"},
		{path: "/bad_header", errText: "TypeError: response header ('X-Bytes', b'value'): name and value must be str"},
		{path: "/not_latin1", errText: "ValueError: status and headers must be latin-1"},
		{path: "/str_body", errText: "TypeError: the app yielded a str: body chunks must be bytes"},
		{path: "/no_start", errText: "RuntimeError: the app sent body data before calling start_response()"},
		{path: "/no_start_empty", errText: "RuntimeError: the app's body ended without it calling start_response()"},
		{path: "/empty", status: "204 No Content"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := do(t, app, request("GET", tt.path, nil))
			if r.status != tt.status || strings.Join(r.chunks, ",") != tt.chunks {
				t.Errorf("got %q %q, want %q %q", r.status, r.chunks, tt.status, tt.chunks)
			}
			var appErr *AppError
			switch {
			case tt.errText == "" && r.err != nil:
				t.Errorf("error %v", r.err)
			case tt.errText != "" && !errors.As(r.err, &appErr):
				t.Errorf("error %v, want an *AppError", r.err)
			case tt.errText != "" && !strings.Contains(appErr.Text, tt.errText):
				t.Errorf("traceback lacks %q:\n%s", tt.errText, appErr.Text)
			}
			// The runner is fine afterwards.
			if r := do(t, app, request("GET", "/echo", nil)); r.err != nil || r.body() != "GET /echo? " {
				t.Errorf("next request: %q %v", r.body(), r.err)
			}
		})
	}
	t.Run("exc_info replaces the headers", func(t *testing.T) {
		r := do(t, app, request("GET", "/exc_info_before_head", nil))
		if r.header("X-Replaced") != "yes" {
			t.Errorf("headers %v", r.headers)
		}
	})
	t.Run("traceback names the app's line", func(t *testing.T) {
		r := do(t, app, request("GET", "/raise_before", nil))
		var appErr *AppError
		if !errors.As(r.err, &appErr) || !strings.Contains(appErr.Text, `apps.py", line`) ||
			strings.Contains(appErr.Text, runnerFile) {
			t.Errorf("traceback:\n%v", r.err)
		}
		if r.err.Error() != "python app raised ValueError: boom before start_response" {
			t.Errorf("Error() = %q", r.err.Error())
		}
	})
}

func TestValidatorWrappedApp(t *testing.T) {
	app := validated(t, load(t, "apps:validated", Options{}))
	spooled := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(spooled, []byte("x\ny"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  *wsgi.Environ
		want string
	}{
		// wsgiref's validator allows read(n) only, hence mode=readn.
		{"GET", request("GET", "/v?mode=readn", nil), "GET /v?mode=readn "},
		{"GET by line", request("GET", "/v?a=1&mode=readline", nil), "GET /v?a=1&mode=readline "},
		{"POST inline", request("POST", "/v?mode=readn", buffered{Reader: strings.NewReader("abc"), data: []byte("abc")}), "POST /v?mode=readn abc"},
		{"POST spooled", request("POST", "/v?mode=iter", buffered{Reader: strings.NewReader("x\ny"), path: spooled}), "POST /v?mode=iter [x\n][y]"},
		{"POST reader", request("POST", "/v?mode=readn", hidden{strings.NewReader("plain body")}), "POST /v?mode=readn plain body"},
		{"POST reader by line", request("POST", "/v?mode=readline", hidden{strings.NewReader("a\nb")}), "POST /v?mode=readline [a\n][b]"},
		{"POST reader readlines", request("POST", "/v?mode=readlines", hidden{strings.NewReader("a\nb")}), "POST /v?mode=readlines [a\n][b]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, app, tt.env)
			if r.err != nil || r.body() != tt.want {
				t.Errorf("got %q, %v; want %q", r.body(), r.err, tt.want)
			}
		})
	}
}

func TestRequestBody(t *testing.T) {
	app := load(t, "apps:router", Options{})
	const text = "line one\nline two\nthree"
	spooled := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(spooled, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]func() io.Reader{
		"inline":  func() io.Reader { return buffered{Reader: strings.NewReader(text), data: []byte(text)} },
		"spooled": func() io.Reader { return buffered{Reader: strings.NewReader(text), path: spooled} },
		"reader":  func() io.Reader { return hidden{iotest.HalfReader(strings.NewReader(text))} },
	}
	modes := map[string]string{
		"read":      text,
		"readn":     text,
		"readline":  "[line one\n][line two\n][three]",
		"readlimit": "line| one|\n|line| two|\n|thre|e",
		"readlines": "[line one\n][line two\n][three]",
		"iter":      "[line one\n][line two\n][three]",
	}
	for kind, input := range kinds {
		for mode, want := range modes {
			t.Run(kind+"/"+mode, func(t *testing.T) {
				r := do(t, app, request("POST", "/echo?mode="+mode, input()))
				prefix := "POST /echo?mode=" + mode + " "
				if r.err != nil || r.body() != prefix+want {
					t.Errorf("got %q, %v; want %q", r.body(), r.err, prefix+want)
				}
			})
		}
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 100_000)
	t.Run("big", func(t *testing.T) {
		_ = bytes.Repeat([]byte("0123456789abcdef"), 100_000) // 1.6 MB: a frame bigger than a recv, a spooled reader
		for name, input := range map[string]io.Reader{
			"inline": buffered{Reader: bytes.NewReader(big), data: big},
			"reader": hidden{bytes.NewReader(big)},
		} {
			r := do(t, app, request("POST", "/echo", input))
			if r.err != nil || r.body() != "POST /echo? "+string(big) {
				t.Errorf("%s: %d bytes back, %v", name, len(r.body()), r.err)
			}
		}
	})
	t.Run("read after the head", func(t *testing.T) {
		r := do(t, app, request("POST", "/lazy_reader", hidden{strings.NewReader("late")}))
		if r.err != nil || r.body() != "got:late" {
			t.Errorf("got %q, %v", r.body(), r.err)
		}
	})
	t.Run("no spool file left", func(t *testing.T) {
		dir := t.TempDir()
		app := load(t, "apps:router", Options{TempDir: dir})
		if r := do(t, app, request("POST", "/echo", hidden{bytes.NewReader(big)})); r.err != nil {
			t.Fatal(r.err)
		}
		if left, _ := os.ReadDir(dir); len(left) > 0 {
			t.Errorf("left in the temp dir: %v", left)
		}
	})
	t.Run("failing input", func(t *testing.T) {
		broken := errors.New("client went away")
		input := hidden{io.MultiReader(strings.NewReader("some"), iotest.ErrReader(broken))}
		r := do(t, app, request("POST", "/echo", input))
		if !errors.Is(r.err, broken) {
			t.Errorf("error %v, want %v", r.err, broken)
		}
		if r := do(t, app, request("GET", "/echo", nil)); r.err != nil {
			t.Errorf("next request: %v", r.err)
		}
	})
}

// TestIterableCloseIsCalled: PEP 3333 asks the server to call the iterable's
// close() however the response ends: at its end, sent in one write or chunk
// by chunk, and when the iteration raises.
func TestIterableCloseIsCalled(t *testing.T) {
	app := load(t, "apps:router", Options{})
	tests := []struct {
		path    string
		chunks  string // joined with ","
		errText string // in the *AppError's traceback, "" for none
	}{
		{"/closing_settled", "one;,two;", ""},
		{"/closing_generator", "one;,two;", ""},
		{"/closing_raise", "one;", "ValueError: boom in the body"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			marker := filepath.Join(t.TempDir(), "closed")
			r := do(t, app, request("GET", tt.path+"?"+marker, nil))
			if got := strings.Join(r.chunks, ","); got != tt.chunks {
				t.Errorf("chunks %q, want %q", got, tt.chunks)
			}
			var appErr *AppError
			switch {
			case tt.errText == "" && r.err != nil:
				t.Errorf("error %v", r.err)
			case tt.errText != "" && (!errors.As(r.err, &appErr) || !strings.Contains(appErr.Text, tt.errText)):
				t.Errorf("error %v, want an *AppError with %q", r.err, tt.errText)
			}
			if b, err := os.ReadFile(marker); err != nil || string(b) != "closed" {
				t.Errorf("the iterable's close() was not called: %q, %v", b, err)
			}
		})
	}
}

func TestCloseBeforeTheEndCancels(t *testing.T) {
	app := load(t, "apps:router", Options{})
	pids := app.Pids()
	cancelEndless(t, app, func() {})
	if r := do(t, app, request("GET", "/echo", nil)); r.err != nil {
		t.Errorf("next request: %v", r.err)
	}
	if got := app.Pids(); got[0] != pids[0] {
		t.Errorf("runner replaced (%v → %v); it should have been reused", pids, got)
	}
}

// cancelEndless starts the endless generator, runs meanwhile (while the
// generator's request is in flight), reads three chunks, closes the body
// before the end, and checks that the iterable's close() was called.
func cancelEndless(t *testing.T, app *App, meanwhile func()) {
	t.Helper()
	marker := filepath.Join(t.TempDir(), "closed")
	body, err := app.Call(request("GET", "/endless?"+marker, nil), func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	meanwhile()
	for range 3 {
		if _, err := body.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if err := body.Close(); err != nil {
		t.Fatal(err)
	}
	// Close does not wait for the runner: it stops the iterable soon after.
	waitFor(t, "the iterable's close() to be called", func() bool {
		b, err := os.ReadFile(marker)
		return err == nil && string(b) == "closed"
	})
}

func TestRunnerKilled(t *testing.T) {
	app := load(t, "apps:router", Options{ErrorLog: &testkit.Buffer{}})
	kill := func(t *testing.T) {
		t.Helper()
		if err := syscall.Kill(app.Pids()[0], syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("after the head", func(t *testing.T) {
		before := app.Pids()[0]
		body, err := app.Call(request("GET", "/hang_after_head", nil), func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil })
		if err != nil {
			t.Fatal(err)
		}
		if chunk, err := body.Next(); string(chunk) != "alive;" || err != nil {
			t.Fatalf("Next = %q, %v", chunk, err)
		}
		kill(t)
		_, err = body.Next()
		if !errors.Is(err, ErrRunnerDied) || !strings.Contains(err.Error(), "signal: killed") {
			t.Errorf("Next after kill: %v", err)
		}
		if err := body.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		r := do(t, app, request("GET", "/echo", nil))
		if r.err != nil || r.body() != "GET /echo? " {
			t.Errorf("next request: %q, %v", r.body(), r.err)
		}
		if app.Pids()[0] == before {
			t.Error("the dead runner was not replaced")
		}
	})
	t.Run("before the head", func(t *testing.T) {
		marker := filepath.Join(t.TempDir(), "started")
		done := make(chan response, 1)
		go func() { done <- do(t, app, request("GET", "/hang_before_head?"+marker, nil)) }()
		waitFor(t, "the app to start", func() bool {
			b, err := os.ReadFile(marker)
			return err == nil && len(b) > 0
		})
		kill(t)
		if r := <-done; !errors.Is(r.err, ErrRunnerDied) {
			t.Errorf("Call after kill: %v", r.err)
		}
		if r := do(t, app, request("GET", "/echo", nil)); r.err != nil {
			t.Errorf("next request: %v", r.err)
		}
	})
	t.Run("while idle", func(t *testing.T) {
		pid := app.Pids()[0]
		kill(t)
		waitFor(t, "the killed runner to be reaped", func() bool { return syscall.Kill(pid, 0) != nil })
		if r := do(t, app, request("GET", "/echo", nil)); r.err != nil {
			t.Errorf("request after an idle death: %v", r.err)
		}
	})
}

func TestConcurrentCalls(t *testing.T) {
	for _, threads := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d threads", threads), func(t *testing.T) {
			app := validated(t, load(t, "apps:router", Options{Threads: threads}))
			var wg sync.WaitGroup
			errs := make(chan error, 50)
			for i := range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					query := fmt.Sprintf("n=%d", i)
					r := do(t, app, request("GET", "/echo?"+query, nil))
					if want := "GET /echo?" + query + " "; r.err != nil || r.body() != want {
						errs <- fmt.Errorf("request %d: got %q, %v", i, r.body(), r.err)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

func TestErrorsAndOutput(t *testing.T) {
	var log testkit.Buffer
	app := load(t, "apps:router", Options{ErrorLog: &log, CaptureOutput: true})
	var errs bytes.Buffer
	env := request("GET", "/errors", nil)
	env.Errors = &errs
	if r := do(t, app, env); r.err != nil || r.body() != "ok" {
		t.Fatalf("got %q, %v", r.body(), r.err)
	}
	if errs.String() != "to wsgi.errors\nline 1\nline 2\n" {
		t.Errorf("wsgi.errors got %q", errs.String())
	}
	if err := app.Close(); err != nil { // waits for the output to be copied
		t.Fatal(err)
	}
	for _, want := range []string{"to stdout\n", "to stderr\n"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("error log lacks %q: %q", want, log.String())
		}
	}
}

func TestFileWrapper(t *testing.T) {
	app := load(t, "apps:router", Options{})
	want, err := os.ReadFile("testdata/apps.py")
	if err != nil {
		t.Fatal(err)
	}
	r := do(t, app, request("GET", "/file_wrapper", nil))
	if r.err != nil || r.body() != string(want) || len(r.chunks) < len(want)/100 {
		t.Errorf("%d chunks, %d bytes, %v", len(r.chunks), len(r.body()), r.err)
	}
}

func TestOptions(t *testing.T) {
	extra := t.TempDir()
	app := load(t, "apps:cwd", Options{PythonPath: []string{extra}, Env: []string{"PYAPP_TEST=set"}})
	r := do(t, app, request("GET", "/", nil))
	var got struct {
		Cwd  string
		Path []string
		Env  string
	}
	if err := json.Unmarshal([]byte(r.body()), &got); err != nil {
		t.Fatalf("%v: %q %v", err, r.body(), r.err)
	}
	if got.Cwd != testkit.Testdata(t) || got.Env != "set" || got.Path[0] != extra || got.Path[1] != testkit.Testdata(t) {
		t.Errorf("runner sees %+v", got)
	}
}

func TestInterpreter(t *testing.T) {
	app := t.TempDir()
	t.Setenv("VIRTUAL_ENV", "")
	if got, why := Interpreter("", app); got != "python3" || !strings.Contains(why, "default") {
		t.Errorf("default: %q (%s)", got, why)
	}
	venv := filepath.Join(app, ".venv", "bin")
	if err := os.MkdirAll(venv, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(venv, "python"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, why := Interpreter("", app); got != filepath.Join(venv, "python") || !strings.Contains(why, "beside the app") {
		t.Errorf("a .venv beside the app: %q (%s)", got, why)
	}
	t.Setenv("VIRTUAL_ENV", "/venv")
	if got, _ := Interpreter("", app); got != "/venv/bin/python" {
		t.Errorf("virtualenv: %q", got)
	}
	if got, _ := Interpreter("/usr/bin/python3", app); got != "/usr/bin/python3" {
		t.Errorf("flag: %q", got)
	}
}

func TestCloseLeavesNoProcess(t *testing.T) {
	app, err := Load("apps:router", Options{Python: testkit.RealPython(t), Chdir: testkit.Testdata(t), Threads: 3})
	if err != nil {
		t.Fatal(err)
	}
	pids := app.Pids()
	if r := do(t, app, request("GET", "/echo", nil)); r.err != nil {
		t.Fatal(r.err)
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("runner %d still there after Close (kill 0: %v)", pid, err)
		}
	}
	if _, err := app.Call(request("GET", "/echo", nil), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Call after Close: %v", err)
	}
}

func TestStartResponseErrorStopsTheRequest(t *testing.T) {
	app := load(t, "apps:router", Options{})
	refused := errors.New("refused")
	_, err := app.Call(request("GET", "/endless?"+filepath.Join(t.TempDir(), "m"), nil),
		func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, refused })
	if !errors.Is(err, refused) {
		t.Errorf("Call: %v", err)
	}
	if r := do(t, app, request("GET", "/echo", nil)); r.err != nil {
		t.Errorf("next request: %v", r.err)
	}
}

func TestDjango(t *testing.T) {
	python := testkit.PythonWith(t, "django", "python3-django")
	app := validated(t, load(t, "project.wsgi", Options{Python: python, Chdir: testkit.Example(t, "djangoproject")}))
	r := do(t, app, request("GET", "/hello/", nil))
	if r.err != nil || r.status != "200 OK" || !strings.Contains(r.body(), "Hello from Django") {
		t.Fatalf("GET /hello/: %q %q %v", r.status, r.body(), r.err)
	}
	form := "name=gunicorn&lang=go"
	env := request("POST", "/echo/", buffered{Reader: strings.NewReader(form), data: []byte(form)})
	env.Set("CONTENT_TYPE", "application/x-www-form-urlencoded")
	env.Set("CONTENT_LENGTH", fmt.Sprint(len(form)))
	env.Set("HTTP_ACCEPT", "application/json")
	env.Set("QUERY_STRING", "x=1")
	r = do(t, app, env)
	if r.err != nil || r.status != "200 OK" {
		t.Fatalf("POST /echo/: %q %q %v", r.status, r.body(), r.err)
	}
	var got struct {
		Method, Path, Query string
		BodyLength          int `json:"body_length"`
		Form                map[string]string
	}
	if err := json.Unmarshal([]byte(r.body()), &got); err != nil {
		t.Fatalf("%v: %s", err, r.body())
	}
	if got.Method != "POST" || got.Path != "/echo/" || got.Query != "x=1" || got.BodyLength != len(form) ||
		got.Form["name"] != "gunicorn" || got.Form["lang"] != "go" {
		t.Errorf("echo says %+v", got)
	}
}

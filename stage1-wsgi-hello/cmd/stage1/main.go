// Command stage1 calls a WSGI app once, without any network, and prints the
// response as HTTP: the smallest proof that the wsgi.App contract and the
// Python app runner work.
//
//	stage1 [--chdir DIR] [--python PATH] [--method M] [--data BODY] APP [PATH]
//
// APP is gunicorn's "module:callable" (or "go:NAME" for a Go example app),
// PATH the request target, "/" by default. Exit status: 0 when the app
// answered, 1 when it failed, 2 for bad usage, 4 when the app could not be
// loaded (gunicorn's APP_LOAD_ERROR).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"gunicorn-go/shared/examples/goapps"
	"gunicorn-go/stage1-wsgi-hello/appload"
	"gunicorn-go/stage1-wsgi-hello/pyapp"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// Exit statuses.
const (
	exitFailure   = 1
	exitUsage     = 2
	exitLoadError = 4
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("stage1", flag.ContinueOnError)
	flags.SetOutput(stderr)
	chdir := flags.String("chdir", "", "run the Python app in `DIR` (also first on sys.path)")
	python := flags.String("python", "", "the Python interpreter `PATH` (default $VIRTUAL_ENV/bin/python, else python3)")
	method := flags.String("method", "", "the request method `M` (default GET, POST with --data)")
	data := flags.String("data", "", "a form-encoded request `BODY`")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: stage1 [--chdir DIR] [--python PATH] [--method M] [--data BODY] APP [PATH]")
		flags.PrintDefaults()
	}
	// Flags may come before or after the positional arguments.
	var positional []string
	for rest := args; ; {
		if err := flags.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0 // -h, --help: the usage was asked for
			}
			return exitUsage
		}
		if rest = flags.Args(); len(rest) == 0 {
			break
		}
		positional, rest = append(positional, rest[0]), rest[1:]
	}
	if len(positional) < 1 || len(positional) > 2 {
		flags.Usage()
		return exitUsage
	}
	spec, target := positional[0], "/"
	if len(positional) == 2 {
		target = positional[1]
	}

	// CaptureOutput: the app's print()s go to stderr, stdout is the response.
	app, closer, err := appload.Load(spec, pyapp.Options{
		Python: *python, Chdir: *chdir, ErrorLog: stderr, CaptureOutput: true,
	}, goapps.All())
	if err != nil {
		fmt.Fprintf(stderr, "stage1: %s\n", errorText(err))
		return exitLoadError
	}
	defer func() {
		if err := closer.Close(); err != nil {
			fmt.Fprintf(stderr, "stage1: %v\n", err)
		}
	}()

	env := environ(*method, target, *data, stderr)
	out := &printer{w: bufio.NewWriter(stdout)}
	if err := out.serve(app, env); err != nil {
		fmt.Fprintf(stderr, "stage1: %s\n", errorText(err))
		return exitFailure
	}
	return 0
}

// environ builds the request: method target, with data as a form body, and
// errLog as wsgi.errors.
func environ(method, target, data string, errLog io.Writer) *wsgi.Environ {
	if method == "" {
		method = "GET"
		if data != "" {
			method = "POST"
		}
	}
	env := wsgi.NewEnviron(method, target, nil)
	env.Set("SERVER_SOFTWARE", "gunicorn-go/stage1")
	env.Errors = errLog
	env.RunOnce = true
	if data != "" {
		env.Set("CONTENT_TYPE", "application/x-www-form-urlencoded")
		env.Set("CONTENT_LENGTH", strconv.Itoa(len(data)))
		env.Input = wsgi.NewBytesInput([]byte(data))
	}
	return env
}

// printer writes the response as HTTP/1.1 text. Like a server, it sends the
// head with the first non-empty chunk (or at the end), so the app may still
// replace it with start_response(…, exc_info) until then.
type printer struct {
	w       *bufio.Writer
	status  string
	headers []wsgi.Header
	sent    bool
}

func (p *printer) serve(app wsgi.App, env *wsgi.Environ) (err error) {
	body, err := app.Call(env, p.startResponse)
	if err != nil {
		return err
	}
	defer func() {
		err = errors.Join(err, body.Close())
	}()
	for {
		chunk, err := body.Next()
		if err == io.EOF {
			return p.head()
		}
		if err != nil {
			return errors.Join(p.w.Flush(), err)
		}
		if err := p.write(chunk); err != nil {
			return err
		}
	}
}

func (p *printer) startResponse(status string, headers []wsgi.Header, excInfo error) (wsgi.Write, error) {
	if p.sent && excInfo != nil {
		return nil, fmt.Errorf("%w: %w", wsgi.ErrHeadersSent, excInfo)
	}
	p.status, p.headers = status, headers
	return p.write, nil
}

// write sends the head if it has not gone yet, then data, and flushes: a
// streaming app is seen streaming. Empty data sends nothing.
func (p *printer) write(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	if err := p.head(); err != nil {
		return err
	}
	p.w.Write(data)
	return p.w.Flush()
}

// head writes the status line and headers, once.
func (p *printer) head() error {
	if p.sent {
		return nil
	}
	if p.status == "" {
		return errors.New("the app never called start_response")
	}
	p.sent = true
	fmt.Fprintf(p.w, "HTTP/1.1 %s\n", p.status)
	for _, h := range p.headers {
		fmt.Fprintf(p.w, "%s: %s\n", h.Name, h.Value)
	}
	p.w.WriteString("\n")
	return p.w.Flush()
}

// errorText keeps an error to one line, except an import failure, whose
// traceback, interpreter and sys.path follow on the next lines.
func errorText(err error) string {
	if errors.Is(err, pyapp.ErrImport) {
		return err.Error()
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

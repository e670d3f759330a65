// Command sketch is chapter 1's idea in one page: Go runs a Python WSGI app
// in a child process and calls it once.
//
//	go run ./stage1-wsgi-hello/sketch shared/examples hello:app '/hello?x=1'
//
// Go cannot call Python inside its own process, so it starts python3 with a
// tiny runner (the Python program below) and talks to it over two pipes, the
// child's stdin and stdout. Go writes one environ, a line of JSON; the runner
// imports the app, calls app(environ, start_response) as PEP 3333 says, and
// writes back a line of JSON: the status, the headers and the body.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
)

// runner is the Python side: for each environ it reads, one answer.
const runner = `
import base64, importlib, io, json, sys
sys.path.insert(0, sys.argv[1])
module, _, name = sys.argv[2].partition(":")
app = getattr(importlib.import_module(module), name or "application")
answers, sys.stdout = sys.stdout, sys.stderr  # the app's print()s must not reach Go

for line in sys.stdin:
    environ = json.loads(line)
    environ.update({"wsgi.version": (1, 0), "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr})
    head, chunks = {}, []
    def start_response(status, headers, exc_info=None):
        head.update(status=status, headers=headers)
        return chunks.append  # write(), for old apps that push bytes
    body = app(environ, start_response)
    try:
        chunks.extend(body)  # a generator calls start_response only now
    finally:
        if hasattr(body, "close"):
            body.close()
    head["body"] = base64.b64encode(b"".join(chunks)).decode()
    answers.write(json.dumps(head) + "\n")
    answers.flush()
`

// answer is the runner's line for one request.
type answer struct {
	Status  string      `json:"status"`
	Headers [][2]string `json:"headers"`
	Body    []byte      `json:"body"` // base64 in the JSON
}

func main() {
	python := flag.String("python", "python3", "the Python interpreter")
	flag.Parse()
	if flag.NArg() != 3 {
		fmt.Fprintln(os.Stderr, "usage: sketch [-python PATH] DIR MODULE:APP PATH")
		os.Exit(2)
	}
	if err := call(*python, flag.Arg(0), flag.Arg(1), flag.Arg(2)); err != nil {
		fmt.Fprintln(os.Stderr, "sketch:", err)
		os.Exit(1)
	}
}

// call runs the app spec from dir, asks it for target, prints its answer.
func call(python, dir, spec, target string) error {
	rawPath, query, _ := strings.Cut(target, "?")
	path, err := url.PathUnescape(rawPath)
	if err != nil {
		return fmt.Errorf("path %q: %w", rawPath, err)
	}
	// The request as PEP 3333's CGI variables: what a server would have read.
	environ := map[string]any{
		"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
		"SERVER_NAME": "localhost", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
		"wsgi.url_scheme": "http", "wsgi.multithread": false, "wsgi.multiprocess": false, "wsgi.run_once": false,
	}
	cmd := exec.Command(python, "-c", runner, dir, spec)
	cmd.Stderr = os.Stderr // tracebacks, and what the app prints
	toPython, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	fromPython, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", python, err)
	}
	sendErr := json.NewEncoder(toPython).Encode(environ)
	toPython.Close() // one request only: the runner's loop ends after it
	line, readErr := bufio.NewReader(fromPython).ReadBytes('\n')
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("the runner failed (its traceback is above): %w", err)
	}
	var a answer
	if err := errors.Join(sendErr, readErr); err != nil {
		return fmt.Errorf("talk to the runner: %w", err)
	}
	if err := json.Unmarshal(line, &a); err != nil {
		return fmt.Errorf("read the answer: %w", err)
	}
	fmt.Printf("HTTP/1.1 %s\n", a.Status)
	for _, h := range a.Headers {
		fmt.Printf("%s: %s\n", h[0], h[1])
	}
	fmt.Printf("\n%s\n", a.Body)
	return nil
}

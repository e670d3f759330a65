package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

// accessLine is gunicorn's default access log format,
// %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s", for a
// request from curl.
var accessLine = regexp.MustCompile(`^127\.0\.0\.1 - (-|alice) \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "(GET|POST) /\S* HTTP/1\.1" \d{3} (\d+|-) "(-|http://ref\.example/)" "curl/[0-9.]+"$`)

// errorLine is gunicorn's error log line: [time] [pid] [LEVEL] message.
var errorLine = regexp.MustCompile(`^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}\] \[\d+\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] \S`)

// waitLines polls read until it returns at least n lines holding substr.
func waitLines(t *testing.T, read func() string, substr string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for {
		var lines []string
		for _, l := range strings.Split(read(), "\n") {
			if strings.Contains(l, substr) {
				lines = append(lines, l)
			}
		}
		if len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	requests := func(t *testing.T, s *liveServer) {
		t.Helper()
		if out, code := curl(t, s.url("/a?x=1"), s.url("/b")); code != 0 {
			t.Fatalf("curl exit %d: %s", code, out)
		}
		if out, code := curl(t, "-u", "alice:secret", "-e", "http://ref.example/", "-d", "x=1", s.url("/c")); code != 0 {
			t.Fatalf("curl exit %d: %s", code, out)
		}
	}
	check := func(t *testing.T, lines []string) {
		t.Helper()
		if len(lines) != 3 {
			t.Fatalf("%d access log lines, want 3:\n%s", len(lines), strings.Join(lines, "\n"))
		}
		for _, l := range lines {
			if !accessLine.MatchString(l) {
				t.Errorf("access log line %q is not in gunicorn's default format", l)
			}
		}
		if !strings.Contains(lines[0], `"GET /a?x=1 HTTP/1.1" 200 26 "-" "curl/`) {
			t.Errorf("first line %q", lines[0])
		}
		if !strings.Contains(lines[2], ` - alice [`) || !strings.Contains(lines[2], `"POST /c HTTP/1.1" 200 26 "http://ref.example/" "curl/`) {
			t.Errorf("third line %q", lines[2])
		}
	}

	t.Run("to a file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "access.log")
		s := startServer(t, "--access-logfile", path, "go:hello")
		requests(t, s)
		check(t, waitLines(t, func() string { b, _ := os.ReadFile(path); return string(b) }, "127.0.0.1", 3))
		if strings.Contains(s.Stdout.String(), "127.0.0.1 -") {
			t.Errorf("access log lines on stdout too:\n%s", s.Stdout.String())
		}
	})
	t.Run("to stdout", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, "--access-logfile", "-", "go:hello")
		requests(t, s)
		check(t, waitLines(t, s.Stdout.String, "127.0.0.1", 3))
	})
	t.Run("off by default", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, "go:hello")
		requests(t, s)
		if strings.Contains(s.Stdout.String()+s.Stderr.String(), `"GET /a?x=1 HTTP/1.1"`) {
			t.Errorf("an access log line without --access-logfile")
		}
	})
}

// TestAccessLogNoBody: HEAD, 204 and 304 put no body on the wire, so %(b)s
// and %(B)s are 0 even when the app gave one, which the server dropped.
func TestAccessLogNoBody(t *testing.T) {
	t.Parallel()
	s := startServer(t, append([]string{"--access-logfile", "-", "--access-logformat", "%(r)s %(s)s %(b)s %(B)s"}, testApps(t, "status")...)...)
	for _, req := range []struct{ method, target, want string }{
		{"HEAD", "/", "HEAD / HTTP/1.1 200 0 0"},
		{"GET", "/?code=204", "GET /?code=204 HTTP/1.1 204 0 0"},
		{"GET", "/?code=304", "GET /?code=304 HTTP/1.1 304 0 0"},
		{"GET", "/", "GET / HTTP/1.1 200 44 44"},
	} {
		s.roundTrip(req.method+" "+req.target+" HTTP/1.1\r\nHost: x\r\n\r\n", req.method)
		if lines := waitLines(t, s.Stdout.String, req.want, 1); len(lines) != 1 || lines[0] != req.want {
			t.Errorf("%s %s: want the line %q, got %q\n%s", req.method, req.target, req.want, lines, s.Stdout.String())
		}
	}
}

// TestRefusedRequestIsLogged: a request the parser refuses gets a warning in
// the error log and a line in the access log with the status and the bytes
// sent, but none of its request line, which may be what was wrong.
func TestRefusedRequestIsLogged(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--access-logfile", "-", "go:hello")
	nc := s.dial()
	write(t, nc, "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(nc)
	resp := readResponse(t, br, "GET")
	body := resp.Body
	if resp.StatusCode != 400 || string(body) != "Bad Request\n" {
		t.Fatalf("response: %d %q, want 400 \"Bad Request\\n\"", resp.StatusCode, body)
	}
	want := fmt.Sprintf(`"- - -" 400 %d "-" "-"`, len(body))
	if lines := waitLines(t, s.Stdout.String, want, 1); len(lines) != 1 || !strings.HasPrefix(lines[0], "127.0.0.1 - - [") {
		t.Errorf("access log: want one line ending %s, got %q\n%s", want, lines, s.Stdout.String())
	}
	if lines := waitLines(t, s.Stderr.String, "[WARNING] Invalid request from ip=127.0.0.1: ", 1); len(lines) != 1 {
		t.Errorf("error log: no warning for the refused request:\n%s", s.Stderr.String())
	}
}

func TestErrorLog(t *testing.T) {
	t.Parallel()
	t.Run("stderr", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, "go:hello")
		pid := strconv.Itoa(s.Pid())
		for _, msg := range []string{"[INFO] Starting gunicorn-go ", "[INFO] Listening at: http://" + s.Addr + " (" + pid + ")", "[INFO] Booting worker with pid: " + pid} {
			line := s.WaitLog(msg, ioTimeout)
			if !errorLine.MatchString(line) {
				t.Errorf("error log line %q is not in gunicorn's format", line)
			}
		}
	})
	t.Run("file and level", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "error.log")
		s := startLoggingTo(t, path, "--log-level", "debug", "go:crash")
		read := func() string { return readFile(path) }
		s.roundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
		if len(waitLines(t, read, "Error handling request", 1)) != 1 {
			t.Errorf("the app's error was not logged:\n%s", read())
		}
		if !strings.Contains(read(), "[DEBUG] GET /\n") {
			t.Errorf("at debug level, no line for the request (gunicorn logs METHOD PATH):\n%s", read())
		}
		for _, line := range strings.Split(strings.TrimSpace(read()), "\n") {
			if strings.HasPrefix(line, "[") && !errorLine.MatchString(line) {
				t.Errorf("error log line %q is not in gunicorn's format", line)
			}
		}
		if !strings.HasPrefix(read(), "[") {
			t.Errorf("the error log does not start with a log line:\n%s", read())
		}
		if out := s.Stderr.String(); out != "" {
			t.Errorf("stderr not empty with --error-logfile:\n%s", out)
		}
	})
}

// startLoggingTo starts stage2 with args and --error-logfile path, and waits
// until the file says where it listens.
func startLoggingTo(t *testing.T, path string, args ...string) *liveServer {
	t.Helper()
	bin := testkit.Binary(t, "stage2-single-worker/cmd/stage2")
	p := testkit.Start(t, testkit.StartOptions{}, bin, append([]string{"-b", "127.0.0.1:0", "--error-logfile", path}, args...)...)
	lines := waitLines(t, func() string { return readFile(path) }, "Listening at: http://127.0.0.1:", 1)
	if len(lines) != 1 {
		t.Fatalf("no Listening line in %s:\n%s", path, readFile(path))
	}
	s := &liveServer{Proc: p, t: t}
	s.Addr = strings.Fields(lines[0][strings.Index(lines[0], "http://")+len("http://"):])[0]
	return s
}

// readFile returns a file's text, "" when it cannot be read (yet).
func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// TestAccessLogEnvironAtom: %({KEY}e)s reads the request's WSGI environ in
// any case, as gunicorn does, and never the server's own environment.
func TestAccessLogEnvironAtom(t *testing.T) {
	t.Parallel()
	format := "%({PATH_INFO}e)s|%({path_info}e)s|%({HOME}e)s|%({raw_uri}e)s|%({wsgi.url_scheme}e)s"
	s := startServerWith(t, testkit.StartOptions{Env: []string{"HOME=/secret/home"}}, "--access-logfile", "-", "--access-logformat", format, "go:hello")
	s.roundTrip("GET /x?y HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
	want := "/x|/x|-|/x?y|http"
	if lines := waitLines(t, s.Stdout.String, want, 1); len(lines) != 1 || lines[0] != want {
		t.Errorf("access log: want the line %q, got %q\n%s", want, lines, s.Stdout.String())
	}
}

// TestAppOutputIsPassedOn: what the app writes to wsgi.errors reaches the
// error log as written, as in gunicorn, not stamped as an ERROR line; with
// --capture-output its stdout and stderr join it, and without they are the
// server's own.
func TestAppOutputIsPassedOn(t *testing.T) {
	t.Parallel()
	for _, capture := range []bool{false, true} {
		t.Run(fmt.Sprintf("capture %v", capture), func(t *testing.T) {
			t.Parallel()
			args := testApps(t, "chatty")
			if capture {
				args = append([]string{"--capture-output"}, args...)
			}
			s := startServer(t, args...)
			if resp := s.roundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET"); resp.StatusCode != 200 {
				t.Fatalf("GET / = %d", resp.StatusCode)
			}
			wantErr, wantOut := []string{"to wsgi.errors", "to stderr"}, []string{"to stdout"}
			if capture {
				wantErr, wantOut = []string{"to wsgi.errors", "to stdout", "to stderr"}, nil
			}
			for _, line := range wantErr {
				if got := waitLines(t, s.Stderr.String, line, 1); len(got) != 1 || got[0] != line {
					t.Errorf("error log: want the line %q as written, got %q", line, got)
				}
			}
			for _, line := range wantOut {
				if got := waitLines(t, s.Stdout.String, line, 1); len(got) != 1 || got[0] != line {
					t.Errorf("stdout: want the line %q, got %q", line, got)
				}
			}
		})
	}
}

// TestHelp: --help prints the usage and exits 0; an unknown flag exits 2.
func TestHelp(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t, "stage2-single-worker/cmd/stage2")
	if out, code := testkit.Run(t, ioTimeout, "", bin, "--help"); code != 0 || !strings.HasPrefix(out, "usage: stage2") {
		t.Errorf("--help: exit %d, want 0 with the usage:\n%s", code, out)
	}
	if _, code := testkit.Run(t, ioTimeout, "", bin, "--no-such-flag", "go:hello"); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
}

package main

import (
	"encoding/base64"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gunicorn-go/shared/testkit"
)

// The format both servers log with. sharedAtoms holds every atom whose value
// comes from the request and the response: the two logs must agree on them
// byte for byte. volatileAtoms are the clock and the process (the time, the
// durations, the pid), which differ by nature: each server's are checked
// for their shape and against each other, and then left out of the
// comparison. That is all the normalisation there is. Ports and the server
// software would differ too, so no atom here names them.
const (
	sharedAtoms = `%(h)s %(l)s %(u)s "%(r)s" %(s)s %(b)s %(B)s "%(f)s" "%(a)s"` +
		` m=%(m)s U=%(U)s q=%(q)s H=%(H)s` +
		` i=[%({x-request-id}i)s][%({Accept}i)s][%({x-none}i)s]` +
		` o=[%({x-trace}o)s][%({set-cookie}o)s][%({content-length}o)s][%({server}o)s][%({date}o)s]` +
		` e=[%({path_info}e)s][%({QUERY_STRING}e)s][%({http_x_request_id}e)s][%({script_name}e)s]` +
		`[%({wsgi.url_scheme}e)s][%({remote_addr}e)s][%({none}e)s]` +
		` %(nosuch)s 100%%`
	volatileSep   = " |volatile| "
	volatileAtoms = `%(t)s %(T)s %(D)s %(M)s %(L)s %(p)s`
)

// volatile is what volatileAtoms must look like: [time] T D M L <pid>.
var volatile = regexp.MustCompile(`^\[\d{2}/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] (\d+) (\d+) (\d+) (\d+)\.(\d{6}) <(\d+)>$`)

// loggedRequests go to both servers, byte for byte the same. Every one asks
// to close (or is HTTP/1.0), as gunicorn's sync worker would anyway.
var loggedRequests = []struct{ name, raw string }{
	{"plain GET, a repeated header", "GET /hello HTTP/1.1\r\nHost: x\r\nUser-Agent: plain/1.0\r\n" +
		"X-Request-Id: first\r\nX-Request-Id: second\r\nConnection: close\r\n\r\n"},
	{"HTTP/1.0 with a query", "GET /hello?x=1&y=two HTTP/1.0\r\nHost: x\r\n\r\n"},
	{"POST with a body, basic auth", "POST /submit?x=1 HTTP/1.1\r\nHost: x\r\nAuthorization: " + basicAuth("alice:secret") + "\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\nConnection: close\r\n\r\nname=joe&"},
	{"HEAD", "HEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
	{"404, a bearer token", "GET /missing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\nConnection: close\r\n\r\n"},
	{"204", "GET /nothing?code=204 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
	{"304", "GET /nothing?code=304 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
	{"200, empty, no Content-Length", "GET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
	// Raw bytes above 0x7F stay out of the path: gunicorn 20.1 UTF-8-encodes
	// them a second time into PATH_INFO, an environ bug this test is not about.
	{"quotes, backslashes, non-ASCII", "GET /caf%C3%A9/%22q%22/\"raw\"\\back?name=%22x%22&raw=\"\\\xe9\xc3\xa9 HTTP/1.1\r\n" +
		"Host: x\r\nUser-Agent: Mozilla/5.0 \"quoted\" \\ back\\slash caf\xe9 caf\xc3\xa9\r\n" +
		"Referer: http://ref.example/?q=\"x\"\\\xe9\r\nAccept:\r\nX-Request-Id: \"id\" \\ \xe9\r\n" +
		"Authorization: " + basicAuth("jo\"s\xc3\xa9:pw") + "\r\nConnection: close\r\n\r\n"},
}

func basicAuth(credentials string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(credentials))
}

// TestAccessLogMatchesGunicorn runs loggedRequests through real gunicorn
// (Debian's) and through stage2, both serving testapps:logged with the same
// --access-logformat, and compares the two access logs line by line.
func TestAccessLogMatchesGunicorn(t *testing.T) {
	t.Parallel()
	testkit.RequireTool(t, "gunicorn", "gunicorn")
	python := testkit.PythonWith(t, "gunicorn", "gunicorn") // Debian's /usr/bin/python3
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	format := sharedAtoms + volatileSep + volatileAtoms
	serve := []string{"-b", "127.0.0.1:0", "--chdir", dir, "--access-logformat", format}
	opts := testkit.StartOptions{Env: []string{
		"LC_ALL=C.UTF-8", // the encoding of gunicorn's log file
		"PYTHONDONTWRITEBYTECODE=1", "SCRIPT_NAME=", "GUNICORN_CMD_ARGS=",
	}}

	gunicornLog := filepath.Join(t.TempDir(), "gunicorn.log")
	gunicorn := testkit.Start(t, opts, python, append([]string{"-m", "gunicorn", "--access-logfile", gunicornLog}, append(serve, "testapps:logged")...)...)
	stage2Log := filepath.Join(t.TempDir(), "stage2.log")
	stage2 := testkit.Start(t, opts, testkit.Binary(t, "stage2-single-worker/cmd/stage2"),
		append([]string{"--python", python, "--access-logfile", stage2Log}, append(serve, "testapps:logged")...)...)

	want := replay(t, gunicorn, gunicornLog)
	got := replay(t, stage2, stage2Log)
	for i, req := range loggedRequests {
		if got[i] != want[i] {
			t.Errorf("%s: the access log lines differ\ngunicorn: %q\nstage2:   %q", req.name, want[i], got[i])
		}
	}
}

// replay sends loggedRequests to p one at a time, each after the line of the
// one before is in the log at path, and returns the lines with their
// volatile atoms checked and cut off.
func replay(t *testing.T, p *testkit.Proc, path string) []string {
	t.Helper()
	p.WaitListening(startTimeout)
	name := filepath.Base(path)
	_, worker, _ := strings.Cut(p.WaitLog("Booting worker with pid: ", startTimeout), "Booting worker with pid: ")
	s := &liveServer{Proc: p, t: t}
	for i, req := range loggedRequests {
		nc := s.dial()
		write(t, nc, req.raw)
		if _, err := io.ReadAll(nc); err != nil {
			t.Fatalf("%s: %s: reading the answer: %v", name, req.name, err)
		}
		testkit.WaitFor(t, name+" line for "+req.name, ioTimeout, func() bool {
			return strings.Count(readFile(path), "\n") > i
		})
	}
	lines := strings.Split(strings.TrimSuffix(readFile(path), "\n"), "\n")
	if len(lines) != len(loggedRequests) {
		t.Fatalf("%s: %d lines for %d requests:\n%s", name, len(lines), len(loggedRequests), readFile(path))
	}
	for i, line := range lines {
		shared, rest, ok := cutLast(line, volatileSep)
		m := volatile.FindStringSubmatch(rest)
		if !ok || m == nil {
			t.Fatalf("%s: %s: %q does not end %q with the time, durations and pid:\n%q", name, loggedRequests[i].name, line, volatileSep, rest)
		}
		// T, M and L are D in other units, truncated; p is the worker's pid.
		d, _ := strconv.ParseInt(m[2], 10, 64)
		l := strconv.FormatInt(d/1e6, 10) + "." + strconv.FormatInt(1e6+d%1e6, 10)[1:]
		if m[1] != strconv.FormatInt(d/1e6, 10) || m[3] != strconv.FormatInt(d/1e3, 10) || m[4]+"."+m[5] != l || m[6] != worker {
			t.Errorf("%s: %s: T D M L p = %s %s %s %s.%s %s disagree (worker pid %s)", name, loggedRequests[i].name, m[1], m[2], m[3], m[4], m[5], m[6], worker)
		}
		lines[i] = shared
	}
	return lines
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

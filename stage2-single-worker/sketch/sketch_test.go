package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestSketch starts the sketch for real, on a free port, with a Python app
// that echoes its environ; talks to it over raw TCP, so that the test shows
// the bytes on the wire, and with curl; then stops it with TERM, and checks
// that its app runner is gone too.
func TestSketch(t *testing.T) {
	bin := testkit.Binary(t, "stage2-single-worker/sketch")
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	p := testkit.Start(t, testkit.StartOptions{}, bin, "127.0.0.1:0", testdata, "environ:app")
	addr := p.WaitListening(60 * time.Second)

	tests := []struct {
		name, request string
		want          []string // the response must start with the first and hold the others
	}{
		{
			name:    "a request line and headers become the environ",
			request: "POST /a%20b?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Name: ada\r\nContent-Type: text/plain\r\n\r\n",
			want: []string{"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" +
				"REQUEST_METHOD=POST\nPATH_INFO=/a b\nQUERY_STRING=x=1\nSERVER_PROTOCOL=HTTP/1.1\n" +
				"CONTENT_TYPE=text/plain\nHTTP_X_NAME=ada\nHTTP_HOST=example.com\n"},
		},
		{
			name:    "no headers at all",
			request: "GET / HTTP/1.0\r\n\r\n",
			want:    []string{"HTTP/1.1 200 OK\r\n", "SERVER_PROTOCOL=HTTP/1.0\n", "HTTP_HOST=None\n"},
		},
		{
			name:    "a request line that is not three words",
			request: "GET /\r\n\r\n",
			want:    []string{"HTTP/1.1 400 Bad Request\r\n"},
		},
		{
			name:    "a header line without a colon",
			request: "GET / HTTP/1.1\r\nHost example.com\r\n\r\n",
			want:    []string{"HTTP/1.1 400 Bad Request\r\n"},
		},
		{
			name:    "a bad percent escape",
			request: "GET /%zz HTTP/1.1\r\n\r\n",
			want:    []string{"HTTP/1.1 400 Bad Request\r\n"},
		},
		{
			name:    "an exception in the app",
			request: "GET /fail HTTP/1.1\r\n\r\n",
			want:    []string{"HTTP/1.1 500 Internal Server Error\r\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(conn, tt.request); err != nil {
				t.Fatal(err)
			}
			resp, err := io.ReadAll(conn) // the sketch closes the connection after the response
			if err != nil {
				t.Fatal(err)
			}
			got := string(resp)
			if !strings.HasPrefix(got, tt.want[0]) {
				t.Errorf("response:\n%q\nwant it to start with\n%q", got, tt.want[0])
			}
			for _, w := range tt.want[1:] {
				if !strings.Contains(got, w) {
					t.Errorf("response lacks %q:\n%q", w, got)
				}
			}
		})
	}
	// The 500 is logged with the app's exception.
	p.WaitLog("the app failed: python app raised RuntimeError: the app failed on purpose", 30*time.Second)

	t.Run("curl", func(t *testing.T) {
		curl := testkit.RequireTool(t, "curl", "curl")
		out, code := testkit.Run(t, 30*time.Second, t.TempDir(), curl, "-s", "-H", "X-Name: grace", "http://"+addr+"/curl")
		if code != 0 || !strings.Contains(out, "PATH_INFO=/curl\n") || !strings.Contains(out, "HTTP_X_NAME=grace\n") {
			t.Errorf("curl: exit %d\n%s", code, out)
		}
	})

	// TERM: the sketch dies, and its runner reads EOF and exits.
	runners := children(t, p.Pid())
	if len(runners) == 0 {
		t.Fatal("the sketch has no child process: where is its app runner?")
	}
	p.Signal(syscall.SIGTERM)
	p.Wait(30 * time.Second)
	for _, pid := range runners {
		testkit.WaitFor(t, "the runner, pid "+strconv.Itoa(pid)+", to exit", 30*time.Second, func() bool { return !testkit.Running(pid) })
	}
}

// children returns the pids of pid's child processes. Each thread lists
// those it started, and Go starts processes from any of its threads.
func children(t *testing.T, pid int) []int {
	t.Helper()
	lists, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	if err != nil || len(lists) == 0 {
		t.Fatalf("no /proc/%d/task/*/children (%v)", pid, err)
	}
	var pids []int
	for _, list := range lists {
		b, err := os.ReadFile(list)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range strings.Fields(string(b)) {
			n, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			pids = append(pids, n)
		}
	}
	return pids
}

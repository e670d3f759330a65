package tutorialcheck

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/proc"
	"gunicorn-go/shared/testkit"
)

// TestCheck runs small inline tutorials through real bash, including ones
// that must fail, and checks what the failure says.
func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantErr []string // substrings of the error; nil when the check must pass
	}{
		{
			name: "output matches",
			doc:  md("```console check", "$ printf 'one\\ntwo\\nthree\\n'", "one", "...", "three", "```"),
		},
		{
			name: "stderr is part of the output",
			doc:  md("```console check", "$ echo oops >&2", "oops", "```"),
		},
		{
			name: "expected exit status",
			doc:  md("```console check", "$ echo bye; exit 3", "bye", "[exit 3]", "```"),
		},
		{
			name:    "wrong output fails with a diff",
			doc:     md("", "```console check", "$ echo hello", "goodbye", "```"),
			wantErr: []string{"line 3: $ echo hello", "output differs", "- goodbye", "+ hello"},
		},
		{
			name:    "unexpected exit status fails",
			doc:     md("```console check", "$ exit 2", "```"),
			wantErr: []string{"line 2", "exit status 2, want 0"},
		},
		{
			name:    "cd does not carry over",
			doc:     md("```console check", "$ cd /", "$ pwd", "/", "```"),
			wantErr: []string{"line 3: $ pwd", "- /"},
		},
		{
			name: "a variable set alone carries over, to the end of its block",
			doc: md("```console check", "$ dir=$(mktemp -d)", "$ touch \"$dir/a\" && ls \"$dir\"", "a",
				"$ greeting='hello world'", "$ echo \"$greeting\" from \"${dir%/*}\"", "hello world from .../tmp",
				"$ rm -r \"$dir\"", "```",
				"```console check", "$ echo \"[$greeting]\"", "[]", "```"),
		},
		{
			name: "an assignment with a command after it is an ordinary command",
			doc:  md("```console check", "$ x=1 true", "$ echo \"[$x]\"", "[]", "```"),
		},
		{
			name:    "a failing assignment fails, and sets nothing",
			doc:     md("```console check", "$ x=$(echo oops; exit 3)", "[exit 3]", "$ echo \"[$x]\"", "[oops]", "```"),
			wantErr: []string{"line 4: $ echo", "- [oops]", "+ []"},
		},
	}
	tmp := t.TempDir()
	r := Runner{Dir: t.TempDir(), Env: []string{"TMPDIR=" + filepath.Join(tmp, "tmp")}}
	if err := os.Mkdir(filepath.Join(tmp, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks, err := Extract(tt.doc)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			err = checkAll(r, blocks)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("check failed: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("check passed, want a failure")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
		})
	}
}

// checkAll checks every block and returns the first failure.
func checkAll(r Runner, blocks []Block) error {
	for _, b := range blocks {
		if err := r.CheckBlock(b); err != nil {
			return err
		}
	}
	return nil
}

func TestExecTimeout(t *testing.T) {
	r := Runner{Dir: t.TempDir(), Timeout: 100 * time.Millisecond}
	// The child sleep shares the output pipe: the group kill must reach it.
	_, _, err := r.Exec("echo started; sleep 30 & wait")
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Exec error = %v, want ErrTimeout", err)
	}
}

// The start-up lines of the fake server, as a block shows them.
var fakeStart = []string{
	"$ ./fakeserver -b 127.0.0.1:8000 &",
	"[fake] Starting",
	"[fake] Listening at: http://127.0.0.1:8000 (...)",
	"[fake] Ready",
}

// block is a checked block of lines.
func block(lines ...string) string {
	return md(append(append([]string{"```console check"}, lines...), "```")...)
}

// TestCheckServer runs blocks that start a real server (the fake one) and
// checks what passes, what fails and what the failure says. Port 8000 is
// held, when it is free, to prove the blocks do not need it.
func TestCheckServer(t *testing.T) {
	testkit.RequireTool(t, "curl", "curl")
	if l, err := net.Listen("tcp", "127.0.0.1:8000"); err == nil {
		defer l.Close()
	}
	tests := []struct {
		name    string
		doc     string
		wantErr []string // substrings of the error; nil when the check must pass
	}{
		{
			name: "start, talk, stop",
			doc: block(append(fakeStart,
				"$ curl -s http://127.0.0.1:8000/late",
				"hello",
				"[fake] GET /late",
				"$ cat /proc/$!/comm",
				"fakeserver",
				"$ ps -o pgid= -p $! | grep -qx \" *$!\" && echo a process group of its own",
				"a process group of its own",
				"$ kill $!",
				"[fake] Handling signal: term")...),
		},
		{
			name: "variables set in the block reach the server and the commands after it",
			doc: block("$ addr=127.0.0.1:8000", "$ path=/late",
				"$ ./fakeserver -b \"$addr\" &", "...",
				"$ curl -s \"http://$addr$path\"", "hello", "[fake] GET /late",
				"$ kill $!", "[fake] Handling signal: term"),
		},
		{
			name: "server lines not shown after a command come with the next",
			doc: block(append(fakeStart,
				"$ curl -s http://127.0.0.1:8000/a",
				"hello",
				"$ kill $!",
				"[fake] GET /a",
				"[fake] Handling signal: term")...),
		},
		{
			name: "an ellipsis for the start-up lines stands at least for those up to Listening at",
			doc: block("$ ./fakeserver -b 127.0.0.1:8000 &", "...",
				"$ kill $!", "[fake] Ready", "[fake] Handling signal: term"),
		},
		{
			name: "an ellipsis ending the lines shown goes on until the next server line shown",
			doc: block("$ ./fakeserver -b 127.0.0.1:8000 &", "...",
				"$ curl -s http://127.0.0.1:8000/x", "hello", "[fake] GET /x",
				"$ kill $!", "[fake] Handling signal: term"),
		},
		{
			name: "INT is not ignored, and a signal may come before the stop",
			doc: block(append(fakeStart,
				"$ kill -USR1 $!",
				"[fake] Handling signal: usr1",
				"$ kill -INT $!",
				"[fake] Handling signal: int")...),
		},
		{
			name: "wait $! has the server's exit status",
			doc: block("$ ./fakeserver -b 127.0.0.1:8000 -exit 3 &", "...",
				"$ kill $!", "...", "[fake] Handling signal: term",
				"$ wait $!", "[exit 3]"),
		},
		{
			name: "commands before and after the server",
			doc: block("$ echo 127.0.0.1:8000 >addr", "$ cat addr", "127.0.0.1:8000",
				"$ ./fakeserver -b $(cat addr) &", "...",
				"$ kill $!", "...",
				"$ curl -sS http://127.0.0.1:8000/ || echo refused", "...", "refused"),
		},
		{
			name:    "a wrong start-up line",
			doc:     block("$ ./fakeserver -b 127.0.0.1:8000 &", "[fake] Stopping", "$ kill $!", "..."),
			wantErr: []string{"line 2: $ ./fakeserver", "in the server's start-up lines", "- [fake] Stopping", "+ [fake] Starting"},
		},
		{
			name:    "a server line that never comes",
			doc:     block(append(fakeStart, "$ curl -s http://127.0.0.1:8000/b", "hello", "[fake] GET /c", "$ kill $!", "...")...),
			wantErr: []string{"line 6: $ curl", "- [fake] GET /c", "+ [fake] GET /b"},
		},
		{
			name:    "a server line shown nowhere, with no ellipsis before it",
			doc:     block(append(fakeStart, "$ curl -s http://127.0.0.1:8000/y", "hello", "$ kill $!", "[fake] Handling signal: term")...),
			wantErr: []string{"line 8: $ kill $!", "+ [fake] GET /y", "  [fake] Handling signal: term"},
		},
		{
			name:    "a wrong shutdown line",
			doc:     block(append(fakeStart, "$ kill $!", "[fake] Bye")...),
			wantErr: []string{"line 6: $ kill $!", "the rest of the server's", "- [fake] Bye", "+ [fake] Handling signal: term"},
		},
		{
			name:    "an exit status not shown",
			doc:     block("$ ./fakeserver -b 127.0.0.1:8000 -exit 3 &", "...", "$ kill $!", "..."),
			wantErr: []string{"exited with status 3", `"wait $!" and [exit 3]`},
		},
		{
			name:    "a port the checker did not give",
			doc:     block("$ ./fakeserver -b 127.0.0.1:0 &", "...", "$ kill $!", "..."),
			wantErr: []string{"listens on a port the checker did not choose: http://127.0.0.1:", "-b 127.0.0.1:8000"},
		},
		{
			name:    "a server that never listens",
			doc:     block("$ ./fakeserver -fail &", "...", "$ kill $!"),
			wantErr: []string{"did not log \"Listening at: \"", "exited with status 1", "[fake] cannot bind"},
		},
		{
			name:    "kill $! misses a server started by a subshell",
			doc:     block("$ cd . && ./fakeserver -b 127.0.0.1:8000 &", "...", "$ kill $!", "..."),
			wantErr: []string{"left processes running: ", "(fakeserver)"},
		},
		{
			name:    "a child left behind",
			doc:     block("$ ./fakeserver -b 127.0.0.1:8000 -child &", "...", "$ kill $!", "..."),
			wantErr: []string{"left processes running: ", "(sleep)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			linkFakeServer(t, dir)
			r := Runner{Dir: dir, Timeout: 10 * time.Second}
			blocks, err := Extract(tt.doc)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			err = r.CheckBlock(blocks[0])
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("check failed: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("check passed, want a failure")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
		})
	}
}

// TestCheckServerCleansUp fails a block while its server runs, and checks
// that the server was killed, as were its children.
func TestCheckServerCleansUp(t *testing.T) {
	testkit.RequireTool(t, "curl", "curl")
	dir := t.TempDir()
	linkFakeServer(t, dir)
	doc := block("$ ./fakeserver -b 127.0.0.1:8000 -child &", "...",
		"$ echo $! >pid", "$ false", "$ kill $!", "...")
	blocks, err := Extract(doc)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if err := (Runner{Dir: dir}).CheckBlock(blocks[0]); err == nil || !strings.Contains(err.Error(), "line 5: $ false") {
		t.Fatalf("CheckBlock = %v, want the failure of line 5", err)
	}
	pid := testkit.WaitPidFile(t, filepath.Join(dir, "pid"), time.Second)
	if testkit.Running(pid) {
		t.Errorf("the server, pid %d, still runs", pid)
	}
	if left, err := proc.Group(pid); err != nil || len(left) > 0 {
		t.Errorf("its process group still has %v (%v)", left, err)
	}
}

// TestFailedBlockStopsDetached fails a block after it started a process
// that detached itself, and checks that the block's later kill by pid ran.
func TestFailedBlockStopsDetached(t *testing.T) {
	dir := t.TempDir()
	doc := block("$ setsid sleep 300 >/dev/null 2>&1 & echo $! >pid", "$ false",
		`$ kill "$(cat pid)"`)
	blocks, err := Extract(doc)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if err := (Runner{Dir: dir}).CheckBlock(blocks[0]); err == nil || !strings.Contains(err.Error(), "$ false") {
		t.Fatalf("CheckBlock = %v, want the failure of $ false", err)
	}
	pid := testkit.WaitPidFile(t, filepath.Join(dir, "pid"), time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for testkit.Running(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if testkit.Running(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the detached process, pid %d, still ran after the block failed", pid)
	}
}

func TestPorts(t *testing.T) {
	b, err := Extract(block("$ srv -b 127.0.0.1:8000 -b [::1]:8001 &", "...", "$ curl localhost:8000/ :80001 :8000", "$ kill $!"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := freePorts(b[0])
	if err != nil {
		t.Fatal(err)
	}
	p0, p1 := p.free["8000"], p.free["8001"]
	if len(p.free) != 2 || p0 == "" || p1 == "" || p0 == p1 {
		t.Fatalf("freePorts = %v, want two different ports for 8000 and 8001", p.free)
	}
	// Below the ephemeral range, where no outgoing connection takes them.
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		low, _ := strconv.Atoi(strings.Fields(string(b))[0])
		for _, port := range []string{p0, p1} {
			if n, _ := strconv.Atoi(port); n >= low {
				t.Errorf("port %d is in the ephemeral range, from %d", n, low)
			}
		}
	}
	got := p.forward(b[0].Commands[1].Text)
	if want := "curl localhost:" + p0 + "/ :80001 :" + p0; got != want {
		t.Errorf("forward = %q, want %q", got, want)
	}
	out := "Listening at: http://[::1]:" + p1 + " (7)\n:" + p0 + "1 :" + p0
	if got, want := p.backward(out), "Listening at: http://[::1]:8001 (7)\n:"+p0+"1 :8000"; got != want {
		t.Errorf("backward = %q, want %q", got, want)
	}
}

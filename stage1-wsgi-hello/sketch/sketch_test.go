package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestSketch runs the sketch for real: it builds it, and each case runs it
// with a real python3 and compares what it prints. The sketch waits for
// python3 to exit before it does, so nothing is left running.
func TestSketch(t *testing.T) {
	bin := testkit.Binary(t, "stage1-wsgi-hello/sketch")
	python := testkit.RealPython(t)
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantExit int
		want     []string // the output must hold these, in this order
	}{
		{
			name: "the seed's hello app",
			args: []string{testkit.Example(t, ""), "hello:app", "/"},
			want: []string{"HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Length: 26\n\n<html>Hello, world!</html>\n"},
		},
		{
			name: "module alone means module:application",
			args: []string{testkit.Example(t, ""), "hello", "/"},
			want: []string{"HTTP/1.1 200 OK\n", "<html>Hello, world!</html>\n"},
		},
		{
			name: "environ, write(), a generator, and a print that stays out of the answer",
			args: []string{testdata, "echo:app", "/a%20b?x=1"},
			want: []string{
				"a print() from the app\n",
				"HTTP/1.1 200 OK\nContent-Type: text/plain\nX-Echo: yes\n\nwrite() first\nGET /a b ?x=1\nhttp\n",
			},
		},
		{
			name:     "an app that cannot be imported",
			args:     []string{testdata, "nosuch:app", "/"},
			wantExit: 1,
			want:     []string{"ModuleNotFoundError: No module named 'nosuch'", "sketch: the runner failed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := testkit.Run(t, 30*time.Second, t.TempDir(), bin, append([]string{"-python", python}, tt.args...)...)
			if code != tt.wantExit {
				t.Errorf("exit status %d, want %d", code, tt.wantExit)
			}
			rest := out
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q (after what came before it):\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

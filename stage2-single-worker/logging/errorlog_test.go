package logging

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var lineFormat = regexp.MustCompile(`^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}\] \[(\d+)\] \[([A-Z]+)\] (.*)$`)

func TestErrorLogLines(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := NewErrorLog(NewOutput(&buf), Info)
	log.Debugf("hidden %d", 1)
	log.Infof("Listening at: http://%s (%d)", "127.0.0.1:8000", 5102)
	log.Warnf("careful")
	log.Errorf("Error handling request /\nTraceback (most recent call last):\nValueError: boom\n")
	fmt.Fprint(log.Stream(), "from wsgi.errors, as written\n")
	log.Stream().Write([]byte("a print()\n"))

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := []struct{ level, msg string }{
		{"INFO", "Listening at: http://127.0.0.1:8000 (5102)"},
		{"WARNING", "careful"},
		{"ERROR", "Error handling request /"},
		{"", "Traceback (most recent call last):"},
		{"", "ValueError: boom"},
		{"", "from wsgi.errors, as written"},
		{"", "a print()"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		if w.level == "" {
			if lines[i] != w.msg {
				t.Errorf("line %d: %q, want %q", i, lines[i], w.msg)
			}
			continue
		}
		m := lineFormat.FindStringSubmatch(lines[i])
		if m == nil {
			t.Errorf("line %d %q is not [time] [pid] [LEVEL] message", i, lines[i])
			continue
		}
		if m[1] != fmt.Sprint(os.Getpid()) || m[2] != w.level || m[3] != w.msg {
			t.Errorf("line %d: pid %s level %s message %q; want %d %s %q", i, m[1], m[2], m[3], os.Getpid(), w.level, w.msg)
		}
	}
}

func TestParseLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want Level
		ok   bool
	}{
		{"debug", Debug, true}, {"INFO", Info, true}, {"Warning", Warning, true},
		{"error", Error, true}, {"critical", Critical, true}, {"verbose", Info, false},
	}
	for _, tc := range tests {
		got, err := ParseLevel(tc.name)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseLevel(%q) = %v, %v", tc.name, got, err)
		}
	}
}

func TestOutputReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "error.log")
	out, err := OpenOutput(path, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	out.WriteLine([]byte("one\n"))
	// logrotate moves the file away; Reopen starts a new one.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := out.Reopen(); err != nil {
		t.Fatal(err)
	}
	out.WriteLine([]byte("two\n"))
	for name, want := range map[string]string{path + ".1": "one\n", path: "two\n"} {
		if got, err := os.ReadFile(name); err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", filepath.Base(name), got, err, want)
		}
	}
}

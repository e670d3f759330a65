package main

import (
	"strings"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestSketch runs the sketch for real, with real Python running real config
// files, and compares everything it prints (stdout and stderr together, as
// a terminal shows them). The sketch waits for Python, so nothing is left.
func TestSketch(t *testing.T) {
	bin := testkit.Binary(t, "stage3-config-file/sketch")
	testkit.Python(t)
	tests := []struct {
		name     string
		args     []string
		wantExit int
		want     string
	}{
		{
			name: "defaults alone",
			want: "" +
				"bind       = '127.0.0.1:8000'   # default\n" +
				"workers    = 1                  # default\n" +
				"loglevel   = 'info'             # default\n",
		},
		{
			name: "a config file is run, its prints stay out of the report, unknown names are warned about",
			args: []string{"-c", "testdata/full.conf.py"},
			want: "loading the config\n" +
				"sketch: testdata/full.conf.py: ignoring preload_app, not a setting\n" +
				"bind       = '0.0.0.0:9000'     # testdata/full.conf.py\n" +
				"workers    = 4                  # testdata/full.conf.py\n" +
				"loglevel   = 'warning'          # testdata/full.conf.py\n",
		},
		{
			name: "the command line wins over the file",
			args: []string{"-c", "testdata/full.conf.py", "-w", "7", "--log-level", "debug"},
			want: "loading the config\n" +
				"sketch: testdata/full.conf.py: ignoring preload_app, not a setting\n" +
				"bind       = '0.0.0.0:9000'     # testdata/full.conf.py\n" +
				"workers    = 7                  # command line\n" +
				"loglevel   = 'debug'            # command line\n",
		},
		{
			name:     "a value of the wrong type in the file",
			args:     []string{"-c", "testdata/many.conf.py"},
			wantExit: 1,
			want:     "sketch: workers: expected int, got many (testdata/many.conf.py)\n",
		},
		{
			name:     "a file Python cannot run",
			args:     []string{"-c", "testdata/typo.conf.py"},
			wantExit: 1,
			want: "Traceback (most recent call last):\n...\n" +
				"NameError: name 'wrokers' is not defined\n" +
				"sketch: testdata/typo.conf.py: exit status 1\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code := testkit.Run(t, 30*time.Second, ".", bin, tt.args...)
			if code != tt.wantExit || !matches(tt.want, got) {
				t.Errorf("exit status %d (want %d), output:\n%s\nwant:\n%s", code, tt.wantExit, got, tt.want)
			}
		})
	}
	t.Run("a bad flag value", func(t *testing.T) {
		got, code := testkit.Run(t, 30*time.Second, ".", bin, "-w", "x")
		if code != 2 || !matches("invalid value \"x\" for flag -w: workers: expected int, got x\nUsage of sketch:\n...\n", got) {
			t.Errorf("exit status %d (want 2), output:\n%s", code, got)
		}
	})
}

// matches reports whether got is want, where one line "..." in want stands
// for any lines.
func matches(want, got string) bool {
	before, after, found := strings.Cut(want, "\n...\n")
	if !found {
		return want == got
	}
	return strings.HasPrefix(got, before+"\n") && strings.HasSuffix(got[len(before)+1:], after)
}

package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gunicorn-go/shared/testkit"
)

// envVars are the variables Load reads; tests start without them.
var envVars = []string{"GUNICORN_CMD_ARGS", "WEB_CONCURRENCY", "PORT", "FORWARDED_ALLOW_IPS", "VIRTUAL_ENV"}

// environ returns this process's environment (PATH, HOME: the interpreter
// needs them) without the variables Load reads, plus extra.
func environ(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, v := range envVars {
			if k == v {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// writeFiles writes name → content under dir, making directories as needed.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadCase is one call of Load in a fresh directory.
type loadCase struct {
	files map[string]string // written into the directory first
	args  []string
	env   []string // KEY=VALUE added to environ()
}

// load runs Load for lc in a new temporary directory. When lc has files, it
// needs a python3 (and skips or fails, see testkit). It returns the config,
// the config file's own output, and the error.
func load(t testing.TB, lc loadCase) (*Config, string, error) {
	t.Helper()
	if len(lc.files) > 0 {
		testkit.Python(t)
	}
	dir := t.TempDir()
	writeFiles(t, dir, lc.files)
	var out bytes.Buffer
	c, err := LoadWith(Options{Dir: dir, Stdout: &out, Output: &out}, lc.args, environ(lc.env...))
	return c, out.String(), err
}

// mustLoad is load for cases that must succeed.
func mustLoad(t testing.TB, lc loadCase) *Config {
	t.Helper()
	c, out, err := load(t, lc)
	if err != nil {
		t.Fatalf("Load(%q): %v\nconfig output:\n%s", lc.args, err, out)
	}
	return c
}

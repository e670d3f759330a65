package config

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/help.golden and docs/settings.md")

// TestMain puts the interpreter that "python3" names first on PATH, as
// itself: a version manager's shim (pyenv's is a bash script) costs a few
// hundred milliseconds per start, and these tests start Python often. The
// interpreter is the same; only the shim is skipped.
func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := directPython()
	if err != nil {
		fmt.Fprintln(os.Stderr, "config tests: running python3 through PATH:", err)
	}
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

func directPython() (string, error) {
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return "", err
	}
	exe := strings.TrimSpace(string(out))
	if !filepath.IsAbs(exe) {
		return "", fmt.Errorf("sys.executable is %q", exe)
	}
	dir, err := os.MkdirTemp("", "config-test-python-")
	if err != nil {
		return "", err
	}
	if err := os.Symlink(exe, filepath.Join(dir, "python3")); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

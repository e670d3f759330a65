package lifecycle

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage2-single-worker/logging"
)

// TestSpoolDir: a master spools in a directory of its own, which only its
// user may enter, and removes it at exit; it removes the directories of
// masters that no longer run (killed with KILL, they could not), and leaves
// those of masters that do run alone.
func TestSpoolDir(t *testing.T) {
	parent := t.TempDir()
	var out testkit.Buffer
	elog := logging.NewErrorLog(logging.NewOutput(&out), logging.Info)

	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	alive := exec.Command("sleep", "60")
	if err := alive.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = alive.Process.Kill(); _ = alive.Wait() }()
	deadDir := filepath.Join(parent, "gunicorn-go-"+strconv.Itoa(dead.Process.Pid))
	aliveDir := filepath.Join(parent, "gunicorn-go-"+strconv.Itoa(alive.Process.Pid))
	other := filepath.Join(parent, "gunicorn-go-notapid")
	for _, d := range []string{deadDir, aliveDir, other} {
		if err := os.MkdirAll(filepath.Join(d, "sub"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "gunicorn-go-body-1"), []byte("left"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	dir, remove, err := SpoolDir(parent, elog)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(parent, "gunicorn-go-"+strconv.Itoa(os.Getpid())); dir != want {
		t.Errorf("SpoolDir = %s, want %s", dir, want)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the spool directory: %v, %v; want mode 0700", fi, err)
	}
	if _, err := os.Stat(deadDir); !os.IsNotExist(err) {
		t.Errorf("the dead master's directory is still there (%v)", err)
	}
	if !strings.Contains(out.String(), "which no longer runs") {
		t.Errorf("the removal is not logged:\n%s", out.String())
	}
	for _, d := range []string{aliveDir, other} {
		if _, err := os.Stat(filepath.Join(d, "gunicorn-go-body-1")); err != nil {
			t.Errorf("%s was touched: %v", d, err)
		}
	}
	remove()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the spool directory outlives remove (%v)", err)
	}
}

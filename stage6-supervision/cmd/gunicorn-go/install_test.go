package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

// TestMakeInstall: make install PREFIX=… builds and installs gunicorn-go
// (an executable that says its version) and the deploy files. The build
// goes to a temporary BIN, so the repository's bin/ is left alone.
func TestMakeInstall(t *testing.T) {
	t.Parallel()
	mk := testkit.RequireTool(t, "make", "make")
	prefix, build := t.TempDir(), t.TempDir()
	out, code := testkit.Run(t, 5*time.Minute, testkit.RepoRoot(t), mk, "install", "PREFIX="+prefix, "BIN="+build)
	if code != 0 {
		t.Fatalf("make install: exit %d\n%s", code, out)
	}
	bin := filepath.Join(prefix, "bin", "gunicorn-go")
	if fi, err := os.Stat(bin); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("installed binary: %v %v", fi, err)
	}
	if out, code := testkit.Run(t, waitTimeout, prefix, bin, "--version"); code != 0 || !strings.HasPrefix(out, "gunicorn-go (version ") || !strings.Contains(out, "stage 6") {
		t.Errorf("gunicorn-go --version: exit %d %q", code, out)
	}
	for _, f := range []string{"systemd/gunicorn-go.service", "systemd/gunicorn-go.socket", "supervisor/gunicorn-go.conf", "logrotate/gunicorn-go", "nginx/gunicorn-go.conf"} {
		if _, err := os.Stat(filepath.Join(prefix, "share", "gunicorn-go", "deploy", f)); err != nil {
			t.Errorf("deploy file not installed: %v", err)
		}
	}
}

package tutorialcheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

// TestTutorial runs every checked block of the repository's TUTORIAL.md, after
// `make build` has put the stage binaries in bin/ as a reader's would be.
// Each block is a subtest named for its line, with a TMPDIR of its own; a
// block stops at its first failing command, since later ones may build on
// it, but for its kills by pid, which stop what it started (nginx). A block whose needs=…
// are missing is skipped (failed under CI).
func TestTutorial(t *testing.T) {
	root := testkit.RepoRoot(t)
	path := filepath.Join(root, "TUTORIAL.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the tutorial: %v", err)
	}
	blocks, err := Extract(string(doc))
	if err != nil {
		t.Fatalf("TUTORIAL.md: %v", err)
	}
	if len(blocks) == 0 {
		t.Fatalf("TUTORIAL.md has no %q blocks: nothing keeps it honest", InfoString)
	}

	mk := testkit.RequireTool(t, "make", "make")
	if out, code := testkit.Run(t, 5*time.Minute, root, mk, "build"); code != 0 {
		t.Fatalf("make build: exit %d\n%s", code, out)
	}

	for _, b := range blocks {
		t.Run(fmt.Sprintf("line%d", b.Line), func(t *testing.T) {
			for _, need := range b.Needs {
				require(t, need)
			}
			// What the block's mktemp makes lands in the test's own
			// temporary directory, removed after it, even when it fails.
			r := Runner{Dir: root, Env: []string{"TMPDIR=" + t.TempDir()}}
			if err := r.CheckBlock(b); err != nil {
				t.Fatalf("TUTORIAL.md %v", err)
			}
		})
	}
}

// require skips the test (fails it under CI) when need, a needs=… name of a
// block, is missing. A name is a Debian package: python3-django is Django
// for /usr/bin/python3, the interpreter the tutorial names for it;
// supervisor is supervisord, systemd is systemd-analyze, nginx is nginx
// with a checkout its workers (www-data) can reach; any other is a command
// of that name on PATH (curl…).
func require(t *testing.T, need string) {
	t.Helper()
	switch need {
	case "python3-django":
		if exec.Command("/usr/bin/python3", "-c", "import django").Run() != nil {
			testkit.Missing(t, "Django for /usr/bin/python3", need)
		}
	case "supervisor":
		testkit.RequireTool(t, "supervisord", need)
	case "systemd":
		testkit.RequireTool(t, "systemd-analyze", need)
	case "nginx":
		testkit.RequireTool(t, "nginx", need)
		// Its workers run as www-data, and the tutorial's steps put the
		// socket they proxy to in the checkout's bin/.
		testkit.RequireReachable(t, testkit.RepoRoot(t))
	default:
		testkit.RequireTool(t, need, need)
	}
}

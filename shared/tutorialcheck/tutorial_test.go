package tutorialcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

// TestTutorial runs every checked block of the repository's TUTORIAL.md, after
// `make build` has put the stage binaries in bin/ as a reader's would be.
// Each block is a subtest named for its line; a block stops at its first
// failing command, since later ones may build on it.
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

	r := Runner{Dir: root}
	for _, b := range blocks {
		t.Run(fmt.Sprintf("line%d", b.Line), func(t *testing.T) {
			for _, c := range b.Commands {
				if err := r.Check(c); err != nil {
					t.Fatalf("TUTORIAL.md %v", err)
				}
			}
		})
	}
}

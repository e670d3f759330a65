package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// TestUnreachable: the first directory on the way down that others may not
// search is named; with none, nothing is.
func TestUnreachable(t *testing.T) {
	base := t.TempDir() // made 0700 by the testing package, as is its parent
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if got := unreachable(filepath.Dir(base)); got != "" {
		t.Skipf("the temporary directory's own parents are not reachable (%s): nothing to test here", got)
	}
	closed := filepath.Join(base, "closed")
	deep := filepath.Join(closed, "open", "deeper")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := unreachable(deep); got != "" {
		t.Errorf("unreachable(%s) = %q, want \"\": every directory is 0755", deep, got)
	}
	if err := os.Chmod(closed, 0o700); err != nil { // what mktemp -d makes
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(closed, 0o755) })
	if got := unreachable(deep); got != closed {
		t.Errorf("unreachable(%s) = %q, want %q: the 0700 directory above it", deep, got, closed)
	}
	if got := unreachable(filepath.Join(base, "missing")); got != filepath.Join(base, "missing") {
		t.Errorf("a directory that does not exist: unreachable = %q, want it named", got)
	}
}

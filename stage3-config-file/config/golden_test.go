package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gunicorn-go/shared/testkit"
)

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go generate ./stage3-config-file/config to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is stale; run go generate ./stage3-config-file/config (-want +got):\n%s", path, diff)
	}
}

func TestHelpGolden(t *testing.T) {
	golden(t, filepath.Join("testdata", "help.golden"), []byte(Help("stage3")))
}

func TestSettingsDoc(t *testing.T) {
	golden(t, filepath.Join(testkit.RepoRoot(t), "docs", "settings.md"), SettingsDoc())
}

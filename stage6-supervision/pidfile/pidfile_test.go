package pidfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func content(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "(none)"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// deadPid is the pid of a process that has exited.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestCreateRemoveRename(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "app.pid")
	me := os.Getpid()
	tests := []struct {
		name    string
		before  string // the file's content before Create; "" none
		wantErr error
	}{
		{"no file", "", nil},
		{"stale: a dead pid", strconv.Itoa(deadPid(t)) + "\n", nil},
		{"garbage", "not a pid\n", nil},
		{"our own pid", strconv.Itoa(me) + "\n", nil},
		{"a live process's", "1\n", ErrRunning},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(path)
			if tc.before != "" {
				if err := os.WriteFile(path, []byte(tc.before), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f, err := Create(path, me)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Create: %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if got := content(t, path); got != tc.before {
					t.Errorf("a refused Create changed the file: %q", got)
				}
				return
			}
			if got, want := content(t, path), strconv.Itoa(me)+"\n"; got != want {
				t.Errorf("file holds %q, want %q", got, want)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
				t.Errorf("mode %v, want 0644", fi.Mode().Perm())
			}
			if err := f.Remove(); err != nil {
				t.Fatal(err)
			}
			if got := content(t, path); got != "(none)" {
				t.Errorf("after Remove: %q", got)
			}
		})
	}
	os.Remove(path)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("temporary files left in the directory: %v", entries)
	}
}

// TestRemoveOnlyOurs: the old master of an upgrade does not remove the
// file once it names the new one.
func TestRemoveOnlyOurs(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.pid")
	f, err := Create(path, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.Remove(); err != nil {
		t.Fatal(err)
	}
	if got := content(t, path); got != "1\n" {
		t.Errorf("Remove took another's file: now %q", got)
	}
}

// TestRename: FILE.2 becomes FILE.
func TestRename(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "app.pid")
	f, err := Create(path+".2", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Rename(path); err != nil {
		t.Fatal(err)
	}
	if got, want := content(t, path), strconv.Itoa(os.Getpid())+"\n"; got != want || f.Path() != path {
		t.Errorf("%s holds %q (Path %s), want %q", path, got, f.Path(), want)
	}
	if got := content(t, path+".2"); got != "(none)" {
		t.Errorf("FILE.2 left: %q", got)
	}
}

func TestCreateErrors(t *testing.T) {
	t.Parallel()
	_, err := Create("/nonexistent/dir/app.pid", os.Getpid())
	if err == nil || err.Error() != "pidfile /nonexistent/dir/app.pid: no such file or directory" {
		t.Errorf("Create in a missing directory: %v", err)
	}
}

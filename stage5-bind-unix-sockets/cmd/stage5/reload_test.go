package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestReloadNamesWhatNeedsARestart: a HUP reads the config file again; the
// settings of stage 5 that shape the sockets and TLS act only in a new
// master, and the log says which changed, while the rest of the reload
// goes on.
func TestReloadNamesWhatNeedsARestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "gunicorn.conf.py")
	sock := filepath.Join(dir, "app.sock")
	write := func(body string) {
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("bind = 'unix:" + sock + "'\numask = 0o117\nbacklog = 64\n")
	s := startServer(t, startOptions{}, "-c", conf, "apps:app")
	write("bind = 'unix:" + sock + "'\numask = 0o007\nbacklog = 128\n")
	s.Signal(syscall.SIGHUP)
	s.WaitLog("umask changed: it takes a new master (a restart) to act; serving on as before for it", waitTimeout)
	s.WaitLog("backlog changed: it takes a new master (a restart) to act", waitTimeout)
	s.WaitLog("Reload done", waitTimeout)
	fi, err := os.Lstat(sock)
	if err != nil || fi.Mode().Perm() != 0o660 {
		t.Errorf("the socket file after HUP: %v %v, want it kept as it was made, 0660", fi.Mode(), err)
	}
	ask(t, "unix:"+sock, nil)
	s.stop()
}

package main

import (
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

// TestUnixSocketMode: the socket file is made with umask applied: 0,
// gunicorn's default, leaves it srwxrwxrwx; 0o117 srw-rw----.
func TestUnixSocketMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		umask []string
		want  fs.FileMode
	}{
		{nil, 0o777},
		{[]string{"--umask", "0o117"}, 0o660},
		{[]string{"-m", "077"}, 0o700},
	} {
		t.Run(strings.Join(append([]string{"umask"}, tc.umask...), " "), func(t *testing.T) {
			t.Parallel()
			sock := filepath.Join(t.TempDir(), "app.sock")
			s := startServer(t, startOptions{}, append(tc.umask, "-b", "unix:"+sock, "apps:app")...)
			fi, err := os.Lstat(sock)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != tc.want {
				t.Errorf("the socket file's mode is %v, want a socket with %v", fi.Mode(), tc.want)
			}
			s.stop()
		})
	}
}

// staleSocket leaves at path the socket file of a server that died
// without removing it: nothing listens on it.
func staleSocket(t *testing.T, path string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := net.Dial("unix", path); err == nil {
		t.Fatal("the stale socket still answers")
	}
}

// TestStaleSocketReplaced: a socket file nobody listens on is replaced,
// and the log says so.
func TestStaleSocketReplaced(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "app.sock")
	staleSocket(t, sock)
	s := startServer(t, startOptions{}, "-b", "unix:"+sock, "apps:app")
	s.WaitLog("Removed the stale socket file "+sock+": no server listened on it", waitTimeout)
	ask(t, "unix:"+sock, nil)
	s.stop()
}

// TestLiveSocketRefused: a socket another live server listens on is never
// taken: the start fails, before any worker, naming it, and the other
// server keeps its socket.
func TestLiveSocketRefused(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "app.sock")
	other, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	p := testkit.Start(t, testkit.StartOptions{}, binary(t), "--chdir", testkit.Testdata(t), "-b", "unix:"+sock, "apps:app")
	if code := p.Wait(waitTimeout); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	errors := p.Lines("[ERROR]")
	if len(errors) != 1 || !strings.Contains(errors[0], "bind unix:"+sock+": another server is listening on "+sock) {
		t.Errorf("want one error line naming the socket:\n%s", p.Stderr.String())
	}
	if lines := p.Lines("Booting worker"); len(lines) > 0 {
		t.Errorf("a worker started: %q", lines)
	}
	if c, err := net.Dial("unix", sock); err != nil {
		t.Errorf("the other server's socket: %v", err)
	} else {
		c.Close()
	}
}

// TestSocketFileLifetime: the socket file is there for the whole of a HUP
// (the listener is kept), and gone once TERM has stopped the server.
func TestSocketFileLifetime(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "app.sock")
	s := startServer(t, startOptions{}, "-w", "2", "-b", "unix:"+sock, "apps:app")
	s.waitWorkers(2)
	before, err := os.Lstat(sock)
	if err != nil {
		t.Fatal(err)
	}

	var missing, failed atomic.Int32
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case <-done:
				return
			default:
			}
			if fi, err := os.Lstat(sock); err != nil || !os.SameFile(fi, before) {
				missing.Add(1)
			}
			if c, err := net.DialTimeout("unix", sock, waitTimeout); err != nil {
				failed.Add(1)
			} else {
				c.Close()
			}
			time.Sleep(time.Millisecond)
		}
	}()
	s.Signal(syscall.SIGHUP)
	s.WaitLog("Reload done", waitTimeout)
	close(done)
	<-watched
	if missing.Load() > 0 || failed.Load() > 0 {
		t.Errorf("during the HUP the socket file was missing or replaced %d times, and refused %d connections", missing.Load(), failed.Load())
	}
	ask(t, "unix:"+sock, nil)

	s.stop()
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("after TERM the socket file is still there: %v", err)
	}
}

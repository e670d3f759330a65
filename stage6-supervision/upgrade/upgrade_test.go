package upgrade

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The test binary is the child too (os/exec's helper-process pattern):
// UPGRADE_TEST_CHILD says which.
func TestMain(m *testing.M) {
	switch os.Getenv("UPGRADE_TEST_CHILD") {
	case "serve":
		os.Exit(serveChild())
	case "fail":
		os.Exit(4) // an app that does not load
	}
	os.Exit(m.Run())
}

// serveChild is a new master: it takes the listeners handed over, answers
// one line on each connection, says it is ready, and exits once its parent
// is gone.
func serveChild() int {
	p, err := Inherited()
	if err != nil || p == nil {
		fmt.Fprintln(os.Stderr, "Inherited:", p, err)
		return 1
	}
	for _, fd := range p.FDs {
		ln, err := net.FileListener(os.NewFile(uintptr(fd), "inherited"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				fmt.Fprintf(c, "child %d: parent %d, fds %v, socket files %v, %s=%q\n",
					os.Getpid(), p.Pid, p.FDs, p.SocketFiles, EnvFD, os.Getenv(EnvFD))
				c.Close()
			}
		}()
	}
	if err := p.Ready(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	<-p.Gone()
	return 0
}

// ownedUnix is a unix listener that owns its file, as stage 5's does.
type ownedUnix struct{ *net.UnixListener }

func (ownedUnix) KeepFile() {}

func origin(t *testing.T, mode string) Origin {
	t.Helper()
	o, err := CaptureOrigin()
	if err != nil {
		t.Fatal(err)
	}
	o.Args = []string{o.Args[0], "-test.run=^$"}
	o.Env = append(o.Env, "UPGRADE_TEST_CHILD="+mode, EnvPID+"=1") // a stale one, replaced
	return o
}

func TestHandOver(t *testing.T) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	path := filepath.Join(t.TempDir(), "app.sock")
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()
	c, err := Start(origin(t, "serve"), Options{Listeners: []net.Listener{tcp, ownedUnix{ul}}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.Ready():
		if err != nil {
			t.Fatalf("Ready: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the child never said it was ready")
	}
	// Our listeners stop accepting: every connection is the child's now.
	tcp.Close()
	ul.SetUnlinkOnClose(false)
	ul.Close()
	want := fmt.Sprintf("child %d: parent %d, fds [3 4], socket files [4], %s=\"\"", c.Pid, os.Getpid(), EnvFD)
	for _, addr := range []struct{ network, address string }{{"tcp", tcp.Addr().String()}, {"unix", path}} {
		conn, err := net.Dial(addr.network, addr.address)
		if err != nil {
			t.Fatalf("%s: %v", addr.network, err)
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if err != nil || strings.TrimSpace(line) != want {
			t.Errorf("%s answered %q, %v; want %q", addr.network, line, err, want)
		}
	}
	// Our exit is the child's end of file; closing our end is the same.
	c.conn.Close()
	select {
	case <-c.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the child did not see its parent go")
	}
	if code := c.ExitCode(); code != 0 {
		t.Errorf("child's exit code %d, want 0", code)
	}
}

func TestChildFails(t *testing.T) {
	c, err := Start(origin(t, "fail"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = <-c.Ready()
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "exit status 4") {
		t.Errorf("Ready: %v, want ErrExited: exit status 4", err)
	}
	if c.ExitCode() != 4 {
		t.Errorf("ExitCode %d, want 4", c.ExitCode())
	}
}

func TestStartMissingBinary(t *testing.T) {
	o := origin(t, "serve")
	o.Path = filepath.Join(t.TempDir(), "gunicorn-go")
	if _, err := Start(o, Options{}); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("Start of a missing binary: %v", err)
	}
}

func TestInheritedMalformed(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"none", map[string]string{}, ""},
		{"pid without ready", map[string]string{EnvPID: "42"}, "GUNICORN_PID=42 is set without GUNICORN_GO_READY_FD"},
		{"bad pid", map[string]string{EnvPID: "x", EnvReadyFD: "9"}, `GUNICORN_PID="x" is not a process id`},
		{"bad fd list", map[string]string{EnvPID: "42", EnvReadyFD: "9", EnvFD: "3,a"}, `GUNICORN_FD="3,a": "a" is not a descriptor`},
		{"ready not open", map[string]string{EnvReadyFD: "999"}, "GUNICORN_GO_READY_FD=999: bad file descriptor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{EnvPID, EnvFD, EnvSocketFiles, EnvReadyFD} {
				t.Setenv(k, tc.env[k])
				if tc.env[k] == "" {
					os.Unsetenv(k)
				}
			}
			p, err := Inherited()
			switch {
			case tc.want == "" && (err != nil || p != nil):
				t.Errorf("Inherited = %v, %v; want nil, nil", p, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Inherited: %v, want %q", err, tc.want)
			}
			for _, k := range []string{EnvPID, EnvFD, EnvSocketFiles, EnvReadyFD} {
				if _, set := os.LookupEnv(k); set {
					t.Errorf("%s still set", k)
				}
			}
		})
	}
}

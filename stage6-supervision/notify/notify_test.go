package notify

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen plays the service manager: a unixgram socket at addr.
func listen(t *testing.T, addr string) *net.UnixConn {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// next reads one datagram.
func next(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

func TestSendPathAndAbstract(t *testing.T) {
	for _, addr := range []string{
		filepath.Join(t.TempDir(), "notify.sock"),
		fmt.Sprintf("@gunicorn-go-test-%d", os.Getpid()),
	} {
		t.Run(addr, func(t *testing.T) {
			c := listen(t, addr)
			n := &Notifier{socket: addr}
			if err := n.Send(Ready, Status("Serving\non two lines")); err != nil {
				t.Fatal(err)
			}
			if got, want := next(t, c), "READY=1\nSTATUS=Serving on two lines"; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
			if err := n.Send(ReloadingNow()...); err != nil {
				t.Fatal(err)
			}
			got := next(t, c)
			usec, ok := strings.CutPrefix(got, "RELOADING=1\nMONOTONIC_USEC=")
			if v, err := strconv.ParseInt(usec, 10, 64); !ok || err != nil || v <= 0 {
				t.Errorf("got %q, want RELOADING=1 and a MONOTONIC_USEC", got)
			}
		})
	}
}

// TestNoSocket: without NOTIFY_SOCKET nothing is sent and nothing fails;
// a socket nobody listens on is an error the caller can log.
func TestNoSocket(t *testing.T) {
	var nilN *Notifier
	for _, n := range []*Notifier{nilN, {}} {
		if n.Enabled() || n.Send(Ready) != nil || n.Env() != nil || n.WatchdogInterval() != 0 {
			t.Errorf("%#v: enabled, or sent", n)
		}
	}
	gone := &Notifier{socket: filepath.Join(t.TempDir(), "nobody.sock")}
	if err := gone.Send(Ready); err == nil {
		t.Error("Send to a socket nobody listens on: nil error")
	}
	if err := (&Notifier{socket: "vsock:2:1234"}).Send(Ready); err == nil {
		t.Error("Send to a vsock address: nil error")
	}
}

// TestFromEnv: the variables are read and unset; the watchdog counts only
// when WATCHDOG_PID is ours, or not set.
func TestFromEnv(t *testing.T) {
	tests := []struct {
		name, pid string
		want      time.Duration
	}{
		{"ours", strconv.Itoa(os.Getpid()), 3 * time.Second},
		{"unset", "", 3 * time.Second},
		{"another process's", "1", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(SocketEnv, "/run/systemd/notify")
			t.Setenv(WatchdogUSec, "3000000")
			t.Setenv(WatchdogPIDEnv, tc.pid)
			n := FromEnv()
			if !n.Enabled() || n.WatchdogInterval() != tc.want {
				t.Errorf("enabled %v, watchdog %v; want true, %v", n.Enabled(), n.WatchdogInterval(), tc.want)
			}
			for _, k := range []string{SocketEnv, WatchdogUSec, WatchdogPIDEnv} {
				if _, set := os.LookupEnv(k); set {
					t.Errorf("%s still set", k)
				}
			}
			want := []string{"NOTIFY_SOCKET=/run/systemd/notify"}
			if tc.want > 0 {
				want = append(want, "WATCHDOG_USEC=3000000")
			}
			if got := n.Env(); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("Env() = %q, want %q", got, want)
			}
		})
	}
}

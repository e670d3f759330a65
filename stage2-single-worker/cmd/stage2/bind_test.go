package main

import (
	"net"
	"strings"
	"testing"

	"gunicorn-go/shared/testkit"
)

// TestBindAddressFamilies: as in gunicorn, an IPv4 or empty host listens on
// IPv4 only, an IPv6 address on IPv6 only, and the log names the address
// bound; tcp:// may prefix any of them.
func TestBindAddressFamilies(t *testing.T) {
	t.Parallel()
	ipv6 := true
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		ipv6 = false
	} else {
		ln.Close()
	}
	tests := []struct {
		bind, logged string // logged: the Listening address without its port
		dialV4       bool   // 127.0.0.1 answers
		dialV6       bool   // [::1] answers
		needsV6      bool
	}{
		{"0.0.0.0:0", "0.0.0.0", true, false, false},
		{":0", "0.0.0.0", true, false, false},
		{"tcp://127.0.0.1:0", "127.0.0.1", true, false, false},
		{"[::1]:0", "[::1]", false, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.bind, func(t *testing.T) {
			t.Parallel()
			if tc.needsV6 && !ipv6 {
				t.Skip("no IPv6 loopback on this machine")
			}
			bin := testkit.Binary(t, "stage2-single-worker/cmd/stage2")
			p := testkit.Start(t, testkit.StartOptions{}, bin, "-b", tc.bind, "go:hello")
			addr := p.WaitListening(startTimeout)
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				t.Fatalf("Listening at %q: %v", addr, err)
			}
			if got := strings.TrimSuffix(addr, ":"+port); got != tc.logged {
				t.Errorf("Listening at %s, want %s:PORT", addr, tc.logged)
			}
			for _, d := range []struct {
				ip   string
				want bool
			}{{"127.0.0.1", tc.dialV4}, {"::1", tc.dialV6}} {
				if d.ip == "::1" && !ipv6 {
					continue
				}
				nc, err := net.DialTimeout("tcp", net.JoinHostPort(d.ip, port), ioTimeout)
				if err == nil {
					nc.Close()
				}
				if got := err == nil; got != d.want {
					t.Errorf("dial %s port %s: connected = %v, want %v (%v)", d.ip, port, got, d.want, err)
				}
			}
		})
	}
}

// TestBindRetriesAnAddressInUse: as gunicorn, an address in use is tried
// five times, a second apart (a restarting server's predecessor may still
// hold it): the server listens once it is free, and exits 1 if it never is.
func TestBindRetriesAnAddressInUse(t *testing.T) {
	t.Parallel()
	occupy := func(t *testing.T) (net.Listener, string) {
		t.Helper()
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		return ln, ln.Addr().String()
	}
	bin := testkit.Binary(t, "stage2-single-worker/cmd/stage2")
	t.Run("freed", func(t *testing.T) {
		t.Parallel()
		ln, addr := occupy(t)
		p := testkit.Start(t, testkit.StartOptions{}, bin, "-b", addr, "go:hello")
		p.WaitLog("[ERROR] Retrying in 1 second.", startTimeout)
		ln.Close()
		if got := p.WaitListening(startTimeout); got != addr {
			t.Fatalf("Listening at %s, want %s", got, addr)
		}
		s := &liveServer{Proc: p, t: t}
		if resp := s.roundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET"); resp.StatusCode != 200 {
			t.Errorf("GET / = %d, want 200", resp.StatusCode)
		}
	})
	t.Run("never freed", func(t *testing.T) {
		t.Parallel()
		_, addr := occupy(t)
		p := testkit.Start(t, testkit.StartOptions{}, bin, "-b", addr, "go:hello")
		if code := p.Wait(startTimeout); code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
		if n := len(p.Lines("[ERROR] Connection in use: " + addr)); n != 5 {
			t.Errorf("%d tries logged, want 5:\n%s", n, p.Stderr.String())
		}
	})
}

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

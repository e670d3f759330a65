package config

import "testing"

func TestParseBind(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want Bind
	}{
		{"127.0.0.1:8000", Bind{Network: "tcp", Address: "127.0.0.1:8000"}},
		{"0.0.0.0", Bind{Network: "tcp", Address: "0.0.0.0:8000"}},
		{"localhost", Bind{Network: "tcp", Address: "localhost:8000"}},
		{"example.com:80", Bind{Network: "tcp", Address: "example.com:80"}},
		{":9000", Bind{Network: "tcp", Address: ":9000"}},
		{"127.0.0.1:0", Bind{Network: "tcp", Address: "127.0.0.1:0"}},
		{"[::1]:8080", Bind{Network: "tcp", Address: "[::1]:8080"}},
		{"[::]", Bind{Network: "tcp", Address: "[::]:8000"}},
		{"tcp://127.0.0.1:5000", Bind{Network: "tcp", Address: "127.0.0.1:5000"}},
		{"tcp://[::1]", Bind{Network: "tcp", Address: "[::1]:8000"}},
		{"unix:/run/app.sock", Bind{Network: "unix", Address: "/run/app.sock"}},
		{"unix:relative.sock", Bind{Network: "unix", Address: "relative.sock"}},
		{"fd://3", Bind{Network: "fd", Address: "3", FD: 3}},
	}
	for _, tc := range good {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseBind(tc.in)
			if err != nil {
				t.Fatalf("ParseBind(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseBind(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if back, _ := ParseBind(got.String()); back != got {
				t.Errorf("ParseBind(%q.String()) = %+v, want %+v", tc.in, back, got)
			}
		})
	}
	for _, in := range []string{"", "unix:", "fd://", "fd://x", "fd://-1", "::1:8000", "[::1", "[::1]8000",
		"[127.0.0.1]:80", "host:port", "host:99999", "host:-1", "a b:80", "http://x:80", "tcp://unix:/x.sock", "tcp://"} {
		t.Run("bad "+in, func(t *testing.T) {
			if b, err := ParseBind(in); err == nil {
				t.Errorf("ParseBind(%q) = %+v, want an error", in, b)
			}
		})
	}
}

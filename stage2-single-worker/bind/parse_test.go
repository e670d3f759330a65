package bind

import "testing"

func TestParse(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want Address
	}{
		{"127.0.0.1:8000", Address{Network: "tcp", Address: "127.0.0.1:8000"}},
		{"0.0.0.0", Address{Network: "tcp", Address: "0.0.0.0:8000"}},
		{"localhost", Address{Network: "tcp", Address: "localhost:8000"}},
		{"example.com:80", Address{Network: "tcp", Address: "example.com:80"}},
		{":9000", Address{Network: "tcp", Address: ":9000"}},
		{"127.0.0.1:0", Address{Network: "tcp", Address: "127.0.0.1:0"}},
		{"[::1]:8080", Address{Network: "tcp", Address: "[::1]:8080"}},
		{"[::]", Address{Network: "tcp", Address: "[::]:8000"}},
		{"tcp://127.0.0.1:5000", Address{Network: "tcp", Address: "127.0.0.1:5000"}},
		{"tcp://[::1]", Address{Network: "tcp", Address: "[::1]:8000"}},
		{"unix:/run/app.sock", Address{Network: "unix", Address: "/run/app.sock"}},
		{"unix:relative.sock", Address{Network: "unix", Address: "relative.sock"}},
		{"fd://3", Address{Network: "fd", Address: "3", FD: 3}},
	}
	for _, tc := range good {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if back, _ := Parse(got.String()); back != got {
				t.Errorf("Parse(%q.String()) = %+v, want %+v", tc.in, back, got)
			}
		})
	}
	for _, in := range []string{"", "unix:", "fd://", "fd://x", "fd://-1", "::1:8000", "[::1", "[::1]8000",
		"[127.0.0.1]:80", "host:port", "host:99999", "host:-1", "a b:80", "http://x:80", "tcp://unix:/x.sock", "tcp://"} {
		t.Run("bad "+in, func(t *testing.T) {
			if b, err := Parse(in); err == nil {
				t.Errorf("Parse(%q) = %+v, want an error", in, b)
			}
		})
	}
}

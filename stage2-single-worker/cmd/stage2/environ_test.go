package main

import (
	"bufio"
	"net"
	"testing"

	"gunicorn-go/shared/testkit"
)

// TestEnviron checks the environ the server builds, as go:echo reports it.
func TestEnviron(t *testing.T) {
	t.Parallel()
	s := startServer(t, "go:echo")
	_, serverPort, _ := net.SplitHostPort(s.Addr)

	tests := []struct {
		name   string
		raw    string
		want   map[string]string
		absent []string
	}{
		{
			name: "percent-decoded UTF-8 bytes as latin-1",
			raw:  "GET /caf%C3%A9?x=%20y HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
			want: map[string]string{
				"REQUEST_METHOD":  "GET",
				"PATH_INFO":       "/caf\xc3\xa9",
				"RAW_URI":         "/caf%C3%A9?x=%20y",
				"QUERY_STRING":    "x=%20y",
				"SCRIPT_NAME":     "",
				"SERVER_PROTOCOL": "HTTP/1.1",
				"HTTP_HOST":       "example.com:8080",
				"SERVER_NAME":     "127.0.0.1",
				"SERVER_PORT":     serverPort,
				"REMOTE_ADDR":     "127.0.0.1",
				"wsgi.url_scheme": "http",
			},
			absent: []string{"CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"},
		},
		{
			name: "a lone latin-1 byte",
			raw:  "GET /%E9 HTTP/1.1\r\nHost: x\r\n\r\n",
			want: map[string]string{"PATH_INFO": "/\xe9", "RAW_URI": "/%E9", "QUERY_STRING": ""},
		},
		{
			name: "encoded slash and plus stay what they are",
			raw:  "GET /a%2Fb+c HTTP/1.1\r\nHost: x\r\n\r\n",
			want: map[string]string{"PATH_INFO": "/a/b+c", "RAW_URI": "/a%2Fb+c"},
		},
		{
			name:   "content headers only when sent",
			raw:    "POST /p HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nbody",
			want:   map[string]string{"REQUEST_METHOD": "POST", "CONTENT_TYPE": "text/plain", "CONTENT_LENGTH": "4"},
			absent: []string{"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"},
		},
		{
			name: "repeated headers joined",
			raw:  "GET / HTTP/1.1\r\nHost: x\r\nX-Multi: a\r\nAccept: text/html\r\nx-multi: b, c\r\n\r\n",
			want: map[string]string{"HTTP_X_MULTI": "a,b, c", "HTTP_ACCEPT": "text/html"},
		},
		{
			name: "underscore names dropped",
			raw:  "GET / HTTP/1.1\r\nHost: x\r\nX_Forwarded_For: 6.6.6.6\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n",
			// Kept, X_Forwarded_For would have been joined: "6.6.6.6,10.0.0.1".
			want: map[string]string{"HTTP_X_FORWARDED_FOR": "10.0.0.1"},
		},
		{
			name:   "HTTP/1.0 without Host",
			raw:    "GET /old HTTP/1.0\r\n\r\n",
			want:   map[string]string{"SERVER_PROTOCOL": "HTTP/1.0", "PATH_INFO": "/old"},
			absent: []string{"HTTP_HOST"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nc := s.dial()
			_, clientPort, _ := net.SplitHostPort(nc.LocalAddr().String())
			write(t, nc, tc.raw)
			resp := readResponse(t, bufio.NewReader(nc), "GET")
			vars, _ := environ(t, resp.Body)
			if vars["REMOTE_PORT"] != clientPort {
				t.Errorf("REMOTE_PORT=%q, want the client's port %s", vars["REMOTE_PORT"], clientPort)
			}
			checkVars(t, vars, tc.want, tc.absent)
		})
	}
}

// TestEnvironScriptName checks SCRIPT_NAME taken from the environment and
// stripped from PATH_INFO.
func TestEnvironScriptName(t *testing.T) {
	t.Parallel()
	s := startServerWith(t, testkit.StartOptions{Env: []string{"SCRIPT_NAME=/app"}}, "go:echo")
	tests := []struct {
		target, path string
	}{
		{"/app/hello?q=1", "/hello"},
		{"/app", ""},
		{"/app%2Fx", "/x"},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			resp := s.roundTrip("GET "+tc.target+" HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
			vars, _ := environ(t, resp.Body)
			checkVars(t, vars, map[string]string{"SCRIPT_NAME": "/app", "PATH_INFO": tc.path, "RAW_URI": tc.target}, nil)
		})
	}
}

func checkVars(t *testing.T, vars, want map[string]string, absent []string) {
	t.Helper()
	for k, v := range want {
		got, ok := vars[k]
		if !ok {
			t.Errorf("%s missing", k)
		} else if got != v {
			t.Errorf("%s=%q, want %q", k, got, v)
		}
	}
	for _, k := range absent {
		if v, ok := vars[k]; ok {
			t.Errorf("%s=%q set, want it absent", k, v)
		}
	}
}

// TestForwardedScheme: behind a proxy that terminates TLS, X-Forwarded-Proto
// from a trusted peer (by default this machine, as in gunicorn) makes
// wsgi.url_scheme https; from an untrusted one it is ignored; two scheme
// headers that disagree are refused.
func TestForwardedScheme(t *testing.T) {
	t.Parallel()
	trusted := startServer(t, "go:echo")
	untrusted := startServer(t, "--forwarded-allow-ips", "10.9.8.7", "go:echo")
	tests := []struct {
		name    string
		s       *liveServer
		headers string
		status  int
		scheme  string
	}{
		{"trusted https", trusted, "X-Forwarded-Proto: https\r\n", 200, "https"},
		{"trusted, no header", trusted, "", 200, "http"},
		{"trusted ssl", trusted, "X-Forwarded-Ssl: on\r\n", 200, "https"},
		{"untrusted", untrusted, "X-Forwarded-Proto: https\r\n", 200, "http"},
		{"contradictory", trusted, "X-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n", 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.s.roundTrip("GET / HTTP/1.1\r\nHost: x\r\n"+tc.headers+"\r\n", "GET")
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status != 200 {
				return
			}
			if vars, _ := environ(t, resp.Body); vars["wsgi.url_scheme"] != tc.scheme {
				t.Errorf("wsgi.url_scheme = %q, want %q", vars["wsgi.url_scheme"], tc.scheme)
			}
		})
	}
}

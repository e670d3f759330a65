package main

import (
	"net"
	"strings"
	"testing"
)

// TestAbsoluteFormRFC9112_3_2_2: a request-target in absolute-form (what a
// client sends to a proxy, and a server must accept) names the server: its
// authority replaces the Host header in HTTP_HOST, and gives SERVER_NAME
// and SERVER_PORT, the port defaulting to the URL scheme's.
func TestAbsoluteFormRFC9112_3_2_2(t *testing.T) {
	t.Parallel()
	s := startServer(t, "go:echo")
	_, serverPort, _ := net.SplitHostPort(s.Addr)
	tests := []struct {
		name   string
		raw    string
		want   map[string]string
		absent []string
	}{
		{"authority with a port replaces Host",
			"GET http://example.com:8080/x?q=1 HTTP/1.1\r\nHost: other.example\r\n\r\n",
			map[string]string{
				"HTTP_HOST": "example.com:8080", "SERVER_NAME": "example.com", "SERVER_PORT": "8080",
				"PATH_INFO": "/x", "QUERY_STRING": "q=1", "RAW_URI": "http://example.com:8080/x?q=1",
			}, nil},
		{"https without a port is 443",
			"GET HTTPS://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
			// wsgi.url_scheme says how the client reached us: plain HTTP.
			map[string]string{"HTTP_HOST": "example.com", "SERVER_NAME": "example.com", "SERVER_PORT": "443", "wsgi.url_scheme": "http"}, nil},
		{"http with an empty port is 80",
			"GET http://example.com:/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
			map[string]string{"HTTP_HOST": "example.com:", "SERVER_NAME": "example.com", "SERVER_PORT": "80"}, nil},
		{"HTTP/1.0 without Host",
			"GET http://example.com HTTP/1.0\r\n\r\n",
			map[string]string{"HTTP_HOST": "example.com", "SERVER_NAME": "example.com", "SERVER_PORT": "80", "PATH_INFO": "/"}, nil},
		{"origin-form keeps the server's address",
			"GET /x HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
			map[string]string{"HTTP_HOST": "example.com:8080", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": serverPort}, nil},
		{"HTTP/1.0 origin-form without Host",
			"GET /x HTTP/1.0\r\n\r\n",
			map[string]string{"SERVER_NAME": "127.0.0.1", "SERVER_PORT": serverPort}, []string{"HTTP_HOST"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.roundTrip(tc.raw, "GET")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			vars, _ := environ(t, resp.Body)
			checkVars(t, vars, tc.want, tc.absent)
		})
	}
}

// TestOptionsAsteriskRFC9112_3_2_4: "OPTIONS * HTTP/1.1" asks about the
// server as a whole. PATH_INFO is empty (PEP 3333: empty or starting with
// "/"), RAW_URI keeps the "*", and an app wrapped in Python's
// wsgiref.validate accepts the environ (with PATH_INFO "*" it raised
// "PATH_INFO doesn't start with /").
func TestOptionsAsteriskRFC9112_3_2_4(t *testing.T) {
	t.Parallel()
	const raw = "OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n"
	t.Run("go:echo", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, "go:echo")
		resp := s.roundTrip(raw, "OPTIONS")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		vars, _ := environ(t, resp.Body)
		checkVars(t, vars, map[string]string{"REQUEST_METHOD": "OPTIONS", "PATH_INFO": "", "RAW_URI": "*", "SCRIPT_NAME": "", "QUERY_STRING": ""}, nil)
	})
	t.Run("wsgiref.validate", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, testApps(t, "validated")...)
		resp := s.roundTrip(raw, "OPTIONS")
		checkValidated(t, "OPTIONS *", resp, "")
		if vars, _ := environ(t, resp.Body); vars["PATH_INFO"] != "" || vars["RAW_URI"] != "*" {
			t.Errorf("PATH_INFO=%q RAW_URI=%q, want \"\" and \"*\"", vars["PATH_INFO"], vars["RAW_URI"])
		}
		for _, bad := range []string{"AssertionError", "Warning", "Traceback", "Error handling request"} {
			if strings.Contains(s.Stderr.String(), bad) {
				t.Errorf("%q in the server's stderr:\n%s", bad, s.Stderr.String())
			}
		}
	})
}

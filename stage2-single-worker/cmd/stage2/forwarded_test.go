package main

import "testing"

// TestSchemeHeadersUntrusted: X-Forwarded-Proto, X-Forwarded-Protocol and
// X-Forwarded-Ssl reach the app only from a peer in --forwarded-allow-ips.
// From any other client they are removed, so that an app reading them
// itself (Django's SECURE_PROXY_SSL_HEADER) cannot be told https by a
// client; the trusted proxy's still set wsgi.url_scheme. Other forwarded
// headers pass either way.
func TestSchemeHeadersUntrusted(t *testing.T) {
	t.Parallel()
	const raw = "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Protocol: ssl\r\n" +
		"X-Forwarded-Ssl: on\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n"
	schemeKeys := []string{"HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_PROTOCOL", "HTTP_X_FORWARDED_SSL"}
	tests := []struct {
		name    string
		args    []string
		trusted bool
	}{
		{"trusted: this machine, gunicorn's default", nil, true},
		{"untrusted", []string{"--forwarded-allow-ips", "10.9.8.7"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, append(tc.args, "go:echo")...)
			resp := s.roundTrip(raw, "GET")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			vars, _ := environ(t, resp.Body)
			if tc.trusted {
				checkVars(t, vars, map[string]string{
					"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_PROTOCOL": "ssl", "HTTP_X_FORWARDED_SSL": "on",
					"wsgi.url_scheme": "https", "HTTP_X_FORWARDED_FOR": "203.0.113.7",
				}, nil)
			} else {
				checkVars(t, vars, map[string]string{"wsgi.url_scheme": "http", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, schemeKeys)
			}
		})
	}
}

package server

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"

	"gunicorn-go/stage2-single-worker/http1"
	"gunicorn-go/stage2-single-worker/logging"
)

// addrConn is a connection that has addresses and nothing else: enough for
// buildEnviron, which never reads or writes.
type addrConn struct {
	net.Conn
	local, remote net.Addr
}

func (c addrConn) LocalAddr() net.Addr  { return c.local }
func (c addrConn) RemoteAddr() net.Addr { return c.remote }

// environConn returns a connection from peer (IP:PORT) to a server on
// 127.0.0.1:8000, with configure's changes to the Server applied.
func environConn(t testing.TB, peer string, configure func(*Server)) *conn {
	t.Helper()
	s := &Server{
		Limits:   http1.Limits{RequestLine: 4094, Fields: 32768, FieldSize: 8190},
		ErrorLog: logging.NewErrorLog(logging.NewOutput(io.Discard), logging.Info),
	}
	if configure != nil {
		configure(s)
	}
	remote, err := net.ResolveTCPAddr("tcp", peer)
	if err != nil {
		t.Fatal(err)
	}
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}
	c := &conn{s: s, nc: addrConn{local: local, remote: remote}}
	c.learnAddrs()
	return c
}

// environ parses raw as c's next request and builds its environ.
func (c *conn) environFor(t testing.TB, raw string) map[string]string {
	t.Helper()
	if err := http1.ReadRequest(bufio.NewReader(strings.NewReader(raw)), c.s.Limits, &c.req); err != nil {
		t.Fatalf("ReadRequest: %v", err)
	}
	if err := c.buildEnviron(); err != nil {
		t.Fatalf("buildEnviron: %v", err)
	}
	vars := map[string]string{}
	for _, v := range c.env.Vars {
		if _, dup := vars[v.Key]; dup {
			t.Errorf("%s twice in the environ", v.Key)
		}
		vars[v.Key] = v.Value
	}
	return vars
}

// TestSchemeHeadersFromUntrustedPeer: a peer not in ForwardedAllowIPs
// cannot pass X-Forwarded-Proto and its kin to the app (an app reading
// them itself, as Django's SECURE_PROXY_SSL_HEADER does, would take the
// client's word for https); a trusted one can, and sets wsgi.url_scheme.
func TestSchemeHeadersFromUntrustedPeer(t *testing.T) {
	t.Parallel()
	const raw = "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-Proto: https\r\nx-forwarded-ssl: on\r\n" +
		"X-Forwarded-Protocol: ssl\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n"
	schemeKeys := []string{"HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_SSL", "HTTP_X_FORWARDED_PROTOCOL"}
	defaults := func(s *Server) {
		s.ForwardedAllowIPs, s.SecureSchemeHeaders = DefaultForwardedAllowIPs, DefaultSecureSchemeHeaders
	}
	tests := []struct {
		name    string
		peer    string
		trusted bool
	}{
		{"trusted proxy", "127.0.0.1:5000", true},
		{"untrusted client", "192.0.2.10:5000", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := environConn(t, tc.peer, defaults)
			vars := c.environFor(t, raw)
			for _, key := range schemeKeys {
				if _, ok := vars[key]; ok != tc.trusted {
					t.Errorf("%s in the environ: %v, want %v", key, ok, tc.trusted)
				}
			}
			if vars["HTTP_X_FORWARDED_FOR"] != "203.0.113.7" {
				t.Errorf("HTTP_X_FORWARDED_FOR=%q: only the scheme headers go", vars["HTTP_X_FORWARDED_FOR"])
			}
			want := map[bool]string{true: "https", false: "http"}[tc.trusted]
			if c.env.URLScheme != want {
				t.Errorf("wsgi.url_scheme=%q, want %q", c.env.URLScheme, want)
			}
		})
	}
}

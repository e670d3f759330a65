package server

import (
	"bufio"
	"fmt"
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
	c.takeServing()
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

// joinNaively is the environ's header vars as the old code built them, the
// reference for headerVars.
func joinNaively(c *conn, headers []http1.Header) map[string]string {
	vars := map[string]string{}
	for _, h := range headers {
		key, ok := c.environKey(h.Name)
		if !ok || key == "HTTP_HOST" {
			continue
		}
		if v, seen := vars[key]; seen {
			vars[key] = v + "," + h.Value
		} else {
			vars[key] = h.Value
		}
	}
	return vars
}

// TestHeaderVarsRFC9110_5_3 checks the joined values of repeated names
// against the naive join, below and above scanFields (scan, then map).
func TestHeaderVarsRFC9110_5_3(t *testing.T) {
	t.Parallel()
	many := func(n int, name func(i int) string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%s: v%d\r\n", name(i), i)
		}
		return b.String()
	}
	tests := []struct {
		name, fields string
	}{
		{"no repeats", "Accept: */*\r\nUser-Agent: curl\r\n"},
		{"two repeated names, interleaved", "X-A: 1\r\nX-B: 2\r\nx-a: 3\r\nX-C: 4\r\nX-B: 5\r\nX-A: \r\n"},
		{"content type and length keep their CGI names", "Content-Type: text/plain\r\nContent-Length: 0\r\nAccept: a\r\nAccept: b\r\n"},
		{"empty values", "X-E:\r\nX-E:\r\nX-E: x\r\n"},
		{"underscores dropped, even when repeated", "X_A: 1\r\nX-A: 2\r\nX_A: 3\r\n"},
		{"above scanFields, distinct", many(scanFields+8, func(i int) string { return fmt.Sprintf("X-%d", i) })},
		{"above scanFields, three names", many(scanFields*3, func(i int) string { return fmt.Sprintf("X-%d", i%3) })},
		{"above scanFields, mixed", many(scanFields*2, func(i int) string { return fmt.Sprintf("X-%d", i*7%(scanFields+5)) })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := environConn(t, "127.0.0.1:5000", nil)
			got := c.environFor(t, "GET / HTTP/1.1\r\nHost: h\r\n"+tc.fields+"\r\n")
			for key, want := range joinNaively(c, c.req.Headers) {
				if got[key] != want {
					t.Errorf("%s=%q, want %q", key, got[key], want)
				}
			}
			if got["HTTP_HOST"] != "h" {
				t.Errorf("HTTP_HOST=%q", got["HTTP_HOST"])
			}
		})
	}
}

// TestManyRepeatedHeaders: 20,000 fields of one name (the old code joined
// them with +=, quadratic: seconds) give one joined value, built with a
// number of allocations that does not grow with the number of fields.
func TestManyRepeatedHeaders(t *testing.T) {
	request := func(n int) (raw, joined string) {
		var b strings.Builder
		values := make([]string, n)
		b.WriteString("GET / HTTP/1.1\r\nHost: h\r\n")
		for i := range values {
			values[i] = fmt.Sprint(i)
			fmt.Fprintf(&b, "X-Repeat: %d\r\n", i)
		}
		return b.String() + "\r\n", strings.Join(values, ",")
	}
	allocs := map[int]float64{}
	for _, n := range []int{2000, 20000} {
		raw, joined := request(n)
		c := environConn(t, "127.0.0.1:5000", nil)
		if got := c.environFor(t, raw)["HTTP_X_REPEAT"]; got != joined {
			t.Fatalf("%d fields: HTTP_X_REPEAT has %d bytes, want %d", n, len(got), len(joined))
		}
		allocs[n] = testing.AllocsPerRun(5, func() {
			if err := c.buildEnviron(); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Logf("allocations per environ: %v for 2,000 fields, %v for 20,000", allocs[2000], allocs[20000])
	if !raceEnabled && (allocs[20000] > allocs[2000] || allocs[20000] > 4) {
		t.Errorf("buildEnviron allocates %v times for 2,000 fields, %v for 20,000: want a few, whatever the count", allocs[2000], allocs[20000])
	}
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

// BenchmarkBuildEnviron measures the environ of a browser's request, the
// common case.
func BenchmarkBuildEnviron(b *testing.B) {
	const raw = "GET /static/app.js?v=3 HTTP/1.1\r\nHost: localhost:8000\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
		"Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n" +
		"Cookie: csrftoken=abc; sessionid=def\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\n" +
		"Connection: keep-alive\r\n\r\n"
	c := environConn(b, "127.0.0.1:5000", nil)
	c.environFor(b, raw)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.buildEnviron(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUnixSocketEnviron: a request over a unix socket gets REMOTE_ADDR,
// SERVER_NAME and SERVER_PORT as gunicorn 20.1 gives them (the rows are
// what it answered over its own unix socket), and its peer is trusted with
// the secure scheme headers, as a proxy on this machine such as nginx is.
func TestUnixSocketEnviron(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw          string
		serverName, port   string
		scheme, forwardedP string // wsgi.url_scheme, HTTP_X_FORWARDED_PROTO ("-": absent)
	}{
		{"Host without a port", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", "example.com", "80", "http", "-"},
		{"Host with a port, from a proxy saying https", "GET / HTTP/1.1\r\nHost: example.com:81\r\nX-Forwarded-Proto: https\r\n\r\n", "example.com", "81", "https", "https"},
		{"https gives port 443", "GET / HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-Proto: https\r\n\r\n", "example.com", "443", "https", "https"},
		{"no Host: the socket's path, no port", "GET / HTTP/1.0\r\n\r\n", "/run/app.sock", "", "http", "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{
				Limits:            http1.Limits{RequestLine: 4094, Fields: 32768, FieldSize: 8190},
				ErrorLog:          logging.NewErrorLog(logging.NewOutput(io.Discard), logging.Info),
				ForwardedAllowIPs: DefaultForwardedAllowIPs, SecureSchemeHeaders: DefaultSecureSchemeHeaders,
			}
			c := &conn{s: s, nc: addrConn{
				local:  &net.UnixAddr{Name: "/run/app.sock", Net: "unix"},
				remote: &net.UnixAddr{Name: "@", Net: "unix"}, // what Go says of an unnamed peer
			}}
			c.learnAddrs()
			c.takeServing()
			vars := c.environFor(t, tc.raw)
			if remote, ok := vars["REMOTE_ADDR"]; !ok || remote != "" {
				t.Errorf("REMOTE_ADDR=%q (set: %v), want \"\"", remote, ok)
			}
			if port, ok := vars["REMOTE_PORT"]; ok {
				t.Errorf("REMOTE_PORT=%q, want none", port)
			}
			if vars["SERVER_NAME"] != tc.serverName || vars["SERVER_PORT"] != tc.port {
				t.Errorf("SERVER_NAME=%q SERVER_PORT=%q, want %q %q", vars["SERVER_NAME"], vars["SERVER_PORT"], tc.serverName, tc.port)
			}
			if c.env.URLScheme != tc.scheme {
				t.Errorf("wsgi.url_scheme=%q, want %q", c.env.URLScheme, tc.scheme)
			}
			if got, ok := vars["HTTP_X_FORWARDED_PROTO"]; (tc.forwardedP == "-") == ok || (ok && got != tc.forwardedP) {
				t.Errorf("HTTP_X_FORWARDED_PROTO=%q (set: %v), want %q", got, ok, tc.forwardedP)
			}
		})
	}
}

package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gunicorn-go/shared/testkit"
)

// pki is a certificate authority the test makes with openssl, and the
// certificates it signs, as an operator makes a test CA.
type pki struct {
	t   testing.TB
	dir string
	ca  string // the CA's certificate; its key is ca.key beside it
}

func newPKI(t testing.TB, dir string) *pki {
	t.Helper()
	p := &pki{t: t, dir: dir, ca: filepath.Join(dir, "ca.pem")}
	p.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
		"-keyout", filepath.Join(dir, "ca.key"), "-out", p.ca, "-days", "2", "-subj", "/CN=gunicorn-go test CA")
	return p
}

func (p *pki) openssl(args ...string) {
	p.t.Helper()
	bin := testkit.RequireTool(p.t, "openssl", "openssl")
	if out, code := testkit.Run(p.t, waitTimeout, p.dir, bin, args...); code != 0 {
		p.t.Fatalf("openssl %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
}

// issue makes name.pem and name.key, signed by the CA with serial; server
// certificates are for 127.0.0.1 and localhost, client ones for clients.
func (p *pki) issue(name, serial string, client bool) (cert, key string) {
	p.t.Helper()
	cert, key = filepath.Join(p.dir, name+".pem"), filepath.Join(p.dir, name+".key")
	csr, ext := filepath.Join(p.dir, name+".csr"), filepath.Join(p.dir, name+".ext")
	extensions := "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
	if client {
		extensions = "extendedKeyUsage=clientAuth\n"
	}
	if err := os.WriteFile(ext, []byte(extensions), 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
		"-keyout", key, "-out", csr, "-subj", "/CN="+name)
	p.openssl("x509", "-req", "-in", csr, "-CA", p.ca, "-CAkey", filepath.Join(p.dir, "ca.key"),
		"-set_serial", serial, "-days", "1", "-out", cert, "-extfile", ext)
	return cert, key
}

// pool is the CA as a Go client trusts it.
func (p *pki) pool() *x509.CertPool {
	p.t.Helper()
	data, err := os.ReadFile(p.ca)
	if err != nil {
		p.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(data)
	return pool
}

// serial dials addr with TLS and returns the serial number of the
// server's certificate.
func serial(t testing.TB, addr string, pool *x509.CertPool) string {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatalf("TLS to %s: %v", addr, err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

// TestHTTPS: certfile and keyfile make the TCP binds HTTPS (curl trusting
// the test's CA succeeds, wsgi.url_scheme is https, ALPN says http/1.1, TLS
// 1.1 is refused) and leave the unix socket plain.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := newPKI(t, dir)
	cert, key := ca.issue("server", "1", false)
	sock := filepath.Join(dir, "app.sock")
	s := startServer(t, startOptions{}, "--certfile", cert, "--keyfile", key, "-b", "127.0.0.1:0", "-b", "unix:"+sock, "apps:app")
	if len(s.addrs) != 2 || !strings.HasPrefix(s.addrs[0], "https://127.0.0.1:") || s.addrs[1] != "unix:"+sock {
		t.Fatalf("Listening at: %q", s.addrs)
	}
	url := s.addrs[0] + "/"
	port := strings.TrimPrefix(s.addrs[0], "https://127.0.0.1:")

	out, code := curl(t, "--cacert", ca.ca, "-w", "\n%{http_version}", url)
	body, version, _ := strings.Cut(out, "\n")
	var r reply
	if err := json.Unmarshal([]byte(body), &r); code != 0 || err != nil {
		t.Fatalf("curl --cacert: exit %d: %q", code, out)
	}
	if r.Scheme != "https" || str(r.ServerPort) != `"`+port+`"` {
		t.Errorf("wsgi.url_scheme=%q SERVER_PORT=%s, want https and %s", r.Scheme, str(r.ServerPort), port)
	}
	if version != "1.1" {
		t.Errorf("curl negotiated HTTP/%s, want 1.1 (ALPN http/1.1)", version)
	}
	if out, code := curl(t, url); code == 0 {
		t.Errorf("curl without the CA trusted the certificate: %q", out)
	}
	if _, err := tls.Dial("tcp", "127.0.0.1:"+port, &tls.Config{RootCAs: ca.pool(), MaxVersion: tls.VersionTLS11}); err == nil {
		t.Error("a TLS 1.1 handshake succeeded; the minimum is TLS 1.2")
	}
	if r := ask(t, "unix:"+sock, nil); r.Scheme != "http" {
		t.Errorf("over the unix socket wsgi.url_scheme=%q, want http", r.Scheme)
	}
	s.stop()
}

// TestClientCertificates: with ca_certs, cert_reqs 2 refuses a client that
// sends no certificate, or one the CA did not sign, at the handshake, and
// serves one with a certificate it signed; cert_reqs 1 serves a client
// without one too.
func TestClientCertificates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := newPKI(t, dir)
	cert, key := ca.issue("server", "1", false)
	clientCert, clientKey := ca.issue("client", "2", true)
	otherDir := filepath.Join(dir, "other")
	if err := os.Mkdir(otherDir, 0o755); err != nil {
		t.Fatal(err)
	}
	strangerCert, strangerKey := newPKI(t, otherDir).issue("stranger", "3", true)

	for _, tc := range []struct {
		reqs                      string
		without, signed, stranger bool // served?
	}{
		{"2", false, true, false},
		{"1", true, true, false},
	} {
		t.Run("cert_reqs "+tc.reqs, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, startOptions{}, "--certfile", cert, "--keyfile", key, "--ca-certs", ca.ca, "--cert-reqs", tc.reqs, "-b", "127.0.0.1:0", "apps:app")
			url := s.addrs[0] + "/"
			for _, c := range []struct {
				name  string
				args  []string
				serve bool
			}{
				{"no client certificate", nil, tc.without},
				{"one the CA signed", []string{"--cert", clientCert, "--key", clientKey}, tc.signed},
				{"one another CA signed", []string{"--cert", strangerCert, "--key", strangerKey}, tc.stranger},
			} {
				out, code := curl(t, append(append([]string{"--cacert", ca.ca}, c.args...), url)...)
				if served := code == 0 && strings.Contains(out, `"wsgi.url_scheme": "https"`); served != c.serve {
					t.Errorf("%s: curl exit %d %q; served %v, want %v", c.name, code, out, served, c.serve)
				}
			}
			s.stop()
		})
	}
}

// TestCertificateRenewedAtHUP: HUP reads the certificate again, so the
// next handshake has the renewed one, with no restart; a broken one leaves
// the previous serving, and the log says why.
func TestCertificateRenewedAtHUP(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := newPKI(t, dir)
	cert, key := ca.issue("server", "1", false)
	s := startServer(t, startOptions{}, "--certfile", cert, "--keyfile", key, "-b", "127.0.0.1:0", "apps:app")
	addr := strings.TrimPrefix(s.addrs[0], "https://")
	if got := serial(t, addr, ca.pool()); got != "1" {
		t.Fatalf("serial %s at start, want 1", got)
	}

	// certbot renews: new files under the same names.
	renewed, renewedKey := ca.issue("renewed", "2", false)
	for from, to := range map[string]string{renewed: cert, renewedKey: key} {
		if err := os.Rename(from, to); err != nil {
			t.Fatal(err)
		}
	}
	s.Signal(syscall.SIGHUP)
	s.WaitLog("TLS: reloaded "+cert+", "+key, waitTimeout)
	if got := serial(t, addr, ca.pool()); got != "2" {
		t.Errorf("serial %s after HUP, want 2", got)
	}

	if err := os.WriteFile(cert, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Signal(syscall.SIGHUP)
	line := s.WaitLog("TLS: the certificate was not reloaded, the previous one serves on: certfile "+cert+": no PEM certificate in it", waitTimeout)
	if !strings.Contains(line, "[ERROR]") {
		t.Errorf("logged as %q, want an error", line)
	}
	if got := serial(t, addr, ca.pool()); got != "2" {
		t.Errorf("serial %s after a broken renewal, want 2 still", got)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool()}}}
	askWith(t, c, s.addrs[0], nil)
	c.CloseIdleConnections()
	s.stop()
}

// TestGunicornTLSSettings: gunicorn's ciphers, ssl_version and
// do_handshake_on_connect are accepted; what Go has is applied (TLS 1.2
// only, the one ECDHE suite named), what it has not is warned about.
func TestGunicornTLSSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := newPKI(t, dir)
	cert, key := ca.issue("server", "1", false)
	s := startServer(t, startOptions{}, "--certfile", cert, "--keyfile", key, "--do-handshake-on-connect",
		"--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256:HIGH:!aNULL", "--ssl-version", "TLSv1_2", "-b", "127.0.0.1:0", "apps:app")
	s.WaitLog("ciphers: skipped HIGH:!aNULL (OpenSSL keywords or suites Go's crypto/tls does not have); the TLS 1.2 suites are the others it names", waitTimeout)
	addr := strings.TrimPrefix(s.addrs[0], "https://")
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
		ok   bool
	}{
		{"TLS 1.2 with the suite named", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, true},
		{"TLS 1.2 with another suite", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}}, false},
		{"TLS 1.3", &tls.Config{MinVersion: tls.VersionTLS13}, false},
	} {
		tc.cfg.RootCAs = ca.pool()
		c, err := tls.Dial("tcp", addr, tc.cfg)
		if err == nil {
			c.Close()
		}
		if (err == nil) != tc.ok {
			t.Errorf("%s: handshake error %v, want success %v", tc.name, err, tc.ok)
		}
	}
	if lines := s.Lines("do_handshake_on_connect"); len(lines) > 0 {
		t.Errorf("do_handshake_on_connect is what the server does anyway, yet: %q", lines)
	}
	s.stop()
}

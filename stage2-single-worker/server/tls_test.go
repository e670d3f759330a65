package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
	"gunicorn-go/stage2-single-worker/http1"
	"gunicorn-go/stage2-single-worker/logging"
)

// selfSigned makes a certificate for 127.0.0.1, and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// TestTLS: a TLSListener's connections speak TLS, their requests have
// wsgi.url_scheme https, and a client that connects and never starts its
// handshake holds its own connection only, until the head's Timeout ends
// it: the next client is served meanwhile.
func TestTLS(t *testing.T) {
	t.Parallel()
	cert, pool := selfSigned(t)
	log := &testkit.Buffer{}
	s := &Server{
		App: wsgi.AppFunc(func(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
			port, _ := env.Get("SERVER_PORT")
			_, err := start("200 OK", []wsgi.Header{{Name: "Content-Type", Value: "text/plain"}}, nil)
			return wsgi.Chunks([]byte(env.URLScheme + " " + port)), err
		}),
		Limits:   http1.DefaultLimits,
		Timeout:  time.Second, // the silent client's bound; the test waits for it, whatever it takes
		ErrorLog: logging.NewErrorLog(logging.NewOutput(log), logging.Debug),
	}
	ln := listenLocal(t)
	serveOn(t, s, log, &TLSListener{Listener: ln, Config: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}})
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)

	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	client := &http.Client{Timeout: ioTimeout, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, NextProtos: []string{"h2", "http/1.1"}}}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + addr + "/")
	if err != nil {
		t.Fatalf("GET over TLS while another client is silent: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got, want := string(body), "https "+port; got != want {
		t.Errorf("wsgi.url_scheme and SERVER_PORT: %q, want %q", got, want)
	}
	if resp.TLS == nil || resp.TLS.NegotiatedProtocol != "http/1.1" {
		t.Errorf("ALPN: %+v", resp.TLS)
	}

	_ = silent.SetReadDeadline(time.Now().Add(ioTimeout))
	if n, err := silent.Read(make([]byte, 1)); n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a client that never starts its handshake: read %d, %v; want the server to close it", n, err)
	}
	deadline := time.Now().Add(ioTimeout)
	for !strings.Contains(log.String(), "TLS handshake with 127.0.0.1:") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(log.String(), "TLS handshake with 127.0.0.1:") {
		t.Errorf("no debug line for the failed handshake:\n%s", log.String())
	}
}

// TestSilentHandshakeGivesWay: at MaxConns, a connection that has not
// finished its TLS handshake within headGrace is closed for a new
// client, who is served, although Timeout would let the silent one wait a
// minute.
func TestSilentHandshakeGivesWay(t *testing.T) {
	t.Parallel()
	cert, pool := selfSigned(t)
	log := &testkit.Buffer{}
	s := &Server{
		App: wsgi.AppFunc(func(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
			_, err := start("200 OK", []wsgi.Header{{Name: "Content-Type", Value: "text/plain"}}, nil)
			return wsgi.Chunks([]byte("ok")), err
		}),
		Limits:   http1.DefaultLimits,
		Timeout:  time.Minute,
		MaxConns: 1,
		ErrorLog: logging.NewErrorLog(logging.NewOutput(log), logging.Debug),
	}
	ln := listenLocal(t)
	serveOn(t, s, log, &TLSListener{Listener: ln, Config: &tls.Config{Certificates: []tls.Certificate{cert}}})
	silent, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	client := &http.Client{Timeout: ioTimeout, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatalf("GET at the bound, beside a silent handshake: %v", err)
	}
	resp.Body.Close()
	_ = silent.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := silent.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the silent connection: %v, want it closed", err)
	}
	if !strings.Contains(log.String(), "to make room") {
		t.Errorf("no line for the connection closed to make room:\n%s", log.String())
	}
}

// TestWrongProtocol: plain HTTP sent to a TLS port gets a 400 that says so,
// in plain HTTP; a TLS handshake sent to a plain port gets a 400 at once,
// not after the timeout (it never sends a line end).
func TestWrongProtocol(t *testing.T) {
	t.Parallel()
	cert, _ := selfSigned(t)
	log := &testkit.Buffer{}
	s := &Server{
		App: wsgi.AppFunc(func(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
			t.Error("the app was called")
			return nil, nil
		}),
		Limits:   http1.DefaultLimits,
		Timeout:  time.Minute,
		ErrorLog: logging.NewErrorLog(logging.NewOutput(log), logging.Debug),
	}
	secure, plain := listenLocal(t), listenLocal(t)
	serveOn(t, s, log, &TLSListener{Listener: secure, Config: &tls.Config{Certificates: []tls.Certificate{cert}}}, plain)
	for _, tc := range []struct {
		name, addr, send, want string
	}{
		{"HTTP on the TLS port", secure.Addr().String(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "The client sent an HTTP request to an HTTPS port"},
		{"TLS on the plain port", plain.Addr().String(), "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "Bad Request"},
	} {
		nc, err := net.Dial("tcp", tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = nc.SetDeadline(time.Now().Add(ioTimeout))
		if _, err := io.WriteString(nc, tc.send); err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(nc)
		nc.Close()
		if !strings.HasPrefix(string(out), "HTTP/1.1 400 Bad Request\r\n") || !strings.HasSuffix(string(out), tc.want) && !strings.Contains(string(out), tc.want) {
			t.Errorf("%s: %q (%v), want a 400 saying %q", tc.name, out, err, tc.want)
		}
	}
	for _, want := range []string{"plain HTTP on a TLS port", "a TLS handshake on a plain HTTP port"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("no %q in the error log:\n%s", want, log.String())
		}
	}
}

// serveOn serves s on each listener (a *TLSListener for TLS) until the test
// ends, then closes it, checks every Serve returned ErrServerClosed, and
// shows log if the test failed.
func serveOn(t *testing.T, s *Server, log *testkit.Buffer, lns ...net.Listener) {
	t.Helper()
	served := make(chan error, len(lns))
	for _, ln := range lns {
		go func() { served <- s.Serve(ln) }()
	}
	t.Cleanup(func() {
		s.Close()
		for range lns {
			if err := <-served; !errors.Is(err, ErrServerClosed) {
				t.Errorf("serve: %v", err)
			}
		}
		if t.Failed() {
			t.Logf("error log:\n%s", log.String())
		}
	})
}

// listenLocal listens on a free 127.0.0.1 port.
func listenLocal(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

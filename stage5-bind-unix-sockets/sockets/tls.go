package sockets

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// TLSOptions are gunicorn's SSL settings.
type TLSOptions struct {
	CertFile   string // certfile: the certificate, then its chain (PEM)
	KeyFile    string // keyfile: its private key (PEM); "" when certfile holds it too
	CACerts    string // ca_certs: what client certificates are checked against (PEM)
	CertReqs   int    // cert_reqs: 0 no client certificate, 1 checked if sent, 2 required
	Ciphers    string // ciphers: an OpenSSL cipher list; "" for Go's
	SSLVersion string // ssl_version: a name of Python's ssl.PROTOCOL_*; "" for TLS
}

// TLS is the TLS the TCP listeners speak. The versions, cipher suites and
// client certificate policy are fixed at start; the certificate, key and
// CA certificates are read again by Reload, and each handshake takes the
// ones last read.
type TLS struct {
	opts    TLSOptions
	base    *tls.Config                // everything but the files' contents
	current atomic.Pointer[tls.Config] // base with the files as last read
	config  *tls.Config                // the listeners': it hands each handshake current
}

// NewTLS reads the files and builds the configuration: TLS 1.2 and later,
// ALPN http/1.1 (HTTP/2 is not served), client certificates per cert_reqs.
// warnings say what of ciphers and ssl_version Go's crypto/tls has no
// equivalent for, and a certificate that is out of its validity. An
// error names the setting at fault.
func NewTLS(o TLSOptions) (t *TLS, warnings []string, err error) {
	if o.CertFile == "" {
		return nil, nil, errors.New("keyfile is set, and certfile is not: HTTPS needs a certificate")
	}
	base := &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	switch o.CertReqs {
	case 0:
	case 1:
		base.ClientAuth = tls.VerifyClientCertIfGiven
	case 2:
		base.ClientAuth = tls.RequireAndVerifyClientCert
	default:
		return nil, nil, fmt.Errorf("cert_reqs %d: expected 0, 1 or 2", o.CertReqs)
	}
	if o.CertReqs > 0 && o.CACerts == "" {
		return nil, nil, fmt.Errorf("cert_reqs %d: ca_certs is not set, and client certificates need it to be checked against", o.CertReqs)
	}
	if max, w := sslVersion(o.SSLVersion); w != "" {
		warnings = append(warnings, w)
	} else {
		base.MaxVersion = max
	}
	if o.Ciphers != "" {
		suites, w := cipherSuites(o.Ciphers)
		base.CipherSuites = suites
		if w != "" {
			warnings = append(warnings, w)
		}
	}
	t = &TLS{opts: o, base: base}
	cfg, more, err := t.load()
	if err != nil {
		return nil, nil, err
	}
	t.current.Store(cfg)
	t.config = &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return t.current.Load(), nil
		},
	}
	return t, append(warnings, more...), nil
}

// Config is the configuration for the listeners.
func (t *TLS) Config() *tls.Config { return t.config }

// Reload reads the certificate, key and CA certificates again (at HUP:
// certbot renewed them); the handshakes from then on use them. If they do
// not load, the previous ones serve on, and err says why. warnings are as
// NewTLS's.
func (t *TLS) Reload() (warnings []string, err error) {
	cfg, warnings, err := t.load()
	if err != nil {
		return nil, err
	}
	t.current.Store(cfg)
	return warnings, nil
}

// Files names the files Reload reads, for messages.
func (t *TLS) Files() []string {
	files := []string{t.opts.CertFile}
	for _, f := range []string{t.opts.KeyFile, t.opts.CACerts} {
		if f != "" {
			files = append(files, f)
		}
	}
	return files
}

// resolved names a relative path with the absolute one it was read as: the
// master may have changed directory (chdir) since the operator wrote it.
func resolved(path string) string {
	if abs, err := filepath.Abs(path); err == nil && abs != path {
		return fmt.Sprintf("%s (%s)", path, abs)
	}
	return path
}

// load reads the files into a copy of the base configuration.
func (t *TLS) load() (*tls.Config, []string, error) {
	o := &t.opts
	certPEM, err := os.ReadFile(o.CertFile)
	if err != nil {
		return nil, nil, fmt.Errorf("certfile %s: %w", resolved(o.CertFile), errors.Unwrap(err))
	}
	if !hasBlock(certPEM, func(typ string) bool { return typ == "CERTIFICATE" }) {
		return nil, nil, fmt.Errorf("certfile %s: no PEM certificate in it", o.CertFile)
	}
	keyPEM, keyFrom := certPEM, "certfile "+o.CertFile
	if o.KeyFile != "" {
		keyFrom = "keyfile " + o.KeyFile
		if keyPEM, err = os.ReadFile(o.KeyFile); err != nil {
			return nil, nil, fmt.Errorf("keyfile %s: %w", resolved(o.KeyFile), errors.Unwrap(err))
		}
	}
	if !hasBlock(keyPEM, func(typ string) bool { return strings.HasSuffix(typ, "PRIVATE KEY") }) {
		if o.KeyFile == "" {
			return nil, nil, fmt.Errorf("certfile %s: no PEM private key in it, and keyfile is not set", o.CertFile)
		}
		return nil, nil, fmt.Errorf("%s: no PEM private key in it", keyFrom)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("certfile %s, %s: %w", o.CertFile, keyFrom, err)
	}
	var warnings []string
	if leaf := cert.Leaf; leaf != nil {
		now := time.Now()
		switch {
		case now.After(leaf.NotAfter):
			warnings = append(warnings, fmt.Sprintf("certfile %s: the certificate expired on %s; clients will refuse it", o.CertFile, leaf.NotAfter.UTC().Format(time.DateOnly)))
		case now.Before(leaf.NotBefore):
			warnings = append(warnings, fmt.Sprintf("certfile %s: the certificate is valid only from %s; clients will refuse it until then", o.CertFile, leaf.NotBefore.UTC().Format(time.DateTime)))
		}
	}
	cfg := t.base.Clone()
	cfg.Certificates = []tls.Certificate{cert}
	if o.CACerts != "" {
		caPEM, err := os.ReadFile(o.CACerts)
		if err != nil {
			return nil, nil, fmt.Errorf("ca_certs %s: %w", resolved(o.CACerts), errors.Unwrap(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, nil, fmt.Errorf("ca_certs %s: no PEM certificate in it", o.CACerts)
		}
		cfg.ClientCAs = pool
	}
	return cfg, warnings, nil
}

// hasBlock reports whether data holds a PEM block whose type ok accepts.
func hasBlock(data []byte, ok func(typ string) bool) bool {
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return false
		}
		if ok(b.Type) {
			return true
		}
	}
}

// sslVersion maps gunicorn's ssl_version, a name of Python's
// ssl.PROTOCOL_* constants, to crypto/tls's highest version (0: the
// newest). The lowest is always TLS 1.2. warning, when not empty, says
// that the name asks for what is not served, and that TLS 1.2 and later
// are served instead.
func sslVersion(name string) (max uint16, warning string) {
	switch name {
	case "", "TLS", "TLS_SERVER", "SSLv23":
		return 0, ""
	case "TLSv1_2":
		return tls.VersionTLS12, ""
	case "TLSv1", "TLSv1_1":
		return 0, fmt.Sprintf("ssl_version %s: TLS %s is older than gunicorn-go's TLS 1.2 minimum; serving TLS 1.2 and later",
			name, strings.ReplaceAll(strings.TrimPrefix(name, "TLSv"), "_", "."))
	case "TLS_CLIENT":
		return 0, "ssl_version TLS_CLIENT is Python's protocol for clients; serving TLS 1.2 and later"
	}
	return 0, fmt.Sprintf("ssl_version %s: not a name gunicorn knows; serving TLS 1.2 and later", name)
}

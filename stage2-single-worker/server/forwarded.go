package server

import (
	"net/netip"
	"strings"

	"gunicorn-go/stage2-single-worker/http1"
)

// A server behind a proxy that terminates TLS (nginx, a load balancer)
// receives plain HTTP, yet the client used https, and the app must know it:
// Django builds absolute URLs, marks cookies secure and redirects to https
// from wsgi.url_scheme. The proxy says so in a header (X-Forwarded-Proto:
// https), but any client can send that header too, so it is believed only
// from the proxies the operator trusts: gunicorn's forwarded_allow_ips and
// secure_scheme_headers.

// DefaultForwardedAllowIPs and DefaultSecureSchemeHeaders are gunicorn's
// defaults: a proxy on the same machine is trusted, with the three headers
// proxies commonly use.
var (
	DefaultForwardedAllowIPs   = []string{"127.0.0.1", "::1"}
	DefaultSecureSchemeHeaders = map[string]string{"X-FORWARDED-PROTOCOL": "ssl", "X-FORWARDED-PROTO": "https", "X-FORWARDED-SSL": "on"}
)

// From a peer it does not trust, the server also removes the secure scheme
// headers from the environ: an app that reads them itself (Django's
// SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")) would
// otherwise take a client's word for https, and mark its session cookie
// secure or skip its redirect to https for it.

// proxyTrust is ForwardedAllowIPs and SecureSchemeHeaders, parsed once.
type proxyTrust struct {
	all      bool           // "*": every peer is trusted
	networks []netip.Prefix // trusted addresses (as /32 or /128) and networks
	headers  []http1.Header // the secure scheme headers and their https values
	keys     []string       // their environ keys, "HTTP_X_FORWARDED_PROTO"...
}

// newProxyTrust parses the settings. Entries that are neither an address
// nor a network are skipped: the configuration layer (stage 3) validates
// them before they get here.
func newProxyTrust(allow []string, headers map[string]string) *proxyTrust {
	t := &proxyTrust{}
	for name, value := range headers {
		t.headers = append(t.headers, http1.Header{Name: name, Value: value})
		t.keys = append(t.keys, headerKey(name))
	}
	for _, a := range allow {
		a = strings.TrimSpace(a)
		if a == "*" {
			t.all = true
			continue
		}
		if p, err := netip.ParsePrefix(a); err == nil {
			t.networks = append(t.networks, p.Masked())
		} else if ip, err := netip.ParseAddr(a); err == nil {
			t.networks = append(t.networks, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	return t
}

// trusts reports whether the peer may set the scheme: its address addr
// (REMOTE_ADDR) is among the trusted ones, or it came over a unix socket.
// gunicorn trusts every peer that is not an IP address, and so does this:
// only a process on this machine that the socket file's mode lets in can
// connect to a unix socket (nginx, in the usual deployment), so the file's
// owner and mode are the access control that forwarded_allow_ips is for TCP.
func (t *proxyTrust) trusts(addr string, unix bool) bool {
	if len(t.headers) == 0 {
		return false
	}
	if t.all || unix {
		return true
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, n := range t.networks {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// scheme is the scheme a trusted proxy's headers give req, else def. A
// secure scheme header with its value means https, with another value http;
// two such headers that disagree are a 400, as in gunicorn: the request
// cannot be both.
func (t *proxyTrust) scheme(req *http1.Request, def string) (string, error) {
	scheme, seen := def, false
	for _, h := range req.Headers { // every request: no allocation here
		for _, secure := range t.headers {
			if !strings.EqualFold(h.Name, secure.Name) {
				continue
			}
			s := "http"
			if h.Value == secure.Value {
				s = "https"
			}
			if seen && s != scheme {
				return "", &http1.Error{Status: 400, Reason: "contradictory scheme headers"}
			}
			scheme, seen = s, true
		}
	}
	return scheme, nil
}

// isSchemeKey reports whether the environ key is a secure scheme header's,
// which only a trusted peer may pass to the app.
func (t *proxyTrust) isSchemeKey(key string) bool {
	for _, k := range t.keys {
		if k == key {
			return true
		}
	}
	return false
}

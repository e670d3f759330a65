package server

import (
	"errors"
	"testing"

	"gunicorn-go/stage2-single-worker/http1"
)

func TestProxyTrusts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		allow []string
		addr  string
		unix  bool // the peer came over a unix socket
		want  bool
	}{
		{DefaultForwardedAllowIPs, "127.0.0.1", false, true},
		{DefaultForwardedAllowIPs, "::1", false, true},
		{DefaultForwardedAllowIPs, "10.0.0.1", false, false},
		{[]string{"10.1.0.0/16"}, "10.1.200.3", false, true},
		{[]string{"10.1.0.0/16"}, "10.2.0.1", false, false},
		{[]string{" 192.0.2.7 "}, "192.0.2.7", false, true},
		{[]string{"*"}, "203.0.113.9", false, true},
		{[]string{"*"}, "", true, true},
		// A unix socket's peer is trusted, as gunicorn trusts any peer that
		// is not an IP address: the socket file's mode says who connects.
		{DefaultForwardedAllowIPs, "", true, true},
		{[]string{"10.1.0.0/16"}, "", true, true},
		{nil, "", true, true},
		{[]string{"not an address"}, "127.0.0.1", false, false},
		{nil, "127.0.0.1", false, false},
	}
	for _, tc := range tests {
		tr := newProxyTrust(tc.allow, DefaultSecureSchemeHeaders)
		if got := tr.trusts(tc.addr, tc.unix); got != tc.want {
			t.Errorf("allow %q, peer %q (unix %v): trusted = %v, want %v", tc.allow, tc.addr, tc.unix, got, tc.want)
		}
	}
	if newProxyTrust([]string{"*"}, nil).trusts("127.0.0.1", false) || newProxyTrust(nil, nil).trusts("", true) {
		t.Error("with no secure scheme headers nobody needs trusting")
	}
}

func TestProxyScheme(t *testing.T) {
	t.Parallel()
	tr := newProxyTrust([]string{"*"}, map[string]string{"X-Forwarded-Proto": "https", "X-FORWARDED-SSL": "on"})
	tests := []struct {
		name    string
		headers []http1.Header
		want    string // "" for a 400
	}{
		{"no header", []http1.Header{{Name: "Host", Value: "x"}}, "http"},
		{"https", []http1.Header{{Name: "X-Forwarded-Proto", Value: "https"}}, "https"},
		{"any case name", []http1.Header{{Name: "x-forwarded-proto", Value: "https"}}, "https"},
		{"other value is http", []http1.Header{{Name: "X-Forwarded-Proto", Value: "HTTPS"}}, "http"},
		{"two agreeing", []http1.Header{{Name: "X-Forwarded-Proto", Value: "https"}, {Name: "X-Forwarded-Ssl", Value: "on"}}, "https"},
		{"two disagreeing", []http1.Header{{Name: "X-Forwarded-Proto", Value: "https"}, {Name: "X-Forwarded-Ssl", Value: "off"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tr.scheme(&http1.Request{Headers: tc.headers}, "http")
			var perr *http1.Error
			switch {
			case tc.want == "" && (!errors.As(err, &perr) || perr.Status != 400):
				t.Errorf("scheme = %q, %v; want a 400", got, err)
			case tc.want != "" && (err != nil || got != tc.want):
				t.Errorf("scheme = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestProxySchemeAllocatesNothing: the check runs on every request from a
// trusted peer (by default, a proxy on this machine).
func TestProxySchemeAllocatesNothing(t *testing.T) {
	tr := newProxyTrust(DefaultForwardedAllowIPs, DefaultSecureSchemeHeaders)
	req := &http1.Request{Headers: []http1.Header{
		{Name: "Host", Value: "example.com"}, {Name: "User-Agent", Value: "curl/8"},
		{Name: "Accept", Value: "*/*"}, {Name: "X-Forwarded-Proto", Value: "https"},
	}}
	if n := testing.AllocsPerRun(100, func() { _, _ = tr.scheme(req, "http") }); n != 0 {
		t.Errorf("%v allocations per request, want 0", n)
	}
}

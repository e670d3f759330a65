package sockets

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// gunicorn's ciphers setting is an OpenSSL cipher list: suite names,
// keywords (HIGH, ECDHE+AESGCM) and operators (!aNULL, -RC4, @STRENGTH),
// separated by colons, commas or spaces. Go's crypto/tls has no such
// language: it has a list of suites, by IANA number, for TLS 1.2 and
// earlier (TLS 1.3's are not configurable). So a suite named in the list
// is mapped to Go's by its OpenSSL name, and everything else is skipped
// with a warning.

// opensslSuites are OpenSSL's names for the TLS 1.2 suites Go implements
// and counts secure (tls.CipherSuites).
var opensslSuites = map[string]uint16{
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-CHACHA20-POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-CHACHA20-POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-ECDSA-AES128-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	"ECDHE-RSA-AES128-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	"ECDHE-ECDSA-AES256-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"ECDHE-RSA-AES256-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
}

// opensslInsecure are OpenSSL's names for the suites Go implements but
// counts insecure (tls.InsecureCipherSuites): a config naming them gets a
// warning, not the suite.
var opensslInsecure = map[string]bool{
	"RC4-SHA": true, "DES-CBC3-SHA": true, "AES128-SHA": true, "AES256-SHA": true, "AES128-SHA256": true,
	"AES128-GCM-SHA256": true, "AES256-GCM-SHA384": true, "ECDHE-ECDSA-RC4-SHA": true, "ECDHE-RSA-RC4-SHA": true,
	"ECDHE-RSA-DES-CBC3-SHA": true, "ECDHE-ECDSA-AES128-SHA256": true, "ECDHE-RSA-AES128-SHA256": true,
}

// tls13Suites are TLS 1.3's suites, which OpenSSL lists under the same
// names and Go always offers.
var tls13Suites = map[string]bool{
	"TLS_AES_128_GCM_SHA256": true, "TLS_AES_256_GCM_SHA384": true, "TLS_CHACHA20_POLY1305_SHA256": true,
}

// cipherSuites maps an OpenSSL cipher list to Go's TLS 1.2 suites. suites
// is nil (Go's own list) when the list names none Go has; warning, when
// not empty, names what was skipped and why.
func cipherSuites(list string) (suites []uint16, warning string) {
	var insecure, unknown []string
	for _, name := range strings.FieldsFunc(list, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		switch id, ok := opensslSuites[name]; {
		case ok:
			suites = append(suites, id)
		case tls13Suites[name]:
			// Always on.
		case opensslInsecure[name]:
			insecure = append(insecure, name)
		default:
			unknown = append(unknown, name)
		}
	}
	var skipped []string
	if len(unknown) > 0 {
		skipped = append(skipped, fmt.Sprintf("%s (OpenSSL keywords or suites Go's crypto/tls does not have)", strings.Join(unknown, ":")))
	}
	if len(insecure) > 0 {
		skipped = append(skipped, fmt.Sprintf("%s (suites Go counts insecure)", strings.Join(insecure, ":")))
	}
	if len(skipped) == 0 {
		return suites, ""
	}
	then := "the TLS 1.2 suites are the others it names"
	if len(suites) == 0 {
		then = "it names no other: Go's own list of secure suites is used"
	}
	return suites, fmt.Sprintf("ciphers: skipped %s; %s", strings.Join(skipped, " and "), then)
}

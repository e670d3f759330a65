package config

import (
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"gunicorn-go/stage2-single-worker/bind"
)

// The validators the table uses. Each returns the value (perhaps normalized)
// or a badValue naming what was wrong.

// atLeast accepts integers >= min.
func atLeast(min int) func(any) (any, error) {
	return func(v any) (any, error) {
		if v.(int) < min {
			return nil, bad(v)
		}
		return v, nil
	}
}

// between accepts integers in [lo, hi].
func between(lo, hi int) func(any) (any, error) {
	return func(v any) (any, error) {
		if n := v.(int); n < lo || n > hi {
			return nil, bad(v)
		}
		return v, nil
	}
}

// oneOf accepts the listed strings, case-insensitively, and returns them in
// lower case (gunicorn's loglevel).
func oneOf(names ...string) func(any) (any, error) {
	return func(v any) (any, error) {
		s := strings.ToLower(v.(string))
		for _, n := range names {
			if s == n {
				return s, nil
			}
		}
		return nil, bad(v)
	}
}

// eachBind checks every entry of a bind list and wants at least one.
func eachBind(v any) (any, error) {
	list := v.([]string)
	if len(list) == 0 {
		return nil, bad(list)
	}
	for _, s := range list {
		if _, err := bind.Parse(s); err != nil {
			return nil, bad(s)
		}
	}
	return v, nil
}

// eachKeyValue checks raw_env's KEY=VALUE entries.
func eachKeyValue(v any) (any, error) {
	for _, s := range v.([]string) {
		if _, _, ok := cutEnv(s); !ok {
			return nil, bad(s)
		}
	}
	return v, nil
}

// eachNetwork checks forwarded_allow_ips: addresses, networks or "*".
func eachNetwork(v any) (any, error) {
	for _, s := range v.([]string) {
		if s == "*" {
			continue
		}
		if _, err := netip.ParseAddr(s); err == nil {
			continue
		}
		if _, err := netip.ParsePrefix(s); err == nil {
			continue
		}
		return nil, bad(s)
	}
	return v, nil
}

// userExists accepts a user name or a numeric id; "" means "stay as you are".
func userExists(v any) (any, error) {
	s := v.(string)
	if s == "" || isUint(s) {
		return v, nil
	}
	if _, err := user.Lookup(s); err != nil {
		return nil, bad(s)
	}
	return v, nil
}

// groupExists is userExists for groups.
func groupExists(v any) (any, error) {
	s := v.(string)
	if s == "" || isUint(s) {
		return v, nil
	}
	if _, err := user.LookupGroup(s); err != nil {
		return nil, bad(s)
	}
	return v, nil
}

func isUint(s string) bool {
	_, err := strconv.ParseUint(s, 10, 32)
	return err == nil
}

// isDir accepts an existing directory. Load has already made a relative
// path absolute (see Setting.relPath).
func isDir(v any) (any, error) {
	p := v.(string)
	fi, err := os.Stat(p)
	if err != nil || !fi.IsDir() {
		return nil, bad(v)
	}
	return filepath.Clean(p), nil
}

// sslVersions are the names of Python's ssl.PROTOCOL_* constants gunicorn's
// ssl_version accepts, by their numbers.
var sslVersions = map[string]string{
	"2": "TLS", "3": "TLSv1", "4": "TLSv1_1", "5": "TLSv1_2", "16": "TLS_CLIENT", "17": "TLS_SERVER",
}

// sslVersion accepts the names of Python's ssl.PROTOCOL_* constants, or their
// numbers, which it turns into the names. SSLv23 is TLS's old name.
func sslVersion(v any) (any, error) {
	s := strings.TrimSpace(v.(string))
	if name, ok := sslVersions[s]; ok {
		return name, nil
	}
	switch s {
	case "TLS", "SSLv23", "TLS_SERVER", "TLS_CLIENT", "TLSv1", "TLSv1_1", "TLSv1_2":
		return s, nil
	}
	return nil, bad(v)
}

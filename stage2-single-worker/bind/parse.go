package bind

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Address is one parsed entry of the bind setting.
type Address struct {
	Network string // "tcp", "unix" or "fd"
	Address string // HOST:PORT for tcp (ready for net.Listen), the path for unix, the number for fd
	FD      int    // the inherited descriptor, for "fd"
}

// String writes the bind back in gunicorn's notation.
func (b Address) String() string {
	switch b.Network {
	case "unix":
		return "unix:" + b.Address
	case "fd":
		return "fd://" + b.Address
	}
	return b.Address
}

// DefaultPort is the port a bind without one gets, as in gunicorn.
const DefaultPort = 8000

// Default is the bind when none is given: gunicorn's.
const Default = "127.0.0.1:8000"

// Parse reads one bind address in any of gunicorn's forms:
//
//	HOST            127.0.0.1, localhost (port 8000)
//	HOST:PORT       0.0.0.0:8000, :8000 (all IPv4 interfaces)
//	[V6]:PORT       [::1]:8000, or [::1] (port 8000)
//	tcp://ADDRESS   any of the three above
//	unix:PATH       unix:/run/app.sock
//	fd://N          fd://3, a descriptor inherited from a service manager
func Parse(s string) (Address, error) {
	if tcp, ok := strings.CutPrefix(s, "tcp://"); ok {
		b, err := Parse(tcp)
		if err == nil && b.Network != "tcp" {
			err = fmt.Errorf("bind %q: tcp:// needs HOST:PORT", s)
		}
		return b, err
	}
	switch {
	case strings.HasPrefix(s, "unix:"):
		path := strings.TrimPrefix(s, "unix:")
		if path == "" {
			return Address{}, fmt.Errorf("bind %q: empty socket path", s)
		}
		return Address{Network: "unix", Address: path}, nil
	case strings.HasPrefix(s, "fd://"):
		n, err := strconv.Atoi(strings.TrimPrefix(s, "fd://"))
		if err != nil || n < 0 {
			return Address{}, fmt.Errorf("bind %q: fd:// needs a descriptor number", s)
		}
		return Address{Network: "fd", Address: strconv.Itoa(n), FD: n}, nil
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return Address{}, fmt.Errorf("bind %q: missing ]", s)
		}
		host := s[1:end]
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return Address{}, fmt.Errorf("bind %q: %q is not an IPv6 address", s, host)
		}
		port := strconv.Itoa(DefaultPort)
		if rest := s[end+1:]; rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return Address{}, fmt.Errorf("bind %q: expected :PORT after ]", s)
			}
			port = rest[1:]
		}
		if err := checkPort(port); err != nil {
			return Address{}, fmt.Errorf("bind %q: %w", s, err)
		}
		return Address{Network: "tcp", Address: net.JoinHostPort(host, port)}, nil
	}
	host, port, found := strings.Cut(s, ":")
	if !found {
		port = strconv.Itoa(DefaultPort)
	}
	if strings.Contains(port, ":") {
		return Address{}, fmt.Errorf("bind %q: write an IPv6 address in brackets, [::1]:8000", s)
	}
	if !found && host == "" {
		return Address{}, fmt.Errorf("bind %q: empty address", s)
	}
	if host != "" && !validHost(host) {
		return Address{}, fmt.Errorf("bind %q: %q is not a host name or IP address", s, host)
	}
	if err := checkPort(port); err != nil {
		return Address{}, fmt.Errorf("bind %q: %w", s, err)
	}
	return Address{Network: "tcp", Address: net.JoinHostPort(host, port)}, nil
}

func checkPort(p string) error {
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", p)
	}
	return nil
}

// validHost accepts IPv4 addresses and DNS names (letters, digits, '-', '.', '_').
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	for _, r := range h {
		ok := r == '-' || r == '.' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

package bind

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// Binding an address in use is retried Retries times (five tries in all),
// RetryDelay apart, as gunicorn does: during a restart the old server may
// still hold it.
const (
	Retries    = 4
	RetryDelay = time.Second
)

// ErrNotTCP is returned by Listen for an Address that is not a TCP one.
var ErrNotTCP = errors.New("bind: not a TCP address")

// Listen listens on a TCP Address. As in gunicorn, the socket is IPv6 only
// for an IPv6 address, and IPv4 otherwise: Go's "tcp" would make 0.0.0.0
// (and an empty host) a dual-stack socket that also answers on every IPv6
// address, which an operator who wrote 0.0.0.0 did not ask for.
//
// An address in use is tried Retries more times, RetryDelay apart, each
// failure logged through logf as gunicorn words it ("Connection in use:
// …", "Retrying in 1 second."). Outcomes: the listener; an error naming
// the address; or ctx's error when ctx ended while waiting to retry.
func Listen(ctx context.Context, a Address, logf func(format string, args ...any)) (net.Listener, error) {
	if a.Network != "tcp" {
		return nil, fmt.Errorf("bind %s: %w", a, ErrNotTCP)
	}
	host, _, err := net.SplitHostPort(a.Address)
	if err != nil {
		return nil, fmt.Errorf("bind %s: %w", a, err)
	}
	network := "tcp4"
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is6() {
		network = "tcp6"
	}
	for try := 0; ; try++ {
		ln, err := net.Listen(network, a.Address)
		if err == nil {
			return ln, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("bind %s: %w", a, err)
		}
		logf("Connection in use: %s", a)
		if try == Retries {
			return nil, fmt.Errorf("bind %s: can't connect: %w", a, err)
		}
		logf("Retrying in 1 second.")
		wait := time.NewTimer(RetryDelay)
		select {
		case <-wait.C:
		case <-ctx.Done():
			wait.Stop()
			return nil, fmt.Errorf("bind %s: %w", a, ctx.Err())
		}
	}
}

// URL names a listener as gunicorn's start-up line does:
// "http://127.0.0.1:8000", "unix:/run/app.sock"; a listener with a Scheme
// method (server.TLSListener's is "https") is named with its scheme.
func URL(ln net.Listener) string {
	a := ln.Addr()
	if a.Network() == "unix" {
		return "unix:" + a.String()
	}
	scheme := "http"
	if s, ok := ln.(interface{ Scheme() string }); ok {
		scheme = s.Scheme()
	}
	return scheme + "://" + a.String()
}

package sockets

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gunicorn-go/stage2-single-worker/bind"
	"gunicorn-go/stage2-single-worker/server"
)

// DefaultBacklog is gunicorn's backlog.
const DefaultBacklog = 2048

// Options say where and how to listen.
type Options struct {
	Binds     []string // the bind setting, in gunicorn's notation; bind.Default when empty
	Backlog   int      // the listen queue of the sockets opened here; DefaultBacklog when 0
	ReusePort bool     // SO_REUSEPORT on the TCP sockets opened here
	Umask     int      // the mode mask unix socket files are made with
	// Owner, when not nil, owns the unix socket files made here: the user
	// and group the server drops to.
	Owner *Owner
	// TLS, when not nil, makes the TCP listeners speak TLS.
	TLS *TLS
	// Errorf logs what goes wrong on the way, as gunicorn logs it ("Connection
	// in use: …"); Infof and Warnf log what the operator should know (a
	// stale socket file replaced, systemd's sockets used). Nil: not logged.
	Errorf, Infof, Warnf func(format string, args ...any)
	// Environ is where systemd's variables are read from and unset; the
	// process's environment when nil.
	Environ Environ
}

// Owner is a unix socket file's owner.
type Owner struct{ UID, GID int }

func (o *Options) backlog() int {
	if o.Backlog > 0 {
		return o.Backlog
	}
	return DefaultBacklog
}

func (o *Options) logf(f func(string, ...any)) func(string, ...any) {
	if f != nil {
		return f
	}
	return func(string, ...any) {}
}

// Listen opens every bind, or the sockets systemd passed instead, and
// returns their listeners in order, TCP ones wrapped in a
// server.TLSListener when o.TLS is set. It opens all or none: on an error,
// which names the bind, what it opened is closed (and its files removed).
// ctx ends a wait to retry an address in use.
func Listen(ctx context.Context, o Options) ([]net.Listener, error) {
	lns, err := listen(ctx, &o)
	if err != nil {
		for _, ln := range lns {
			ln.Close()
		}
		return nil, err
	}
	if o.TLS != nil {
		for i, ln := range lns {
			if ln.Addr().Network() == "tcp" {
				lns[i] = &server.TLSListener{Listener: ln, Config: o.TLS.Config()}
			}
		}
	}
	return lns, nil
}

// listen is Listen before TLS; on an error it returns what it opened so far.
func listen(ctx context.Context, o *Options) ([]net.Listener, error) {
	env := o.Environ
	if env == nil {
		env = processEnviron{}
	}
	fds, names, err := Activation(env)
	if err != nil {
		return nil, err
	}
	if len(fds) > 0 {
		o.logf(o.Infof)("Serving the sockets systemd passed (LISTEN_FDS=%d: %s), not the bind setting", len(fds), strings.Join(names, ", "))
		var lns []net.Listener
		for i, fd := range fds {
			ln, err := inherited(fd, fmt.Sprintf("systemd's socket %d (%s)", fd, names[i]))
			if err != nil {
				return lns, err
			}
			lns = append(lns, ln)
		}
		return lns, nil
	}

	binds := o.Binds
	if len(binds) == 0 {
		binds = []string{bind.Default}
	}
	var lns []net.Listener
	seen := map[bind.Address]bool{}
	for _, b := range binds {
		a, err := bind.Parse(b)
		if err != nil {
			return lns, err
		}
		if _, port, _ := net.SplitHostPort(a.Address); seen[a] && !(a.Network == "tcp" && port == "0") {
			return lns, fmt.Errorf("bind %s: given twice", a)
		}
		seen[a] = true
		var more []net.Listener
		switch a.Network {
		case "unix":
			var ln net.Listener
			ln, err = listenUnix(a, o)
			more = []net.Listener{ln}
		case "fd":
			var ln net.Listener
			ln, err = inherited(a.FD, "bind "+a.String())
			more = []net.Listener{ln}
		default:
			more, err = listenHost(ctx, a, o)
		}
		if err != nil {
			return lns, err
		}
		lns = append(lns, more...)
	}
	return lns, nil
}

// listenHost listens on a TCP bind: its address, or every address its host
// name resolves to. With port 0 the first address's port, which the kernel
// chose, is used for the others, so that one name is one port.
func listenHost(ctx context.Context, a bind.Address, o *Options) ([]net.Listener, error) {
	host, port, err := net.SplitHostPort(a.Address)
	if err != nil {
		return nil, fmt.Errorf("bind %s: %w", a, err)
	}
	if host == "" {
		host = "0.0.0.0" // ":8000": every IPv4 address, as in gunicorn
	}
	ips := []netip.Addr{}
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = append(ips, ip)
	} else {
		found, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("bind %s: %w", a, err)
		}
		for _, ip := range found {
			if ip = ip.Unmap(); !contains(ips, ip) {
				ips = append(ips, ip)
			}
		}
	}
	var lns []net.Listener
	for _, ip := range ips {
		addr := net.JoinHostPort(ip.String(), port)
		ln, err := listenTCP(ctx, a, addr, o)
		if err != nil && len(ips) > 1 && (errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT)) {
			// A name's address this machine does not have (::1 with IPv6
			// off): the name is served on the others.
			o.logf(o.Warnf)("bind %s: not listening on %s: %v", a, addr, errors.Unwrap(err))
			continue
		}
		if err != nil {
			return lns, err
		}
		if port == "0" {
			port = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		}
		lns = append(lns, ln)
	}
	if len(lns) == 0 {
		return nil, fmt.Errorf("bind %s: none of its addresses %v can be listened on", a, ips)
	}
	return lns, nil
}

func contains(ips []netip.Addr, ip netip.Addr) bool {
	for _, x := range ips {
		if x == ip {
			return true
		}
	}
	return false
}

// listenTCP listens on addr, an IP and a port, for the bind a. As in
// gunicorn and stage 2's bind.Listen, an IPv6 socket is IPv6 only, and an
// address in use is tried bind.Retries more times, bind.RetryDelay apart,
// each failure logged as gunicorn words it. An address this machine does
// not have fails at once: waiting will not bring it.
func listenTCP(ctx context.Context, a bind.Address, addr string, o *Options) (net.Listener, error) {
	network := "tcp4"
	if ap, err := netip.ParseAddrPort(addr); err == nil && ap.Addr().Is6() {
		network = "tcp6"
	}
	lc := net.ListenConfig{}
	if o.ReusePort {
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			return control(c, func(fd int) error {
				return syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, soReusePort, 1)
			})
		}
	}
	for try := 0; ; try++ {
		ln, err := lc.Listen(ctx, network, addr)
		if err == nil {
			if err := setBacklog(ln, o.backlog()); err != nil {
				ln.Close()
				return nil, fmt.Errorf("bind %s: backlog %d: %w", a, o.backlog(), err)
			}
			return ln, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("bind %s: %w", a, syscallError(err))
		}
		o.logf(o.Errorf)("Connection in use: %s", addr)
		if try == bind.Retries {
			return nil, fmt.Errorf("bind %s: can't connect: %s is in use", a, addr)
		}
		o.logf(o.Errorf)("Retrying in 1 second.")
		wait := time.NewTimer(bind.RetryDelay)
		select {
		case <-wait.C:
		case <-ctx.Done():
			wait.Stop()
			return nil, fmt.Errorf("bind %s: %w", a, ctx.Err())
		}
	}
}

// soReusePort is SO_REUSEPORT, which package syscall does not name on
// every architecture.
const soReusePort = 0xf

// setBacklog sets a listening socket's queue: Go listens with the system's
// largest (net.core.somaxconn), and Linux lets listen(2) be called again on
// a listening socket to change it.
func setBacklog(ln net.Listener, backlog int) error {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	return control(rc, func(fd int) error { return syscall.Listen(fd, backlog) })
}

// control runs fn on rc's descriptor and returns fn's error, or Control's.
func control(rc syscall.RawConn, fn func(fd int) error) error {
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// syscallError drops the "listen tcp4 127.0.0.1:80: bind:" that Go's
// errors repeat after the bind has been named: "bind 127.0.0.1:80:
// permission denied".
func syscallError(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// Package sockets opens every listening socket gunicorn's bind setting can
// name, as gunicorn's sock.py and systemd.py do, and the TLS that turns the
// TCP ones into HTTPS.
//
// # Where a server listens
//
// A bind is one of the forms package bind (stage 2) parses; Listen opens
// them all, or none:
//
//   - HOST:PORT, HOST, [IPV6]:PORT: a TCP socket, IPv6-only for an IPv6
//     address as in gunicorn. A host name listens on every address it
//     resolves to (localhost: 127.0.0.1 and ::1). An address in use is
//     retried as gunicorn retries it (four more times, a second apart).
//   - unix:PATH: a unix socket, a file in the file system that local
//     processes connect to (nginx, in the usual deployment). Its mode is
//     the access control: the file is made with the umask setting applied,
//     and owned by the user and group the server will run as. A file a dead
//     server left is replaced; one a live server listens on is refused,
//     never stolen. It is removed when the listener closes, at exit, and
//     not at HUP, which does not close it.
//   - fd://N: a listening socket already open as descriptor N, handed over
//     by whatever started the server.
//
// Sockets systemd hands over (socket activation: LISTEN_FDS, LISTEN_PID and
// LISTEN_FDNAMES, see Activation) are served instead of the binds. systemd
// keeps its own copies and their files: they are never removed here.
//
// The sockets the server opens get the backlog setting as their listen
// queue, and SO_REUSEPORT when reuse_port is set; inherited ones keep what
// their maker gave them.
//
// # TLS
//
// TLS (see NewTLS) reads certfile, keyfile and ca_certs into a crypto/tls
// configuration: TLS 1.2 and later, ALPN http/1.1, a client certificate
// asked for or required per cert_reqs, and gunicorn's ciphers and
// ssl_version mapped where Go has an equivalent and warned about where it
// has not. The TCP listeners are wrapped in a server.TLSListener, whose
// handshakes stage 2's server runs per connection; Reload reads the files
// again at HUP, and a certificate that does not load leaves the previous
// one serving.
//
//	lns, err := sockets.Listen(ctx, sockets.Options{Binds: []string{"unix:/run/app.sock"}, Backlog: 2048})
package sockets

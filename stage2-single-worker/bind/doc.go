// Package bind is gunicorn's bind setting: where a server listens. Parse
// reads every form gunicorn documents (HOST, HOST:PORT, [IPV6]:PORT,
// tcp://…, unix:PATH, fd://N) into an Address; Listen opens a TCP one.
//
// The grammar lives here, once, because every stage needs it: stage 2
// listens on one TCP address, stage 3's settings validate every bind
// (without opening them), and stage 5 listens on all of them, unix
// sockets and inherited descriptors included.
//
//	a, err := bind.Parse("127.0.0.1:8000")
//	ln, err := bind.Listen(ctx, a, logf)
package bind

// Package upgrade replaces a running master with a new one, started from
// the binary on disk, without closing its listening sockets: gunicorn's
// USR2. It is the one place gunicorn-go re-executes itself and passes
// descriptors on. (Daemon mode, -D, uses the same start and readiness,
// with no sockets.)
//
// # Why sockets can be handed over
//
// A listening socket is a kernel object; a process holds it through a
// file descriptor. A child process can inherit descriptors (os/exec's
// ExtraFiles put them at 3, 4, … in the new program), and then parent and
// child hold the same socket: both may accept on it, connections queued
// in it wait for whichever accepts first, and it stays open while either
// holds it. So the new master listens before the old one stops, and no
// client is ever refused.
//
// # The dance
//
//	old master                              new master (same binary path, new code)
//	USR2: Start(origin, listeners)   ──▶    GUNICORN_PID=old, GUNICORN_FD=3,4,
//	  serves on meanwhile                   GUNICORN_GO_READY_FD=5
//	                                        Inherited(): listen on fd://3, fd://4
//	                                        pid file FILE.2; workers load the app
//	Ready() receives nil              ◀──   Parent.Ready(): one byte on fd 5
//	MAINPID=new to systemd; the socket
//	files are left (KeepFile); stops
//	accepting and drains, as TERM does
//	exits; the kernel closes fd 5     ──▶   Parent.Gone(): rename FILE.2 to FILE
//
// fd 5 is one end of a socket pair (socketpair(2): a connected pair of
// unix sockets, a two-way pipe), the old master holding the other. One byte
// from the new master says "my workers serve"; end of file says the other
// side is gone: to the old master, that the new one died before it was
// ready (a binary that does not run, an app that does not load), and the
// old master serves on and logs why; to the new master, that the old one
// has exited, whenever that happens. This is cloudflare/tableflip's
// readiness pipe, made two-way so that neither side polls.
//
// The variables are gunicorn's where gunicorn has them (GUNICORN_PID,
// GUNICORN_FD), so a script that looks for them finds them, and
// gunicorn-go's own for the rest. Inherited unsets them all, so no worker
// inherits them.
//
// gunicorn's arbiter.py does the same with fork and exec: reexec forks,
// and the child execs sys.executable with the original arguments and
// environment, GUNICORN_PID and GUNICORN_FD (LISTEN_FDS under systemd) set;
// start reads them, naming the pid file FILE.2; maybe_promote_master, run
// once a second, sees its parent pid change when the old master exits and
// renames the pid file. Go cannot fork (its runtime's threads would not
// survive it), so the start is an exec from the beginning, and a finished
// old master is seen by end of file rather than by polling getppid.
package upgrade

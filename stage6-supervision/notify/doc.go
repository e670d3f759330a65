// Package notify speaks systemd's readiness protocol, sd_notify(3), from
// the service's side: a service started with Type=notify tells systemd
// when it is ready, reloading or stopping, and which process is its main
// one, by sending short text datagrams to a socket systemd names in the
// environment.
//
// # The protocol
//
// systemd sets NOTIFY_SOCKET to the path of a unix datagram socket (one
// starting with "@" is in the abstract namespace: no file, the name alone).
// Each message is one datagram of newline-separated KEY=VALUE assignments:
//
//	READY=1                        start-up, or a reload, is finished
//	STATUS=Serving on …            free text, shown by systemctl status
//	RELOADING=1                    a reload begins; READY=1 ends it
//	MONOTONIC_USEC=123456789       with RELOADING=1: CLOCK_MONOTONIC, in µs
//	STOPPING=1                     the service is stopping
//	MAINPID=4711                   this process is the main one now
//	WATCHDOG=1                     still alive (when WatchdogSec= is set)
//
// With no NOTIFY_SOCKET, nothing is sent: the server was not started by a
// service manager that listens. FromEnv unsets the variable, as
// sd_notify(3)'s unset_environment does, so that no worker (a Python
// process, which might speak the protocol itself) takes the socket for its
// own; the master passes it on by hand to the new master of an upgrade.
//
// # The watchdog
//
// A unit with WatchdogSec= sets WATCHDOG_USEC (and WATCHDOG_PID, the
// process it is meant for): the service must send WATCHDOG=1 more often
// than that, or systemd takes it for hung and restarts it. Watchdog sends
// it at half the interval, as sd_watchdog_enabled(3) advises.
//
//	n := notify.FromEnv()
//	n.Send(notify.Ready, "STATUS=Serving on http://127.0.0.1:8000")
//	…
//	n.Send(notify.Stopping)
//
// gunicorn's systemd.py has one function, sd_notify, which sends
// "READY=1\nSTATUS=Gunicorn arbiter booted" once the arbiter has bound,
// before any worker has loaded the app, and nothing else.
package notify

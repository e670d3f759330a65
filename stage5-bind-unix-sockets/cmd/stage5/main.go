// Command stage5 is stage 4's master listening where a deployment needs
// it: every bind form (TCP, IPv6, host names, unix sockets, fd://N) at
// once, the sockets systemd passes, TLS on the TCP binds, and, started as
// root with --user, no root left once it has bound (package master).
//
//	stage5 -b unix:/run/app.sock -b 0.0.0.0:8443 --certfile cert.pem --keyfile key.pem -u www-data project.wsgi
//
// Signals are stage 4's: TERM stops gracefully (the socket files are
// removed), INT and QUIT at once, HUP reloads the settings, the app's code
// and the TLS certificate, TTIN and TTOU add and remove a worker, USR1
// reopens the log files.
package main

import (
	"fmt"
	"os"

	"gunicorn-go/shared/examples/goapps"
	"gunicorn-go/stage3-config-file/command"
	"gunicorn-go/stage4-multi-worker/arbiter"
	"gunicorn-go/stage5-bind-unix-sockets/master"
	"gunicorn-go/stage5-bind-unix-sockets/sockets"
)

func main() {
	// Before any child starts (the config file's Python first): inherited
	// sockets are the master's alone.
	if err := sockets.CloseOnExec(); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(command.ExitError)
	}
	os.Exit(program.Main(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

var program = command.Program{
	Name:   "stage5",
	Stage:  5,
	GoApps: goapps.All(),
	Serve:  func(s *command.Settings) int { return arbiter.Run(master.FromSettings(s)) },
}

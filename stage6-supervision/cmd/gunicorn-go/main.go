// Command gunicorn-go is the production server: gunicorn's command line,
// settings, signals and logs, from one Go binary, for a Python WSGI app.
//
//	gunicorn-go project.wsgi:application
//	gunicorn-go -c gunicorn.conf.py -b unix:/run/gunicorn-go/app.sock --pid /run/gunicorn-go/app.pid project.wsgi
//
// It is stage 5's master (every bind, TLS, systemd's sockets, dropping
// root) run as a service (package service): a pid file, systemd's
// readiness protocol, USR2 upgrades that hand the sockets to a new master,
// and daemon mode. deploy/ has the systemd units, the Supervisor program,
// logrotate's file and nginx's site that run it.
//
// Signals: TERM stops gracefully, INT and QUIT at once, HUP reloads the
// settings and the app, TTIN and TTOU add and remove a worker, USR1
// reopens the log files, USR2 upgrades to the binary on disk.
package main

import (
	"fmt"
	"os"

	"gunicorn-go/shared/examples/goapps"
	"gunicorn-go/stage3-config-file/command"
	"gunicorn-go/stage5-bind-unix-sockets/sockets"
	"gunicorn-go/stage6-supervision/service"
	"gunicorn-go/stage6-supervision/upgrade"
)

func main() {
	// First, before anything changes the environment or the directory:
	// how to start this command again, for USR2 and -D.
	origin, err := upgrade.CaptureOrigin()
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(command.ExitError)
	}
	// Before any child starts (the config file's Python first): inherited
	// sockets are the master's alone.
	if err := sockets.CloseOnExec(); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(command.ExitError)
	}
	program := command.Program{
		Name:   "gunicorn-go",
		Stage:  6,
		GoApps: goapps.All(),
		Serve:  func(s *command.Settings) int { return service.Run(s, origin) },
	}
	os.Exit(program.Main(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

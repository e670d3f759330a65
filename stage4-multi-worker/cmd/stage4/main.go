// Command stage4 is gunicorn's master: stage 3's settings, with a Go master
// that owns every connection and supervises Python workers (package
// arbiter).
//
//	stage4 -w 3 --threads 2 project.wsgi:application
//
// Signals: TERM stops gracefully, INT and QUIT at once, HUP reloads the
// settings and the app's code, TTIN and TTOU add and remove a worker, USR1
// reopens the log files.
package main

import (
	"os"

	"gunicorn-go/shared/examples/goapps"
	"gunicorn-go/stage3-config-file/command"
	"gunicorn-go/stage4-multi-worker/arbiter"
)

func main() {
	os.Exit(program.Main(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

var program = command.Program{
	Name:   "stage4",
	Stage:  4,
	GoApps: goapps.All(),
	Serve:  func(s *command.Settings) int { return arbiter.Run(arbiter.FromSettings(s)) },
}

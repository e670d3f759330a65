// Command stage3 is stage 2's server with gunicorn's settings: flags,
// GUNICORN_CMD_ARGS and gunicorn.conf.py, all read by package config.
//
//	stage3 [OPTIONS] [APP]
//	stage3 --print-config            # every setting, its value and its source
//	stage3 --check-config APP        # load the config and import the app, exit 0 or 1
//
// Stage 3 still serves with one worker, on the TCP binds; settings of later
// stages are read, validated, stored, and noted in the log as not acting.
package main

import (
	"os"

	"gunicorn-go/shared/examples/goapps"
	"gunicorn-go/stage2-single-worker/lifecycle"
	"gunicorn-go/stage3-config-file/command"
)

func main() {
	os.Exit(program.Main(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

var program = command.Program{
	Name:   "stage3",
	Stage:  3,
	GoApps: goapps.All(),
	Serve:  func(s *command.Settings) int { return lifecycle.Run(s.Server) },
}

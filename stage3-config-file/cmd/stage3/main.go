// Command stage3 is stage 2's server with gunicorn's settings: flags,
// GUNICORN_CMD_ARGS and gunicorn.conf.py, all read by package config.
//
//	stage3 [OPTIONS] [APP]
//	stage3 --print-config            # every setting, its value and its source
//	stage3 --check-config APP        # load the config and import the app, exit 0 or 1
//
// Stage 3 still serves with one worker on the first bind, a TCP address;
// settings of later stages are read, validated and stored.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// listenAddr is where every contender binds: port 0, so the kernel picks a
// free port and the server's "Listening at:" line tells which.
const listenAddr = "127.0.0.1:0"

// app is the one app every contender serves, from shared/examples.
const (
	appDir  = "shared/examples"
	appSpec = "hello:app"
)

// server is one contender of the benchmark.
type server struct {
	name string
	// command says how to start the server from the repository's root, or
	// (skip) why it cannot run on this machine.
	command func(root string) (l launch, skip string)
}

// launch is how to start a server.
type launch struct {
	argv []string // the executable's path first
	env  []string // KEY=VALUE added to the environment
	show string   // the same, as a reader would type it at the root
}

// servers are the contenders, in the order they run.
var servers = []server{
	{"stage2", stageCommand("stage2")},
	{"gunicorn-sync", gunicornCommand("-w", "1", "-k", "sync")},
	{"gunicorn-gthread", gunicornCommand("-w", "1", "-k", "gthread", "--threads", "4")},
	{"net/http", netHTTPCommand},
}

// serverNames lists the contenders' names, comma-separated.
func serverNames() string {
	names := make([]string, len(servers))
	for i, s := range servers {
		names[i] = s.name
	}
	return strings.Join(names, ",")
}

// stageCommand runs bin/NAME, as `make build` leaves it.
func stageCommand(name string) func(string) (launch, string) {
	return func(root string) (launch, string) {
		bin := filepath.Join(root, "bin", name)
		if _, err := os.Stat(bin); err != nil {
			return launch{}, "bin/" + name + " not built (make build)"
		}
		args := []string{"-b", listenAddr, "--chdir", appDir, appSpec}
		return launch{
			argv: append([]string{bin}, args...),
			show: strings.Join(append([]string{"bin/" + name}, args...), " "),
		}, ""
	}
}

// gunicornCommand runs the gunicorn on PATH (Debian's runs under
// /usr/bin/python3) with the worker flags given.
func gunicornCommand(flags ...string) func(string) (launch, string) {
	return func(string) (launch, string) {
		bin, err := exec.LookPath("gunicorn")
		if err != nil {
			return launch{}, "gunicorn not installed (apt-get install gunicorn)"
		}
		args := append([]string{"--chdir", appDir, "-b", listenAddr}, flags...)
		args = append(args, appSpec)
		return launch{
			argv: append([]string{bin}, args...),
			show: "gunicorn " + strings.Join(args, " "),
		}, ""
	}
}

// netHTTPCommand runs this very binary in its net/http hello mode.
func netHTTPCommand(string) (launch, string) {
	self, err := os.Executable()
	if err != nil {
		return launch{}, "cannot find this executable: " + err.Error()
	}
	env := helloEnv + "=" + listenAddr
	return launch{argv: []string{self}, env: []string{env}, show: env + " go run ./bench"}, ""
}

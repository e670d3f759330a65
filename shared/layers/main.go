// Command layers checks the project's layering, the rules that keep each
// stage one concept on top of the ones before:
//
//   - a package of stage N imports only the standard library, golang.org/x/*
//     and packages of stages 1 to N; commands (cmd/) and sketches (sketch/)
//     may also import shared/, which holds the examples and the test kit;
//   - wsgi, the contract, imports nothing of the project;
//   - http1 and server know wsgi.App, never Python: they do not import pyapp.
//
// It reads `go list -deps` for every package it is given (tests excluded:
// a test may use anything) and prints each broken rule with the import
// chain that breaks it. `make lint` runs it:
//
//	go run ./shared/layers ./stage1-wsgi-hello/... ./stage2-single-worker/...
//
// Exit status: 0 when every rule holds, 1 when one is broken, 2 when go list
// fails.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

const module = "gunicorn-go/"

func main() {
	args := append([]string{"list", "-f", "{{.ImportPath}}:{{join .Imports \" \"}}:{{join .Deps \" \"}}"}, os.Args[1:]...)
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "layers: go list: %v\n", err)
		os.Exit(2)
	}
	broken := check(parse(bytes.NewReader(out)))
	for _, b := range broken {
		fmt.Println(b)
	}
	if len(broken) > 0 {
		fmt.Printf("layers: %d rule(s) broken\n", len(broken))
		os.Exit(1)
	}
}

// pkgInfo is what go list says of a package: what it imports itself, and
// everything it depends on, directly or not.
type pkgInfo struct {
	imports, deps []string
}

// parse reads "pkg:import import…:dep dep…" lines.
func parse(r io.Reader) map[string]pkgInfo {
	pkgs := map[string]pkgInfo{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), ":", 3)
		if len(f) == 3 {
			pkgs[f[0]] = pkgInfo{imports: strings.Fields(f[1]), deps: strings.Fields(f[2])}
		}
	}
	return pkgs
}

var stageDir = regexp.MustCompile(`^` + module + `stage(\d+)-[^/]+/`)

// stageOf returns a project package's stage number, 0 for shared/ and bench/.
func stageOf(pkg string) int {
	m := stageDir.FindStringSubmatch(pkg)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// check returns one line per broken rule, sorted.
func check(pkgs map[string]pkgInfo) []string {
	var broken []string
	for pkg, info := range pkgs {
		stage := stageOf(pkg)
		if stage == 0 {
			continue // shared/ and bench/ sit beside the stages
		}
		tool := strings.Contains(pkg, "/cmd/") || strings.Contains(pkg, "/sketch")
		for _, dep := range info.imports {
			if !strings.HasPrefix(dep, module) {
				continue // the standard library and third-party modules
			}
			switch depStage := stageOf(dep); {
			case depStage == 0 && !tool:
				broken = append(broken, fmt.Sprintf("%s imports %s: only commands and sketches may use shared/", pkg, dep))
			case depStage > stage:
				broken = append(broken, fmt.Sprintf("%s imports %s: stage %d may not import stage %d", pkg, dep, stage, depStage))
			}
		}
		for _, dep := range info.deps {
			switch {
			case !strings.HasPrefix(dep, module):
			case strings.HasSuffix(pkg, "/wsgi"):
				broken = append(broken, fmt.Sprintf("%s depends on %s: wsgi, the contract, depends on nothing of the project", pkg, dep))
			case (strings.HasSuffix(pkg, "/http1") || strings.HasSuffix(pkg, "/server")) && strings.HasSuffix(dep, "/pyapp"):
				broken = append(broken, fmt.Sprintf("%s depends on %s: the server knows wsgi.App, never Python", pkg, dep))
			}
		}
	}
	slices.Sort(broken)
	return broken
}

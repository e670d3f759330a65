// Command sketch is chapter 3's idea in one page: a gunicorn.conf.py is a
// Python program, so Python runs it and reports the names it defined, as
// JSON; the command line overrides them, and defaults fill in the rest. It
// prints each setting with where its value came from, as --print-config does.
//
//	go run ./stage3-config-file/sketch -c stage3-config-file/examples/seed.conf.py -w 3
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

// script runs the config file and prints the settings it defined as JSON.
// What the file prints goes to stderr, so that it cannot spoil the JSON.
const script = `
import json, runpy, sys
report, sys.stdout = sys.stdout, sys.stderr
names = runpy.run_path(sys.argv[1], run_name="__config__")
json.dump({k: v for k, v in names.items()  # not modules, functions, _private names
           if not k.startswith("_") and isinstance(v, (bool, int, float, str, list))}, report)
`

// setting is a row of the settings table. Its default's type is the
// setting's: a string or an int.
type setting struct {
	name  string
	flags []string
	def   any
}

var table = []setting{
	{"bind", []string{"b", "bind"}, "127.0.0.1:8000"},
	{"workers", []string{"w", "workers"}, 1},
	{"loglevel", []string{"log-level"}, "info"},
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("sketch: ")
	flags := flag.NewFlagSet("sketch", flag.ExitOnError)
	configFile := flags.String("c", "", "the config file, a Python program")
	fromFlags := map[string]any{}
	for _, s := range table {
		for _, name := range s.flags {
			flags.Func(name, "sets "+s.name, func(v string) (err error) {
				fromFlags[s.name], err = convert(s, v)
				return err
			})
		}
	}
	flags.Parse(os.Args[1:]) // a bad flag exits 2 with the usage
	fromFile := map[string]any{}
	if *configFile != "" {
		python := exec.Command("python3", "-c", script, *configFile)
		python.Stderr = os.Stderr // the file's prints, and its traceback
		out, err := python.Output()
		if err == nil {
			err = json.Unmarshal(out, &fromFile)
		}
		if err != nil {
			log.Fatalf("%s: %v", *configFile, err)
		}
	}
	var lines []string
	for _, s := range table { // lowest first: default, file, command line
		value, source := s.def, "default"
		if v, ok := fromFile[s.name]; ok {
			var err error
			if value, err = convert(s, v); err != nil {
				log.Fatalf("%v (%s)", err, *configFile)
			}
			source = *configFile
			delete(fromFile, s.name)
		}
		if v, ok := fromFlags[s.name]; ok {
			value, source = v, "command line"
		}
		if str, ok := value.(string); ok {
			value = "'" + str + "'" // as Python writes a string
		}
		lines = append(lines, fmt.Sprintf("%-10s = %-18v # %s", s.name, value, source))
	}
	for _, name := range slices.Sorted(maps.Keys(fromFile)) { // what is left is no setting
		log.Printf("%s: ignoring %s, not a setting", *configFile, name)
	}
	fmt.Println(strings.Join(lines, "\n"))
}

// convert checks that v, from a flag (a string) or the file (a JSON
// value), suits setting s, and returns it with the setting's type.
func convert(s setting, v any) (any, error) {
	_, wantInt := s.def.(int)
	switch v := v.(type) {
	case string:
		if !wantInt {
			return v, nil
		}
		if n, err := strconv.Atoi(v); err == nil {
			return n, nil
		}
	case float64: // JSON's numbers
		if wantInt && v == float64(int(v)) {
			return int(v), nil
		}
	}
	return nil, fmt.Errorf("%s: expected %T, got %v", s.name, s.def, v)
}

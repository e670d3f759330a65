package config

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Kind is a setting's type: how its value is read from the command line (the
// strings each occurrence of its flag carried) and from a config file (a
// Python value decoded from JSON), and how --print-config shows it again.
type Kind struct {
	Name       string // as --help and the docs name it: "int", "str", "bool"…
	Repeatable bool   // the flag may be given many times and the values accumulate
	// fromFlags reads the occurrences of the flag, in order. Flags that are
	// not Repeatable keep the last occurrence, as argparse does.
	fromFlags func(args []string) (any, error)
	// fromPython reads a value from the config file.
	fromPython func(v any) (any, error)
	// show writes the Go value for --print-config and the docs.
	show func(v any) string
}

// badValue is a reading or validation failure. got is the offending value (or
// the offending part of a list) already written as Python would; Load puts it
// into "NAME: expected WHAT, got VALUE (SOURCE)".
type badValue struct{ got string }

func (b badValue) Error() string { return "got " + b.got }

func bad(v any) error { return badValue{got: repr(v)} }

// The kinds of the settings table.
var (
	// KindInt is a decimal integer.
	KindInt = Kind{Name: "int", fromFlags: lastFlag(parseIntFlag), fromPython: intFromPython, show: repr}
	// KindOctal is an integer usually written in octal: 0o22, "022", 18.
	KindOctal = Kind{Name: "octal int", fromFlags: lastFlag(parseAutoInt), fromPython: octalFromPython, show: showOctal}
	// KindStr is a string.
	KindStr = Kind{Name: "str", fromFlags: lastFlag(func(s string) (any, error) { return s, nil }), fromPython: strFromPython(false), show: repr}
	// KindOptStr is a string or None (kept as ""), for settings that are off
	// by default: pidfile, accesslog, certfile…
	KindOptStr = Kind{Name: "str or None", fromFlags: lastFlag(func(s string) (any, error) { return s, nil }), fromPython: strFromPython(true), show: showOptStr}
	// KindStrOrInt is a string, or a number kept as its decimal digits:
	// ssl_version, which a config file may write ssl.PROTOCOL_TLSv1_2 (5).
	KindStrOrInt = Kind{Name: "str or int", fromFlags: lastFlag(func(s string) (any, error) { return s, nil }), fromPython: strOrIntFromPython, show: repr}
	// KindBool is a flag without a value, or a Python bool.
	KindBool = Kind{Name: "bool", fromFlags: func([]string) (any, error) { return true, nil }, fromPython: boolFromPython, show: repr}
	// KindList is a list of strings; its flag repeats (-b A -b B) and a
	// config file may give one string or a list.
	KindList = Kind{Name: "list of str", Repeatable: true, fromFlags: func(args []string) (any, error) { return append([]string{}, args...), nil }, fromPython: listFromPython(false), show: repr}
	// KindCSV is a list of strings written comma-separated on the command
	// line ("127.0.0.1,::1"); a config file may give a string or a list.
	KindCSV = Kind{Name: "comma-separated str", fromFlags: lastFlag(func(s string) (any, error) { return splitCSV(s), nil }), fromPython: listFromPython(true), show: repr}
	// KindDict is a dict of str to str, config file only.
	KindDict = Kind{Name: "dict of str to str", fromFlags: nil, fromPython: dictFromPython, show: repr}
)

// lastFlag adapts a one-string reader to a non-repeatable flag.
func lastFlag(read func(string) (any, error)) func([]string) (any, error) {
	return func(args []string) (any, error) { return read(args[len(args)-1]) }
}

func parseIntFlag(s string) (any, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return nil, bad(s)
	}
	return n, nil
}

// parseAutoInt reads an integer as gunicorn's umask flag does: a leading 0
// followed by a digit means octal ("022"), and 0o, 0x, 0b prefixes work.
func parseAutoInt(s string) (any, error) {
	t := strings.TrimSpace(s)
	if len(t) > 1 && t[0] == '0' && t[1] >= '0' && t[1] <= '9' {
		t = "0o" + t[1:]
	}
	n, err := strconv.ParseInt(t, 0, 64)
	if err != nil {
		return nil, bad(s)
	}
	return int(n), nil
}

func intFromPython(v any) (any, error) {
	switch v := v.(type) {
	case json.Number:
		n, err := strconv.Atoi(v.String())
		if err != nil {
			return nil, bad(v)
		}
		return n, nil
	case string: // gunicorn accepts workers = "4"
		return parseIntFlag(v)
	}
	return nil, bad(v)
}

func octalFromPython(v any) (any, error) {
	switch v := v.(type) {
	case json.Number:
		return intFromPython(v)
	case string:
		return parseAutoInt(v)
	}
	return nil, bad(v)
}

// showOctal writes a mask as Python's octal literal: 0o22. Zero stays 0.
func showOctal(v any) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("0o%o", v)
}

func showOptStr(v any) string {
	if s, _ := v.(string); s == "" {
		return "None"
	}
	return repr(v)
}

func strFromPython(noneOK bool) func(any) (any, error) {
	return func(v any) (any, error) {
		switch v := v.(type) {
		case string:
			return v, nil
		case nil:
			if noneOK {
				return "", nil
			}
		}
		return nil, bad(v)
	}
}

func strOrIntFromPython(v any) (any, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		if _, err := strconv.Atoi(v.String()); err == nil {
			return v.String(), nil
		}
	}
	return nil, bad(v)
}

func boolFromPython(v any) (any, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case string: // gunicorn accepts "true" and "false" too
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return nil, bad(v)
}

// listFromPython reads one string or a list (or tuple) of strings. With csv,
// a single string is split at commas.
func listFromPython(csv bool) func(any) (any, error) {
	return func(v any) (any, error) {
		switch v := v.(type) {
		case nil:
			return []string{}, nil
		case string:
			if csv {
				return splitCSV(v), nil
			}
			return []string{v}, nil
		case []any:
			out := make([]string, 0, len(v))
			for _, x := range v {
				s, ok := x.(string)
				if !ok {
					return nil, bad(x)
				}
				if csv {
					s = strings.TrimSpace(s)
				}
				out = append(out, s)
			}
			return out, nil
		}
		return nil, bad(v)
	}
}

func dictFromPython(v any) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, bad(v)
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		s, ok := x.(string)
		if !ok {
			return nil, bad(v)
		}
		out[k] = s
	}
	return out, nil
}

// splitCSV splits at commas, trims spaces and drops empty parts.
func splitCSV(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

package config

import (
	"slices"
	"sort"
	"strings"
)

// flagArgs is what one source of flags, the command line or
// GUNICORN_CMD_ARGS, said. Values stay strings until Load reads them with the
// setting's Kind, so that an error can quote exactly what was typed.
type flagArgs struct {
	values  map[string][]string // setting name → the values of each occurrence, in order
	app     string              // the positional APP, also in values[positional]
	hasApp  bool
	help    bool // -h, --help
	version bool // -v, --version
	// ignored lists the gunicorn-only flags given, as "setting (flag)", once
	// each, in order: Load warns about them.
	ignored []string
}

// The flags that are not settings.
var (
	helpFlags    = []string{"-h", "--help"}
	versionFlags = []string{"-v", "--version"}
)

// positional is the setting the positional argument sets: wsgi_app.
var positional = func() string {
	for _, s := range table {
		if s.Positional {
			return s.Name
		}
	}
	return ""
}()

// flagIndex maps every flag, short and long, to its setting's name, gunicorn's
// flags for settings gunicorn-go ignores included; help and version map to "".
var flagIndex = func() map[string]string {
	idx := map[string]string{}
	for _, f := range append(append([]string{}, helpFlags...), versionFlags...) {
		idx[f] = ""
	}
	for _, s := range table {
		for _, f := range s.Flags {
			idx[f] = s.Name
		}
	}
	for name, ff := range gunicornOnly {
		for _, f := range ff.flags {
			idx[f] = name
		}
	}
	return idx
}()

// longFlags lists the long flags, sorted, for prefixes and suggestions.
var longFlags = func() []string {
	var out []string
	for f := range flagIndex {
		if strings.HasPrefix(f, "--") {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}()

// parseFlags reads args the way gunicorn's argparse parser does:
//
//	-b ADDR   -bADDR   --bind ADDR   --bind=ADDR   --bi ADDR (a unique prefix)
//
// Boolean flags take no value; bind and raw_env may repeat and accumulate;
// other flags keep their last value; "--" ends the flags; one positional
// argument is the APP. gunicorn's flags for settings gunicorn-go does not
// implement are stepped over, with their value, and listed in ignored. Errors
// wrap ErrUsage.
func parseFlags(args []string) (*flagArgs, error) {
	out := &flagArgs{values: map[string][]string{}}
	onlyPositional := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if onlyPositional || a == "-" || !strings.HasPrefix(a, "-") {
			if out.hasApp {
				return nil, errorf(ErrUsage, "unexpected argument %q: the APP is already %q", a, out.app)
			}
			out.app, out.hasApp = a, true
			out.values[positional] = []string{a}
			continue
		}
		if a == "--" {
			onlyPositional = true
			continue
		}
		flag, value, hasValue, err := splitFlag(a)
		if err != nil {
			return nil, err
		}
		name := flagIndex[flag]
		switch {
		case name == "" && slices.Contains(helpFlags, flag):
			out.help = true
			continue
		case name == "" && slices.Contains(versionFlags, flag):
			out.version = true
			continue
		}
		if ff, ok := gunicornOnly[name]; ok {
			if hasValue && !ff.value {
				return nil, errorf(ErrUsage, "flag %s takes no value, got %q", flag, value)
			}
			if ff.value && !hasValue {
				if i+1 >= len(args) || looksLikeFlag(args[i+1]) {
					return nil, errorf(ErrUsage, "flag %s needs a value", flag)
				}
				i++
			}
			if note := name + " (" + flag + ")"; !slices.Contains(out.ignored, note) {
				out.ignored = append(out.ignored, note)
			}
			continue
		}
		s, _ := Lookup(name)
		if s.Kind.Name == KindBool.Name {
			if hasValue {
				return nil, errorf(ErrUsage, "flag %s takes no value, got %q", flag, value)
			}
			out.values[name] = append(out.values[name], "")
			continue
		}
		if !hasValue {
			if i+1 >= len(args) || looksLikeFlag(args[i+1]) {
				return nil, errorf(ErrUsage, "flag %s needs a value (%s)", flag, s.Meta)
			}
			i++
			value = args[i]
		}
		out.values[name] = append(out.values[name], value)
	}
	return out, nil
}

// splitFlag finds the flag in one argument and the value attached to it
// (--bind=ADDR, -bADDR). A long flag may be shortened to a unique prefix.
func splitFlag(a string) (flag, value string, hasValue bool, err error) {
	if strings.HasPrefix(a, "--") {
		flag, value, hasValue = strings.Cut(a, "=")
		if _, ok := flagIndex[flag]; ok {
			return flag, value, hasValue, nil
		}
		var matches []string
		for _, f := range longFlags {
			if strings.HasPrefix(f, flag) {
				matches = append(matches, f)
			}
		}
		switch {
		case len(matches) == 1:
			return matches[0], value, hasValue, nil
		case len(matches) > 1:
			return "", "", false, errorf(ErrUsage, "ambiguous flag %s: it could be %s", flag, strings.Join(matches, ", "))
		}
		return "", "", false, unknownFlag(flag)
	}
	flag = a[:2]
	if _, ok := flagIndex[flag]; !ok {
		return "", "", false, unknownFlag(a)
	}
	if rest := a[2:]; rest != "" {
		return flag, strings.TrimPrefix(rest, "="), true, nil
	}
	return flag, "", false, nil
}

func unknownFlag(flag string) error {
	if s := suggest(flag, longFlags); s != "" && strings.HasPrefix(flag, "--") {
		return errorf(ErrUsage, "unknown flag %s (did you mean %s?)", flag, s)
	}
	return errorf(ErrUsage, "unknown flag %s", flag)
}

// looksLikeFlag says whether a word that follows a flag needing a value is
// another flag rather than the value. "-" and negative numbers are values.
func looksLikeFlag(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	if s[1] >= '0' && s[1] <= '9' {
		return false
	}
	return true
}

package config

import (
	"fmt"
	"strings"
)

// SettingsDoc returns docs/settings.md, generated from the settings table.
// A test compares it with the file in the repository; run go generate in
// this package (or go test -update) after changing the table.
func SettingsDoc() []byte {
	var b strings.Builder
	b.WriteString("# Settings\n\n")
	b.WriteString("<!-- Generated from the settings table in stage3-config-file/config/settings.go " +
		"by `go generate ./stage3-config-file/config`. Do not edit. -->\n\n")
	b.WriteString(wrap("gunicorn-go reads its settings from, lowest precedence first: the defaults below (some "+
		"derived from environment variables), the config file (`./gunicorn.conf.py`, or the one `-c` names), the "+
		"`GUNICORN_CMD_ARGS` environment variable and the command line. Names, flags and defaults are gunicorn's; "+
		"`python` is gunicorn-go's own. Each setting says the stage from which it acts: the stages before read and "+
		"validate it, and warn that it does nothing yet. `--print-config` shows every value and its source.", 80, "") + "\n")
	section := ""
	for _, s := range table {
		if s.Section != section {
			section = s.Section
			b.WriteString("\n## " + section + "\n")
		}
		fmt.Fprintf(&b, "\n### `%s`\n\n", s.Name)
		switch {
		case len(s.Flags) > 0:
			fmt.Fprintf(&b, "- Command line: `%s`\n", strings.ReplaceAll(flagsText(s, " "), ", ", "`, `"))
		case s.Positional:
			fmt.Fprintf(&b, "- Command line: the positional argument `%s`\n", s.Meta)
		default:
			b.WriteString("- Command line: none (config file only)\n")
		}
		fmt.Fprintf(&b, "- Type: %s\n", s.Kind.Name)
		if s.DefaultDoc != "" {
			fmt.Fprintf(&b, "- Default: %s\n", s.DefaultDoc)
		} else {
			fmt.Fprintf(&b, "- Default: `%s`\n", s.Kind.show(s.Default))
		}
		fmt.Fprintf(&b, "- Acts from: stage %d\n", s.Stage)
		b.WriteString("\n" + wrap(s.Help+" "+s.Doc, 80, "") + "\n")
	}
	b.WriteString("\n## gunicorn settings gunicorn-go ignores\n\n")
	b.WriteString(wrap("These gunicorn settings are accepted, so that a config file, command line or "+
		"`GUNICORN_CMD_ARGS` written for gunicorn keeps working, and ignored with one warning per source "+
		"naming them. Server hooks (`post_fork`, `when_ready`…) in a config file are treated the same way.", 80, "") + "\n\n")
	b.WriteString("| setting | command line |\n|---|---|\n")
	for _, name := range sortedKeys(gunicornOnly) {
		ff := gunicornOnly[name]
		flags := "none (config file only)"
		if len(ff.flags) > 0 {
			meta := ""
			if ff.value {
				meta = " VALUE"
			}
			flags = "`" + strings.Join(ff.flags, meta+"`, `") + meta + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", name, flags)
	}
	return []byte(b.String())
}

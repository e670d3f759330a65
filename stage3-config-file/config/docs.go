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
		"`python` is gunicorn-go's own. A setting marked *later stage* is read and validated now and acts from "+
		"the stage that implements it. `--print-config` shows every value and its source.", 80, "") + "\n")
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
		if s.Stage > 0 {
			fmt.Fprintf(&b, "- Acts from: stage %d\n", s.Stage)
		} else {
			b.WriteString("- Acts from: a later stage\n")
		}
		b.WriteString("\n" + wrap(s.Help+" "+s.Doc, 80, "") + "\n")
	}
	return []byte(b.String())
}

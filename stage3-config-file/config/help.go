package config

import (
	"fmt"
	"strings"
)

// Usage returns the one-line usage that precedes a usage error.
func Usage(prog string) string {
	return fmt.Sprintf("usage: %s [OPTIONS] [APP]", prog)
}

// Help returns the --help text, built from the settings table: one entry per
// setting with flags, grouped by section, each with its default.
func Help(prog string) string {
	var b strings.Builder
	b.WriteString(Usage(prog) + "\n\n")
	b.WriteString(wrap("Serve a WSGI app as gunicorn does. Settings come from, lowest precedence first: "+
		"the defaults, the config file (./gunicorn.conf.py or -c), GUNICORN_CMD_ARGS and the command line.", 80, "") + "\n")
	b.WriteString("\npositional arguments:\n")
	for _, s := range table {
		if s.Positional {
			helpEntry(&b, s.Meta, s.Help+" A config file may set "+s.Name+" instead.")
		}
	}
	b.WriteString("\noptions:\n")
	helpEntry(&b, "-h, --help", "Show this help and exit.")
	helpEntry(&b, "-v, --version", "Show the version and exit.")
	section := ""
	var fileOnly []string
	for _, s := range table {
		if len(s.Flags) == 0 && !s.Positional {
			fileOnly = append(fileOnly, s.Name)
			continue
		}
		if s.Positional {
			continue // listed under positional arguments
		}
		if s.Section != section {
			section = s.Section
			b.WriteString("\n" + section + ":\n")
		}
		helpEntry(&b, flagsText(s, " "), s.Help+" ["+defaultText(s)+"]")
	}
	b.WriteString("\n" + wrap("Config file only: "+strings.Join(fileOnly, ", ")+". See docs/settings.md.", 80, "") + "\n")
	return b.String()
}

// flagsText writes a setting's flags with their placeholder: "-b ADDRESS, --bind ADDRESS".
func flagsText(s Setting, sep string) string {
	parts := make([]string, len(s.Flags))
	for i, f := range s.Flags {
		parts[i] = f
		if s.Meta != "" {
			parts[i] += sep + s.Meta
		}
	}
	return strings.Join(parts, ", ")
}

// defaultText describes a setting's default for people.
func defaultText(s Setting) string {
	if s.DefaultDoc != "" {
		return s.DefaultDoc
	}
	return s.Kind.show(s.Default)
}

// helpEntry writes an argparse-style entry: the flags in a 24-column gutter
// (the help on the next line when they do not fit), the help wrapped at 80.
func helpEntry(b *strings.Builder, flags, help string) {
	const gutter = 24
	indent := strings.Repeat(" ", gutter)
	text := wrap(help, 80-gutter, indent)
	if len(flags)+2 <= gutter-2 {
		fmt.Fprintf(b, "  %-*s%s\n", gutter-2, flags, strings.TrimPrefix(text, indent))
		return
	}
	fmt.Fprintf(b, "  %s\n%s\n", flags, text)
}

// wrap breaks text into lines of at most width characters (longer words
// stay whole), each starting with indent.
func wrap(text string, width int, indent string) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, indent+line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, indent+line)
	}
	return strings.Join(lines, "\n")
}

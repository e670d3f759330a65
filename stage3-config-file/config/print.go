package config

import (
	"fmt"
	"io"
	"sort"
)

// Print writes every setting (what --print-config shows), sorted by name, with its value as Python
// would write it and where the value came from:
//
//	bind                     = ['127.0.0.1:8000']  # default
//	workers                  = 9  # gunicorn.conf.py
func (c *Config) Print(w io.Writer) error {
	names := make([]string, 0, len(table))
	width := 0
	for _, s := range table {
		names = append(names, s.Name)
		width = max(width, len(s.Name))
	}
	sort.Strings(names)
	for _, name := range names {
		s, _ := Lookup(name)
		if _, err := fmt.Fprintf(w, "%-*s = %s  # %s\n", width, name, s.Kind.show(c.values[name]), c.Sources[name]); err != nil {
			return fmt.Errorf("print config: %w", err)
		}
	}
	return nil
}

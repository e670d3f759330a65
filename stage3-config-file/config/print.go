package config

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Print writes every setting (what --print-config shows), sorted by name, with its value as Python
// would write it and where the value came from:
//
//	bind                     = ['127.0.0.1:8000']  # default
//	workers                  = 9  # gunicorn.conf.py
func (c *Config) Print(w io.Writer) error {
	rows := slices.SortedFunc(slices.Values(table), func(a, b Setting) int { return strings.Compare(a.Name, b.Name) })
	width := 0
	for _, s := range rows {
		width = max(width, len(s.Name))
	}
	for _, s := range rows {
		if _, err := fmt.Fprintf(w, "%-*s = %s  # %s\n", width, s.Name, s.Kind.show(c.values[s.Name]), c.Sources[s.Name]); err != nil {
			return fmt.Errorf("print config: %w", err)
		}
	}
	return nil
}

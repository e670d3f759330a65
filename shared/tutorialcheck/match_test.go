package tutorialcheck

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name      string
		want, got string // lines separated by "|"
		match     bool
	}{
		{"equal", "a|b", "a|b", true},
		{"trailing spaces ignored", "a |b", "a|b  ", true},
		{"trailing blank lines ignored", "a", "a||", true},
		{"empty matches empty", "", "", true},
		{"different line", "a|b", "a|c", false},
		{"missing line", "a|b", "a", false},
		{"extra line", "a", "a|b", false},
		{"leading spaces count", " a", "a", false},
		{"ellipsis matches many", "a|...|z", "a|b|c|z", true},
		{"ellipsis matches none", "a|...|z", "a|z", true},
		{"ellipsis at the start", "...|z", "x|y|z", true},
		{"ellipsis at the end", "a|...", "a|b|c", true},
		{"ellipsis alone matches anything", "...", "x|y", true},
		{"ellipsis does not excuse a wrong line", "a|...|z", "a|b|y", false},
		{"two ellipses", "...|m|...", "a|m|b", true},
	}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, "|")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Match(split(tt.want), split(tt.got)); got != tt.match {
				t.Errorf("Match(%q, %q) = %v, want %v", tt.want, tt.got, got, tt.match)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	got := Diff([]string{"a", "...", "b", "c"}, []string{"a", "x", "b", "d"})
	want := "  a\n  ...\n+ x\n  b\n- c\n+ d\n"
	if got != want {
		t.Errorf("Diff:\n%s\nwant:\n%s", got, want)
	}
}

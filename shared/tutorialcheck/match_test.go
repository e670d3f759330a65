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
		{"ellipsis inside a line", "[...] [INFO] Booting worker with pid: ...", "[2026-11-27 10:40:28 +0000] [5102] [INFO] Booting worker with pid: 5102", true},
		{"ellipsis inside a line matches no text", "curl/...", "curl/", true},
		{"text around an inline ellipsis is anchored", "a...z", "a-z!", false},
		{"inline parts in order", "a...b...c", "a-c-b-c", true},
		{"inline parts out of order", "a...b...c", "a-c-c", false},
		{"prefix and suffix may not overlap", "ab...ba", "aba", false},
		{"inline ellipsis stays within its line", "a...|z", "a1|a2|z", false},
		{"a lone ellipsis is a line wildcard, not a one-line pattern", "a|...|z", "a|z", true},
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
	// A line matched by an inline ellipsis is shared, and shown as it was.
	got = Diff([]string{"Date: ...", "x"}, []string{"Date: today", "y"})
	want = "  Date: today\n- x\n+ y\n"
	if got != want {
		t.Errorf("Diff with an inline ellipsis:\n%s\nwant:\n%s", got, want)
	}
}

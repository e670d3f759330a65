package tutorialcheck

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// md joins lines into a Markdown document; it keeps the test cases readable
// despite the backticks.
func md(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []Block
	}{
		{
			name: "one command, one output line",
			doc:  md("# Title", "```console check", "$ echo hi", "hi", "```"),
			want: []Block{{Line: 2, Commands: []Command{{Line: 3, Text: "echo hi", Want: []string{"hi"}}}}},
		},
		{
			name: "two commands, trailing spaces and blank lines dropped",
			doc:  md("```console check", "$ a", "x  ", "", "$ b", "```"),
			want: []Block{{Line: 1, Commands: []Command{
				{Line: 2, Text: "a", Want: []string{"x"}},
				{Line: 5, Text: "b", Want: []string{}},
			}}},
		},
		{
			name: "ellipsis and exit status",
			doc:  md("```console check", "$ false", "...", "[exit 1]", "```"),
			want: []Block{{Line: 1, Commands: []Command{{Line: 2, Text: "false", Want: []string{"..."}, WantExit: 1}}}},
		},
		{
			name: "continuation line",
			doc:  md("```console check", `$ echo a \`, "  b", "a b", "```"),
			want: []Block{{Line: 1, Commands: []Command{{Line: 2, Text: "echo a \\\n  b", Want: []string{"a b"}}}}},
		},
		{
			name: "unchecked blocks are skipped, even with $ lines",
			doc:  md("```console", "$ rm -rf /", "```", "~~~console check", "$ true", "~~~"),
			want: []Block{{Line: 4, Commands: []Command{{Line: 5, Text: "true", Want: []string{}}}}},
		},
		{
			name: "needs",
			doc:  md("```console check needs=curl,python3-django needs=nginx", "$ true", "```"),
			want: []Block{{Line: 1, Needs: []string{"curl", "python3-django", "nginx"}, Commands: []Command{{Line: 2, Text: "true", Want: []string{}}}}},
		},
		{
			name: "a server block's kinds of command",
			doc: md("```console check", "$ srv -b 127.0.0.1:8000 &", "...", "$ curl x && true", "$ kill -HUP $!",
				"$ kill $!", "$ wait $!", "[exit 1]", "$ echo a &&", "echo b", "a", "b", "```"),
			want: []Block{{Line: 1, Commands: []Command{
				{Line: 2, Text: "srv -b 127.0.0.1:8000 &", Want: []string{"..."}, Kind: Serve},
				{Line: 4, Text: "curl x && true", Want: []string{}, Kind: Run},
				{Line: 5, Text: "kill -HUP $!", Want: []string{}, Kind: Kill},
				{Line: 6, Text: "kill $!", Want: []string{}, Kind: Kill},
				{Line: 7, Text: "wait $!", Want: []string{}, WantExit: 1, Kind: Wait},
				{Line: 9, Text: "echo a &&", Want: []string{"echo b", "a", "b"}, Kind: Run},
			}}},
		},
		{
			name: "commands that only set a variable",
			doc: md("```console check", "$ site=$(mktemp -d)", "$ a='x y'", `$ b="$site/x"`, "$ c=plain",
				"$ d=1 env", "$ e=$(echo (x))", "$ f=x; echo", "```"),
			want: []Block{{Line: 1, Commands: []Command{
				{Line: 2, Text: "site=$(mktemp -d)", Want: []string{}, Kind: Set, Var: "site"},
				{Line: 3, Text: "a='x y'", Want: []string{}, Kind: Set, Var: "a"},
				{Line: 4, Text: `b="$site/x"`, Want: []string{}, Kind: Set, Var: "b"},
				{Line: 5, Text: "c=plain", Want: []string{}, Kind: Set, Var: "c"},
				{Line: 6, Text: "d=1 env", Want: []string{}, Kind: Run},
				{Line: 7, Text: "e=$(echo (x))", Want: []string{}, Kind: Run},
				{Line: 8, Text: "f=x; echo", Want: []string{}, Kind: Run},
			}}},
		},
		{
			name: "a longer fence holds a shorter one",
			doc:  md("````markdown", "```console check", "$ echo no", "```", "````"),
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Extract(tt.doc)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Extract:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestExtractErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"unclosed", md("```console check", "$ true"), ErrUnclosedBlock},
		{"output first", md("```console check", "hello", "$ true", "```"), ErrOutputBeforeCommand},
		{"unknown info word", md("```console check quick", "$ true", "```"), ErrBadInfoString},
		{"empty needs", md("```console check needs=", "$ true", "```"), ErrBadInfoString},
		{"two servers", md("```console check", "$ a &", "...", "$ b &", "...", "$ kill $!", "```"), ErrTwoServers},
		{"kill before a server", md("```console check", "$ kill $!", "$ a &", "...", "```"), ErrNoServer},
		{"wait without a server", md("```console check", "$ wait $!", "```"), ErrNoServer},
		{"server never stopped", md("```console check", "$ a &", "...", "$ curl x", "```"), ErrServerNotStopped},
		{"exit status under the server", md("```console check", "$ a &", "...", "[exit 1]", "$ kill $!", "```"), ErrServerExit},
		{"no start-up lines", md("```console check", "$ a &", "$ kill $!", "```"), ErrNoStartUp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Extract(tt.doc)
			if !errors.Is(err, tt.want) {
				t.Errorf("Extract error = %v, want %v", err, tt.want)
			}
		})
	}
}

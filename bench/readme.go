package main

import (
	"fmt"
	"os"
	"strings"
)

// The README's "How fast" section quotes RESULTS.md's goals table between
// two markers. make bench rewrites it (not a QUICK run, whose figures mean
// nothing), so that the figures are never typed by hand: TestReadmeQuotesResults
// checks that the two agree, and shared/tutorialcheck's figure check lets
// the quoted block through.
const (
	readmeBegin = "<!-- begin: the goals table of bench/RESULTS.md, copied by make bench -->"
	readmeEnd   = "<!-- end: the goals table of bench/RESULTS.md -->"
)

// goalsTable returns the goals section of a RESULTS.md: its table, with the
// date line of the run above it.
func goalsTable(results string) (string, error) {
	date := ""
	for _, line := range strings.Split(results, "\n") {
		if strings.HasPrefix(line, "- date: ") {
			date = strings.TrimPrefix(line, "- date: ")
			break
		}
	}
	_, rest, ok := strings.Cut(results, "## Goals\n")
	if !ok || date == "" {
		return "", fmt.Errorf("no goals section, or no date, in the results")
	}
	var table []string
	for _, line := range strings.Split(rest, "\n") {
		if strings.HasPrefix(line, "|") {
			table = append(table, line)
		} else if len(table) > 0 {
			break
		}
	}
	if len(table) < 3 {
		return "", fmt.Errorf("the goals section has no table")
	}
	return "From the run of " + date + " (`make bench` on this repository's 2-core machine):\n\n" + strings.Join(table, "\n") + "\n", nil
}

// quoteInReadme replaces what lies between the markers of the README at
// path with results' goals table.
func quoteInReadme(path, results string) error {
	table, err := goalsTable(results)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	before, _, after, ok := splitReadme(string(data))
	if !ok {
		return fmt.Errorf("%s: no %q … %q block", path, readmeBegin, readmeEnd)
	}
	return os.WriteFile(path, []byte(before+table+after), 0o644)
}

// quotedInReadme returns the block between the README's markers.
func quotedInReadme(readme string) (string, bool) {
	_, block, _, ok := splitReadme(readme)
	return block, ok
}

// splitReadme cuts the README around the quoted block: before ends with the
// begin marker's line, after starts with the end marker.
func splitReadme(readme string) (before, block, after string, ok bool) {
	head, rest, ok1 := strings.Cut(readme, readmeBegin+"\n")
	block, tail, ok2 := strings.Cut(rest, readmeEnd)
	return head + readmeBegin + "\n", block, readmeEnd + tail, ok1 && ok2
}

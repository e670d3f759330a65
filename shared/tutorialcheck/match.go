package tutorialcheck

import "strings"

// Ellipsis, on a line of its own, matches any number of output lines. Inside
// a line it matches any text within that line: "[...] [INFO] Booting
// worker with pid: ..." matches the line whatever its date and pid.
const Ellipsis = "..."

// lineMatches reports whether the output line got matches the expected line
// want, in which each "..." stands for any text (none included). The parts
// between the ellipses must appear in order; the first and the last are
// anchored at the line's start and end. A want line that is only "..." is
// not a pattern of one line: Match and Diff give it its meaning of many.
func lineMatches(want, got string) bool {
	parts := strings.Split(want, Ellipsis)
	if len(parts) == 1 || want == Ellipsis {
		return want == got
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(got) < len(first)+len(last) || !strings.HasPrefix(got, first) || !strings.HasSuffix(got, last) {
		return false
	}
	middle := got[len(first) : len(got)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(middle, p)
		if i < 0 {
			return false
		}
		middle = middle[i+len(p):]
	}
	return true
}

// normalize drops trailing whitespace from each line and trailing blank
// lines from the end: neither is visible on a terminal or in Markdown.
func normalize(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(l, " \t\r")
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// Lines splits a command's output into normalized lines.
func Lines(output string) []string {
	return normalize(strings.Split(output, "\n"))
}

// Match reports whether got matches want, line by line, where a want line
// "..." stands for any number of got lines and a "..." inside a want line for
// any text within the line. Both are normalized first.
func Match(want, got []string) bool {
	want, got = normalize(want), normalize(got)
	// ok[i][j]: want[i:] matches got[j:]. Filled from the end.
	ok := make([][]bool, len(want)+1)
	for i := range ok {
		ok[i] = make([]bool, len(got)+1)
	}
	ok[len(want)][len(got)] = true
	for i := len(want) - 1; i >= 0; i-- {
		for j := len(got); j >= 0; j-- {
			if want[i] == Ellipsis {
				// Match nothing here, or swallow got[j] and stay on "...".
				ok[i][j] = ok[i+1][j] || (j < len(got) && ok[i][j+1])
				continue
			}
			ok[i][j] = j < len(got) && lineMatches(want[i], got[j]) && ok[i+1][j+1]
		}
	}
	return ok[0][0]
}

// Diff shows how got differs from want, one line each: "-" for a line only
// want has, "+" for a line only got has, two spaces for a shared line. A
// "..." line of want is shown as shared, since it matches what it stands for;
// a want line with "..." inside is shared with the got line it matches.
func Diff(want, got []string) string {
	want, got = normalize(want), normalize(got)
	// lcs[i][j]: length of the longest common subsequence of want[i:], got[j:].
	lcs := make([][]int, len(want)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(got)+1)
	}
	for i := len(want) - 1; i >= 0; i-- {
		for j := len(got) - 1; j >= 0; j-- {
			if lineMatches(want[i], got[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case i < len(want) && j < len(got) && lineMatches(want[i], got[j]):
			b.WriteString("  " + got[j] + "\n")
			i, j = i+1, j+1
		case i < len(want) && want[i] == Ellipsis:
			b.WriteString("  " + Ellipsis + "\n")
			i++
		case i < len(want) && (j == len(got) || lcs[i+1][j] >= lcs[i][j+1]):
			b.WriteString("- " + want[i] + "\n")
			i++
		default:
			b.WriteString("+ " + got[j] + "\n")
			j++
		}
	}
	return b.String()
}

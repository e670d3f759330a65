package config

import "strings"

// suggest returns the known flag closest to an unknown one, or "" when none
// is close enough to be a typo: --bnid suggests --bind.
func suggest(unknown string, known []string) string {
	best, bestDist := closest(unknown, known)
	name := strings.TrimLeft(unknown, "-")
	if bestDist <= 2 || bestDist <= len(name)/4 {
		return best
	}
	return ""
}

// settingNames lists the settings' names, for nearSetting.
var settingNames = func() []string {
	names := make([]string, len(table))
	for i, s := range table {
		names[i] = s.Name
	}
	return names
}()

// nearSetting returns the setting a config file's unknown name is most
// likely a typo of ("worker" for workers, "time_out" for timeout), or "".
// A config file holds helper variables too, so only a close miss counts:
// at most two edits, in a lower-case name of four letters or more.
func nearSetting(name string) string {
	if len(name) < 4 || strings.ToLower(name) != name || strings.HasPrefix(name, "_") {
		return ""
	}
	if best, d := closest(name, settingNames); d <= 2 {
		return best
	}
	return ""
}

// closest returns the first of known nearest to s, and its edit distance.
func closest(s string, known []string) (best string, dist int) {
	dist = 1 << 30
	for _, k := range known {
		if d := editDistance(s, k); d < dist {
			best, dist = k, d
		}
	}
	return best, dist
}

// editDistance counts the insertions, deletions, substitutions and swaps of
// neighbours that turn a into b (the optimal string alignment distance), so
// that the swap in --bnid counts as one typo, not two.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

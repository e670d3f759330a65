package main

import "slices"

// The ratio logic: what each row's figure is divided by.

// bestOf returns the best measured row of group by m, and whether there is
// one. Of equal figures, the first row wins.
func bestOf(rows []Row, group string, m metric) (Row, bool) {
	var best Row
	found := false
	for _, r := range rows {
		if r.Group == group && r.ok() && (!found || m.better(m.value(r), m.value(best))) {
			best, found = r, true
		}
	}
	return best, found
}

// Ratio divides r's figure by its reference's in column ref: the best row of
// ref.Group, or with no Group r's own Base row. It reports false when r or
// the reference has no measurement, or the reference's figure is zero.
//
// Against its own Base (how much a side load lets a server keep), the ratio
// is that of each round, the two rows run one after the other, and the
// median of those (see pairedRatio).
//
// For requests/s above 1 is faster than the reference; for latency and
// start-up, below 1 is better.
func Ratio(rows []Row, ref Ref, r Row, m metric) (float64, bool) {
	if !r.ok() {
		return 0, false
	}
	var base Row
	found := false
	if ref.Group != "" {
		base, found = bestOf(rows, ref.Group, m)
	} else if r.Base != "" {
		for _, b := range rows {
			if b.Name == r.Base && b.ok() {
				base, found = b, true
				break
			}
		}
	}
	if !found || m.value(base) <= 0 {
		return 0, false
	}
	if ref.Group == "" {
		if v, ok := pairedRatio(r.Rounds, base.Rounds, m); ok {
			return v, true
		}
	}
	return m.value(r) / m.value(base), true
}

// pairedRatio is the median of rounds[i] / base[i], of two middle ones
// the worse by m, as median takes; false unless both hold the same rounds,
// none of them zero.
//
// Why pairs: this machine's speed drifts by more than the effect measured
// (10,000 idle connections, 500 slow clients: a few percent). A row and its
// base run back to back in each round, in the same minute, so each round's
// ratio holds even when the next round runs at two thirds the speed; the
// ratio of the two median rounds, taken from different minutes, does not.
func pairedRatio(rounds, base []float64, m metric) (float64, bool) {
	if len(rounds) == 0 || len(rounds) != len(base) {
		return 0, false
	}
	ratios := make([]float64, len(rounds))
	for i := range rounds {
		if base[i] <= 0 {
			return 0, false
		}
		ratios[i] = rounds[i] / base[i]
	}
	slices.Sort(ratios)
	lo, hi := ratios[(len(ratios)-1)/2], ratios[len(ratios)/2]
	if m.better(lo, hi) {
		return hi, true
	}
	return lo, true
}

// groupSize counts the rows of group.
func groupSize(rows []Row, group string) int {
	n := 0
	for _, r := range rows {
		if r.Group == group {
			n++
		}
	}
	return n
}

// GoalResult is how gunicorn-go's best row fared against one goal.
type GoalResult struct {
	Goal  Goal
	Row   string  // the row judged: the best of the goal's group
	Value float64 // its ratio, or its master's RSS in MiB
	Met   bool
	OK    bool // false: nothing measured to judge
}

// Judge evaluates a case's goals on its rows.
func Judge(c Case, rows []Row) []GoalResult {
	var out []GoalResult
	for _, g := range c.Goals {
		gr := GoalResult{Goal: g}
		if best, ok := bestOf(rows, g.Group, c.Metric); ok {
			gr.Row = best.Name
			if g.Ref == refMasterRSS {
				gr.Value, gr.OK = float64(best.Mem.Leader)/(1<<20), best.Mem.Leader > 0
			} else {
				gr.Value, gr.OK = Ratio(rows, c.Refs[g.Ref], best, c.Metric)
			}
			gr.Met = gr.OK && (g.AtLeast == 0 || gr.Value >= g.AtLeast) && (g.AtMost == 0 || gr.Value <= g.AtMost)
		}
		out = append(out, gr)
	}
	return out
}

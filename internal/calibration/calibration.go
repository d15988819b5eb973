// Package calibration holds the statistics of the calibration report
// (docs/risk.md): whether one analyst's share of evaluations at
// extraordinary or above differs from the pooled share of every other
// analyst. The test is Fisher's exact test, two-sided, on the 2×2 table
// (this analyst / the others × high / not high); the p-values of all the
// analysts tested are adjusted with Holm–Bonferroni, and an analyst is
// flagged when the adjusted p-value is below Alpha. Only analysts with at
// least MinEvaluations evaluations are tested (and counted in the
// adjustment): fewer say nothing. It knows nothing of SQL or HTTP.
package calibration

import (
	"math"
	"sort"
)

// Alpha is the family-wise significance level.
const Alpha = 0.05

// MinEvaluations is the least number of evaluations an analyst needs to
// be tested, and so flagged.
const MinEvaluations = 20

// Counts is one analyst's evaluations: all of them, and how many were at
// extraordinary or above.
type Counts struct {
	Total, High int
}

// Result is one analyst's test.
type Result struct {
	Tested   bool    // enough evaluations to be tested
	P        float64 // Fisher's two-sided p-value, unadjusted
	Adjusted float64 // Holm–Bonferroni adjusted p-value
	Flagged  bool    // Adjusted < Alpha
}

// logFact returns ln(n!).
func logFact(n int) float64 {
	v, _ := math.Lgamma(float64(n) + 1)
	return v
}

// Fisher returns the two-sided p-value of Fisher's exact test for the
// table [[a, b], [c, d]]: the sum of the probabilities, under the
// hypergeometric law with the table's margins, of every table no more
// likely than the one observed (with a relative tolerance of 1e-7, as R's
// fisher.test does, so ties computed in floating point count).
func Fisher(a, b, c, d int) float64 {
	if a < 0 || b < 0 || c < 0 || d < 0 {
		return math.NaN()
	}
	r1, r2, c1 := a+b, c+d, a+c
	n := r1 + r2
	if n == 0 {
		return 1
	}
	base := logFact(r1) + logFact(r2) + logFact(c1) + logFact(n-c1) - logFact(n)
	prob := func(x int) float64 {
		return math.Exp(base - logFact(x) - logFact(r1-x) - logFact(c1-x) - logFact(r2-c1+x))
	}
	lo, hi := max(0, c1-r2), min(r1, c1)
	obs := prob(a)
	p := 0.0
	for x := lo; x <= hi; x++ {
		if q := prob(x); q <= obs*(1+1e-7) {
			p += q
		}
	}
	return min(1, p)
}

// Holm adjusts p-values for multiple comparisons (Holm–Bonferroni): the
// i-th smallest of m is multiplied by m−i (i from 0), kept no smaller than
// the one before it, and capped at 1. The result is in the input's order.
func Holm(ps []float64) []float64 {
	m := len(ps)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return ps[idx[i]] < ps[idx[j]] })
	out := make([]float64, m)
	run := 0.0
	for rank, i := range idx {
		v := min(1, ps[i]*float64(m-rank))
		run = max(run, v)
		out[i] = run
	}
	return out
}

// Test tests every analyst against the pooled others. Analysts with fewer
// than MinEvaluations are not tested; the others are adjusted together.
func Test(analysts []Counts) []Result {
	var total, high int
	for _, a := range analysts {
		total += a.Total
		high += a.High
	}
	out := make([]Result, len(analysts))
	var ps []float64
	var tested []int
	for i, a := range analysts {
		if a.Total < MinEvaluations {
			continue
		}
		oh, ot := high-a.High, total-a.Total
		if ot == 0 {
			continue // no others to compare with
		}
		out[i].Tested = true
		out[i].P = Fisher(a.High, a.Total-a.High, oh, ot-oh)
		ps = append(ps, out[i].P)
		tested = append(tested, i)
	}
	for k, adj := range Holm(ps) {
		r := &out[tested[k]]
		r.Adjusted = adj
		r.Flagged = adj < Alpha
	}
	return out
}

// Median returns the median of vs (the mean of the two middle values for
// an even count), and false for none. vs is sorted in place.
func Median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	sort.Float64s(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2], true
	}
	return (vs[n/2-1] + vs[n/2]) / 2, true
}

// MinCell is the least number of evaluations a group of the entity,
// gender, ethnic identity or profile breakdowns needs to be shown: a
// statistics page must not single a person out.
const MinCell = 5

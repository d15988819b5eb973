package calibration

import (
	"math"
	"testing"
)

// The expected p-values were computed apart from this package, with exact
// rational arithmetic (Python's fractions and math.comb summing every
// hypergeometric table no more likely than the observed one); the first
// two are also the textbook values (the lady tasting tea, 34/70; R's
// fisher.test on [[1, 9], [11, 3]]).
func TestFisher(t *testing.T) {
	for _, c := range []struct {
		a, b, c, d int
		want       float64
	}{
		{3, 1, 1, 3, 0.4857142857142857},
		{1, 9, 11, 3, 0.0027594561852200836},
		{10, 10, 10, 10, 1.0},
		{15, 5, 30, 70, 0.00025866149695378583},
		{2, 28, 40, 60, 0.00033135871811454344},
		{12, 18, 45, 105, 0.28969740249033676},
		{20, 0, 0, 20, 1.4508889103849688e-11},
		{0, 25, 50, 50, 4.528123698314253e-07},
		{5, 20, 30, 95, 0.7988296518259521},
		{0, 0, 0, 0, 1},
	} {
		got := Fisher(c.a, c.b, c.c, c.d)
		if math.Abs(got-c.want) > 1e-9*math.Max(c.want, 1e-300) && math.Abs(got-c.want) > 1e-15 {
			t.Errorf("Fisher(%d, %d, %d, %d) = %.17g, want %.17g", c.a, c.b, c.c, c.d, got, c.want)
		}
	}
	if !math.IsNaN(Fisher(-1, 0, 0, 0)) {
		t.Error("a negative count gives a p-value")
	}
}

func TestHolm(t *testing.T) {
	for _, c := range []struct{ in, want []float64 }{
		{nil, []float64{}},
		{[]float64{0.01}, []float64{0.01}},
		// sorted 0.01, 0.02, 0.04 → 0.03, 0.04, 0.04 (kept monotone)
		{[]float64{0.04, 0.01, 0.02}, []float64{0.04, 0.03, 0.04}},
		{[]float64{0.5, 0.6}, []float64{1, 1}},
	} {
		got := Holm(c.in)
		if len(got) != len(c.want) {
			t.Fatalf("Holm(%v) = %v", c.in, got)
		}
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-12 {
				t.Errorf("Holm(%v) = %v, want %v", c.in, got, c.want)
				break
			}
		}
	}
}

func TestTest(t *testing.T) {
	type want struct {
		tested  bool
		p, adj  float64
		flagged bool
	}
	for name, c := range map[string]struct {
		in   []Counts
		want []want
	}{
		// Three analysts tested (the fourth has too few): the first's
		// share is high but not beyond the adjusted threshold.
		"none flagged": {
			in: []Counts{{30, 15}, {30, 6}, {30, 6}, {10, 9}},
			want: []want{
				{true, 0.07047334082073937, 0.12070342448957846, false},
				{true, 0.040234474829859486, 0.12070342448957846, false},
				{true, 0.040234474829859486, 0.12070342448957846, false},
				{false, 0, 0, false},
			},
		},
		"all flagged": {
			in: []Counts{{40, 30}, {40, 8}, {40, 10}, {5, 5}},
			want: []want{
				{true, 6.324112724267659e-07, 1.8972338172802976e-06, true},
				{true, 0.0004910531783137554, 0.000982106356627511, true},
				{true, 0.007237287508749054, 0.007237287508749054, true},
				{false, 0, 0, false},
			},
		},
		"alone": {in: []Counts{{50, 50}}, want: []want{{false, 0, 0, false}}},
	} {
		got := Test(c.in)
		for i, w := range c.want {
			g := got[i]
			if g.Tested != w.tested || g.Flagged != w.flagged || !close(g.P, w.p) || !close(g.Adjusted, w.adj) {
				t.Errorf("%s: analyst %d = %+v, want %+v", name, i, g, w)
			}
		}
	}
}

func close(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(b), 1e-12) }

func TestMedian(t *testing.T) {
	if _, ok := Median(nil); ok {
		t.Error("median of nothing")
	}
	if m, _ := Median([]float64{5, 1, 3}); m != 3 {
		t.Errorf("median = %v", m)
	}
	if m, _ := Median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median = %v", m)
	}
}

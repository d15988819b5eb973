package disclosure

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// poisson draws a Poisson count (Knuth's method; fine for small means).
func poisson(r *rand.Rand, mean float64) int64 {
	l, k, p := math.Exp(-mean), int64(0), 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

var benchDims = []Dimension{
	{Name: "entity", Categories: entities(32)},
	{Name: "procedure", Categories: []string{"ordinary", "extraordinary"}},
	{Name: "profile", Categories: []string{"defender", "journalist"}},
}

func entities(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("e%02d", i+1)
	}
	return out
}

// monthlyTable is one month of protection requests: each entity has its
// own rate (0.5 to 12 a month per cell), so most cells are small. It
// returns the inner counts too.
func monthlyTable(tb testing.TB, month int, rates []float64, r *rand.Rand) (*Table, []int64) {
	t, err := NewTable(fmt.Sprintf("m%03d:", month), benchDims...)
	if err != nil {
		tb.Fatal(err)
	}
	vals := make([]int64, t.size)
	for k := 0; k < t.size; k++ {
		vals[k] = poisson(r, rates[k/4])
		if err := t.Set(vals[k], t.innerLabels(k)...); err != nil {
			tb.Fatal(err)
		}
	}
	return t, vals
}

// quarterTable is the sum of three months, cell by cell, written over the
// months' atoms, so it constrains what each month may publish.
func quarterTable(tb testing.TB, first int, months [][]int64) *Table {
	t, err := NewTable("", benchDims...)
	if err != nil {
		tb.Fatal(err)
	}
	for k := 0; k < t.size; k++ {
		labels := t.innerLabels(k)
		key := t.cellKey(labels)
		var sum int64
		var atoms []string
		for i, v := range months {
			sum += v[k]
			atoms = append(atoms, fmt.Sprintf("m%03d:%s", first+i, key))
		}
		if err := t.Set(sum, labels...); err != nil {
			tb.Fatal(err)
		}
		if err := t.SetAtoms(atoms, labels...); err != nil {
			tb.Fatal(err)
		}
	}
	return t
}

// runTenYears protects 120 monthly releases and, after each third month,
// the quarter's table, each against the whole history of earlier releases
// (monthly and quarterly), with the stable pattern. It returns the history,
// the monthly tables' suppressed cells and their cells in all.
func runTenYears(tb testing.TB, quarters bool) (h History, suppressed, cells int) {
	return runMonths(tb, 120, quarters)
}

// runMonths is runTenYears over the given number of months.
func runMonths(tb testing.TB, months int, quarters bool) (h History, suppressed, cells int) {
	r := rand.New(rand.NewPCG(2026, 12))
	rates := make([]float64, 32)
	for i := range rates {
		rates[i] = 0.5 + 11.5*r.Float64()
	}
	var quarter [][]int64
	for m := 1; m <= months; m++ {
		t, vals := monthlyTable(tb, m, rates, r)
		res, err := Protect(t, h, Options{Stable: true})
		if err != nil {
			tb.Fatal(err)
		}
		for _, c := range res.Cells {
			cells++
			if c.Status().Suppressed() {
				suppressed++
			}
		}
		h = append(h, res.Release(fmt.Sprintf("m%03d", m)))
		if quarter = append(quarter, vals); quarters && len(quarter) == 3 {
			res, err := Protect(quarterTable(tb, m-2, quarter), h, Options{Stable: true})
			if err != nil {
				tb.Fatal(err)
			}
			h = append(h, res.Release(fmt.Sprintf("q%03d", m/3)))
			quarter = nil
		}
		if len(quarter) == 3 {
			quarter = nil
		}
	}
	return h, suppressed, cells
}

// BenchmarkTenYearsMonthly: suppression and audit of the monthly tables
// entity(32) × procedure(2) × profile(2), with their margins, over ten
// years, each release protected against all earlier ones: the 120 monthly
// releases alone, and with the 40 quarterly tables published after each
// third month (which tie each quarter's months together). Budget: 5 s for
// the whole run (issue 17).
//
//	go test ./internal/disclosure -run '^$' -bench TenYears -benchtime 1x
func BenchmarkTenYearsMonthly(b *testing.B) {
	for _, c := range []struct {
		name     string
		quarters bool
	}{{"monthly", false}, {"with-quarters", true}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				h, s, n := runTenYears(b, c.quarters)
				b.ReportMetric(float64(len(h)), "releases")
				b.ReportMetric(100*float64(s)/float64(n), "%suppressed")
			}
		})
	}
}

// TestTwoYearsVerify checks two years of the benchmark's history (24
// monthly and 8 quarterly releases) with Verify, which re-audits every
// suppressed cell of every release against everything published.
func TestTwoYearsVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	h, _, _ := runMonths(t, 24, true)
	found, err := Verify(h, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		if f.Sensitive() {
			t.Fatalf("Verify: %+v", f)
		}
	}
}

func BenchmarkOneQuarter(b *testing.B) {
	for b.Loop() {
		r := rand.New(rand.NewPCG(2026, 12))
		rates := make([]float64, 32)
		for i := range rates {
			rates[i] = 0.5 + 11.5*r.Float64()
		}
		var h History
		var q [][]int64
		for m := 1; m <= 3; m++ {
			t, vals := monthlyTable(b, m, rates, r)
			res, err := Protect(t, h, Options{Stable: true})
			if err != nil {
				b.Fatal(err)
			}
			h = append(h, res.Release(fmt.Sprintf("m%03d", m)))
			q = append(q, vals)
		}
		res, err := Protect(quarterTable(b, 1, q), h, Options{Stable: true})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Rounds), "rounds")
	}
}

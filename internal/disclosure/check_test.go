package disclosure

import (
	"errors"
	"math"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// This file holds the tests' own checker. It shares no code with the
// package's audit: every published cell of every release becomes one
// equality with its own artificial variable (big-M cost), which gives a
// standard-form LP of full row rank with a feasible starting basis without
// any elimination, and lp.Simplex bounds each suppressed cell.

type eq struct {
	atoms map[string]float64
	value float64
}

func cellEq(c ReleasedCell) eq {
	m := map[string]float64{}
	for _, a := range c.Atoms {
		m[a]++
	}
	return eq{atoms: m, value: float64(c.Value)}
}

func rowKey(e eq) string {
	var parts []string
	for a, c := range e.atoms {
		parts = append(parts, a+"*"+strings.Repeat("+", int(c)))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// checkBounds returns the integer range of target given the published cells.
func checkBounds(t testing.TB, published []ReleasedCell, target ReleasedCell) (lo, hi float64) {
	t.Helper()
	seen := map[string]bool{}
	var eqs []eq
	for _, c := range published {
		e := cellEq(c)
		if k := rowKey(e); !seen[k] {
			seen[k] = true
			eqs = append(eqs, e)
		}
	}
	idx := map[string]int{}
	var names []string
	for _, e := range eqs {
		for a := range e.atoms {
			if _, ok := idx[a]; !ok {
				idx[a] = len(names)
				names = append(names, a)
			}
		}
	}
	tg := cellEq(target)
	for a := range tg.atoms {
		if _, ok := idx[a]; !ok {
			lo, _ := checkBounds(t, published, ReleasedCell{Atoms: without(target.Atoms, a)})
			return lo, math.Inf(1) // an atom no published cell touches
		}
	}
	if len(eqs) == 0 {
		return 0, math.Inf(1)
	}
	// E x + I a = b with one artificial variable per row (rows signed so
	// that b >= 0) and a big-M cost on the artificials: the artificials are
	// a feasible starting basis, so no phase 1 is needed, and dependent or
	// repeated rows do no harm. The data are consistent, so the optimum has
	// every artificial at zero.
	n, m := len(names), len(eqs)
	A := mat.NewDense(m, n+m, nil)
	b := make([]float64, m)
	basic := make([]int, m)
	for i, e := range eqs {
		sign := 1.0
		if e.value < 0 {
			sign = -1
		}
		for a, c := range e.atoms {
			A.Set(i, idx[a], sign*c)
		}
		A.Set(i, n+i, 1)
		b[i] = sign * e.value
		basic[i] = n + i
	}
	const bigM = 1e6
	solve := func(dir float64) (float64, error) {
		obj := make([]float64, n+m)
		for a, c := range tg.atoms {
			obj[idx[a]] = dir * c
		}
		for i := 0; i < m; i++ {
			obj[n+i] = bigM
		}
		opt, x, err := lp.Simplex(obj, A, b, 1e-10, basic)
		if err != nil {
			return 0, err
		}
		for i := 0; i < m; i++ {
			if x[n+i] > 1e-6 {
				t.Fatalf("checker: published cells inconsistent (artificial %d = %v)", i, x[n+i])
			}
		}
		return opt, nil
	}
	mn, err := solve(1)
	if err != nil {
		t.Fatalf("checker: min: %v", err)
	}
	mx, err := solve(-1)
	if errors.Is(err, lp.ErrUnbounded) {
		return math.Ceil(mn - 1e-6), math.Inf(1)
	}
	if err != nil {
		t.Fatalf("checker: max: %v", err)
	}
	return math.Ceil(mn - 1e-6), math.Floor(-mx + 1e-6)
}

func without(atoms []string, a string) []string {
	var out []string
	for _, x := range atoms {
		if x != a {
			out = append(out, x)
		}
	}
	return out
}

// checkHistory asserts the guarantees over a whole release history: no
// published count in 1..thr-1, and every primary cell ranging over more than
// one value with an upper bound of at least thr.
func checkHistory(t testing.TB, h History, thr int64) {
	t.Helper()
	var published []ReleasedCell
	for _, rel := range h {
		for _, c := range rel.Cells {
			if c.Status == Published {
				if c.Value >= 1 && c.Value < thr {
					t.Fatalf("%s %s: published small count %d", rel.Name, c.Key, c.Value)
				}
				published = append(published, c)
			} else if c.Value != 0 {
				t.Fatalf("%s %s: suppressed cell carries a value", rel.Name, c.Key)
			}
		}
	}
	for _, rel := range h {
		for _, c := range rel.Cells {
			if c.Status != Primary {
				continue
			}
			lo, hi := checkBounds(t, published, c)
			if lo >= hi || hi < float64(thr) {
				t.Fatalf("%s %s: primary cell range [%v, %v]", rel.Name, c.Key, lo, hi)
			}
		}
	}
}

// checkResult asserts that suppressed cells never expose a value.
func checkResult(t testing.TB, r *Result) {
	t.Helper()
	for _, c := range r.Cells {
		v, ok := c.Value()
		if c.Status().Suppressed() && (ok || v != 0 || c.value != 0) {
			t.Fatalf("%s: suppressed cell exposes a value", c.Key())
		}
		if !c.Status().Suppressed() && !ok {
			t.Fatalf("%s: published cell hides its value", c.Key())
		}
	}
}

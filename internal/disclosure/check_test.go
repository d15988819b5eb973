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
// package's audit: every published cell of every release becomes two
// inequalities (a·x <= b and -a·x <= -b) with their own slack variables,
// which gives a standard-form LP of full row rank without any elimination,
// and lp.Simplex bounds each suppressed cell.

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
	n, m := len(names), 2*len(eqs)
	A := mat.NewDense(m, n+m, nil)
	b := make([]float64, m)
	for i, e := range eqs {
		for a, c := range e.atoms {
			A.Set(2*i, idx[a], c)
			A.Set(2*i+1, idx[a], -c)
		}
		A.Set(2*i, n+2*i, 1)
		A.Set(2*i+1, n+2*i+1, 1)
		b[2*i], b[2*i+1] = e.value, -e.value
	}
	obj := make([]float64, n+m)
	for a, c := range tg.atoms {
		obj[idx[a]] = c
	}
	mn, _, err := lp.Simplex(obj, A, b, 1e-10, nil)
	if err != nil {
		t.Fatalf("checker: min: %v", err)
	}
	for i := range obj {
		obj[i] = -obj[i]
	}
	mx, _, err := lp.Simplex(obj, A, b, 1e-10, nil)
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

package disclosure

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// gonumMin is the minimum of c·x over A x = b, x >= 0 by gonum's simplex,
// started from artificial variables under a big-M cost (as the checker).
func gonumMin(t *testing.T, A [][]float64, b, c []float64) (float64, bool) {
	t.Helper()
	// A column no row touches is free: unbounded when it lowers the cost,
	// zero otherwise (gonum refuses such columns).
	var cols []int
	for j := range c {
		used := false
		for i := range A {
			used = used || A[i][j] != 0
		}
		switch {
		case used:
			cols = append(cols, j)
		case c[j] < 0:
			return 0, false
		}
	}
	m, n := len(A), len(cols)
	M := mat.NewDense(m, n+m, nil)
	basic := make([]int, m)
	for i := range A {
		for k, j := range cols {
			M.Set(i, k, A[i][j])
		}
		M.Set(i, n+i, 1)
		basic[i] = n + i
	}
	obj := make([]float64, n+m)
	for k, j := range cols {
		obj[k] = c[j]
	}
	for i := n; i < n+m; i++ {
		obj[i] = 1e6
	}
	v, _, err := lp.Simplex(obj, M, b, 1e-10, basic)
	if errors.Is(err, lp.ErrUnbounded) {
		return 0, false
	}
	if err != nil {
		t.Fatalf("gonum: %v", err)
	}
	return v, true
}

// TestTableauAgreesWithGonum: on random count systems (0/1 rows, some
// repeated or dependent, a consistent right-hand side) the warm tableau's
// minimum and maximum of random objectives, one after another on the same
// tableau, and its reaches answer agree with gonum's simplex solving each
// from scratch.
func TestTableauAgreesWithGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 3))
	notReached := 0
	for trial := 0; trial < 200; trial++ {
		n, m := 3+r.IntN(8), 1+r.IntN(7)
		x0 := make([]float64, n)
		for j := range x0 {
			x0[j] = float64(r.IntN(12))
		}
		A := make([][]float64, m)
		b := make([]float64, m)
		for i := range A {
			A[i] = make([]float64, n)
			if i > 0 && r.IntN(4) == 0 {
				copy(A[i], A[r.IntN(i)]) // a repeated row
			} else {
				for j := range A[i] {
					if r.IntN(3) == 0 {
						A[i][j] = 1
					}
				}
			}
			for j := range A[i] {
				b[i] += A[i][j] * x0[j]
			}
		}
		tab, err := newTableau(A, b, n)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		for k := 0; k < 4; k++ {
			c := make([]float64, n)
			for j := range c {
				c[j] = float64(r.IntN(2))
			}
			lo, err := tab.minimize(c)
			if err != nil {
				t.Fatalf("trial %d: min: %v", trial, err)
			}
			want, _ := gonumMin(t, A, b, c)
			if math.Abs(lo-want) > 1e-6 {
				t.Fatalf("trial %d: min %v, gonum %v", trial, lo, want)
			}
			neg := make([]float64, n)
			for j := range c {
				neg[j] = -c[j]
			}
			wantMax, bounded := gonumMin(t, A, b, neg)
			got, err := tab.minimize(neg)
			if bounded != (err == nil) || (bounded && math.Abs(got-wantMax) > 1e-6) {
				t.Fatalf("trial %d: max %v (%v), gonum %v (bounded %v)", trial, -got, err, -wantMax, bounded)
			}
			goal := float64(r.IntN(20))
			ok, err := tab.reaches(c, goal)
			if err != nil {
				t.Fatal(err)
			}
			if wantOK := !bounded || -wantMax >= goal-1e-6; ok != wantOK {
				t.Fatalf("trial %d: reaches %v = %v, max %v bounded %v", trial, goal, ok, -wantMax, bounded)
			}
			if !ok {
				notReached++
			}
		}
	}
	if notReached == 0 {
		t.Fatal("no trial had an unreachable goal: the test proves nothing about that answer")
	}
}

// TestTableauInconsistent: a system no non-negative x satisfies is refused.
func TestTableauInconsistent(t *testing.T) {
	if _, err := newTableau([][]float64{{1, 1}, {1, 1}}, []float64{3, 4}, 2); !errors.Is(err, errInfeasible) {
		t.Fatalf("got %v", err)
	}
	if _, err := newTableau([][]float64{{1, 0}}, []float64{-2}, 2); !errors.Is(err, errInfeasible) {
		t.Fatalf("negative count: got %v", err)
	}
}

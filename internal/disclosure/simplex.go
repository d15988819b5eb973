package disclosure

import (
	"errors"
	"math"
)

// The audit bounds many cells over one equality system, two linear
// programs per cell. gonum's lp.Simplex solves each program from scratch,
// searching for a feasible basis every time (in a profile of one month's
// table, 92 % of the audit), and wants a system of full row rank. The
// tableau below finds a feasible basis once per system (phase 1 with
// artificial variables, dropping the redundant rows it meets), then
// answers each objective from the basis the previous one left (phase 2
// only). Bland's rule chooses the pivots, so it cannot cycle. The systems
// are small (tens to a few hundred atoms) and their coefficients are small
// integers, so a dense float64 tableau with a tolerance is exact enough;
// bounds are rounded inwards to integers afterwards.

var (
	errInfeasible = errors.New("disclosure: published cells are inconsistent")
	errUnbounded  = errors.New("disclosure: unbounded")
)

const tabTol = 1e-9

// tableau is A x = b, x >= 0 in canonical form for its basis: column
// basis[i] is the unit vector of row i. rhs holds b.
type tableau struct {
	n     int // structural variables
	a     [][]float64
	rhs   []float64
	basis []int
}

// newTableau runs phase 1 over A x = b (rows of n columns). Redundant rows
// are dropped; an inconsistent system is errInfeasible.
func newTableau(A [][]float64, b []float64, n int) (*tableau, error) {
	m := len(A)
	w := n + m // structural then artificial columns
	t := &tableau{n: n, a: make([][]float64, m), rhs: make([]float64, m), basis: make([]int, m)}
	for i := range A {
		row := make([]float64, w)
		sign := 1.0
		if b[i] < 0 {
			sign = -1
		}
		for j, v := range A[i] {
			row[j] = sign * v
		}
		row[n+i] = 1
		t.a[i], t.rhs[i], t.basis[i] = row, sign*b[i], n+i
	}
	// Phase 1: minimise the sum of the artificials.
	cost := make([]float64, w)
	for j := n; j < w; j++ {
		cost[j] = 1
	}
	v, err := t.optimize(cost, w)
	if err != nil {
		return nil, err
	}
	if v > 1e-6 {
		return nil, errInfeasible
	}
	// Drive the artificials still basic (at zero) out, or drop their row:
	// a row with no structural coefficient left is a combination of others.
	for i := 0; i < len(t.a); i++ {
		if t.basis[i] < n {
			continue
		}
		col := -1
		for j := 0; j < n; j++ {
			if math.Abs(t.a[i][j]) > tabTol {
				col = j
				break
			}
		}
		if col < 0 {
			t.dropRow(i)
			i--
			continue
		}
		t.pivot(i, col, nil)
	}
	for i := range t.a {
		t.a[i] = t.a[i][:n]
	}
	return t, nil
}

func (t *tableau) dropRow(i int) {
	last := len(t.a) - 1
	t.a[i], t.rhs[i], t.basis[i] = t.a[last], t.rhs[last], t.basis[last]
	t.a, t.rhs, t.basis = t.a[:last], t.rhs[:last], t.basis[:last]
}

// minimize returns the minimum of c·x (c over the n structural columns)
// and leaves the tableau at an optimal basis for the next call.
func (t *tableau) minimize(c []float64) (float64, error) {
	v, _, err := t.run(c, t.n, math.Inf(-1))
	return v, err
}

// reaches reports whether c·x can reach goal: it maximises c·x and stops
// as soon as a basis reaches it (the audit asks no more of a cell).
func (t *tableau) reaches(c []float64, goal float64) (bool, error) {
	neg := make([]float64, len(c))
	for j, v := range c {
		neg[j] = -v
	}
	v, stopped, err := t.run(neg, t.n, -goal)
	if errors.Is(err, errUnbounded) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return stopped || -v >= goal-1e-6, nil
}

// optimize runs the simplex for cost over the first w columns to the
// optimum.
func (t *tableau) optimize(cost []float64, w int) (float64, error) {
	v, _, err := t.run(cost, w, math.Inf(-1))
	return v, err
}

// run minimises cost over the first w columns from the current basis,
// stopping early (stopped) once the objective is at most stop. Pivots are
// chosen by the most negative reduced cost (few pivots), switching to
// Bland's rule (no cycling) after a run of degenerate pivots until one
// makes progress.
func (t *tableau) run(cost []float64, w int, stop float64) (v float64, stopped bool, err error) {
	red := make([]float64, w) // reduced costs
	copy(red, cost)
	for i, bi := range t.basis {
		if cb := cost[bi]; cb != 0 {
			for j := 0; j < w; j++ {
				red[j] -= cb * t.a[i][j]
			}
		}
	}
	value := func() float64 {
		v := 0.0
		for i, bi := range t.basis {
			v += cost[bi] * t.rhs[i]
		}
		return v
	}
	const stall = 50
	degenerate := 0
	for {
		if v = value(); v <= stop {
			return v, true, nil
		}
		bland := degenerate >= stall
		enter, most := -1, -tabTol
		for j := 0; j < w; j++ {
			if red[j] < most {
				enter, most = j, red[j]
				if bland {
					break // the lowest index that improves
				}
			}
		}
		if enter < 0 {
			return v, false, nil
		}
		leave, best := -1, math.Inf(1)
		for i := range t.a {
			if p := t.a[i][enter]; p > tabTol {
				r := t.rhs[i] / p
				if r < best-tabTol || (r <= best+tabTol && leave >= 0 && t.basis[i] < t.basis[leave]) {
					leave, best = i, r
				}
			}
		}
		if leave < 0 {
			return 0, false, errUnbounded
		}
		if best <= tabTol {
			degenerate++
		} else {
			degenerate = 0
		}
		t.pivot(leave, enter, red)
	}
}

// pivot makes column col basic in row r, updating the reduced costs red
// when given. Only the pivot row's non-zero columns are touched.
func (t *tableau) pivot(r, col int, red []float64) {
	pr := t.a[r]
	inv := 1 / pr[col]
	nz := make([]int, 0, 16)
	for j := range pr {
		if pr[j] != 0 {
			pr[j] *= inv
			nz = append(nz, j)
		}
	}
	pr[col] = 1
	t.rhs[r] *= inv
	for i, row := range t.a {
		if i == r {
			continue
		}
		f := row[col]
		if f == 0 {
			continue
		}
		for _, j := range nz {
			row[j] -= f * pr[j]
			if math.Abs(row[j]) < 1e-12 {
				row[j] = 0
			}
		}
		row[col] = 0
		t.rhs[i] -= f * t.rhs[r]
		if math.Abs(t.rhs[i]) < tabTol {
			t.rhs[i] = 0
		}
	}
	if red != nil {
		if f := red[col]; f != 0 {
			for _, j := range nz {
				if j < len(red) {
					red[j] -= f * pr[j]
				}
			}
			red[col] = 0
		}
	}
	t.basis[r] = col
}

// solution is the current basic solution over the structural columns.
func (t *tableau) solution() []float64 {
	x := make([]float64, t.n)
	for i, b := range t.basis {
		if b < t.n {
			x[b] = t.rhs[i]
		}
	}
	return x
}

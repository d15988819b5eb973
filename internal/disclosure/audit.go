package disclosure

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// Interval is the range a suppressed cell can take given everything
// published and non-negative atoms. Upper is +Inf when unbounded. Bounds are
// rounded inwards to integers, since counts are integers.
type Interval struct {
	Lower, Upper float64
}

// Pinned reports whether the interval is a single value: the cell is
// exactly derivable.
func (iv Interval) Pinned() bool { return iv.Lower >= iv.Upper }

const lpTol = 1e-7

// lpSystem is the equality system A x = b, x >= 0 over local atoms, made of
// linearly independent published rows. Atoms forced by singleton rows or by
// rows summing to zero are substituted out before any LP is solved.
type lpSystem struct {
	n     int
	known []bool
	val   []float64
	rows  []vec // reduced rows over unknown atoms, independent
	b     []float64
	byAt  [][]int // rows touching each atom
}

// newLPSystem builds the system from independent integer rows and values.
func newLPSystem(n int, rows []vec, values []int64) (*lpSystem, error) {
	s := &lpSystem{n: n, known: make([]bool, n), val: make([]float64, n)}
	rs := make([]vec, len(rows))
	bs := make([]float64, len(rows))
	for i := range rows {
		rs[i] = append(vec(nil), rows[i]...)
		bs[i] = float64(values[i])
	}
	s.substitute(rs, bs)
	var bas basis
	for i, r := range rs {
		if r.isZero() {
			continue
		}
		t := append(vec(nil), r...)
		if err := bas.reduce(t); err != nil {
			return nil, err
		}
		if t.isZero() {
			continue // dependent after substitution; consistent data
		}
		if _, err := bas.add(t); err != nil {
			return nil, err
		}
		s.rows = append(s.rows, r)
		s.b = append(s.b, bs[i])
	}
	s.byAt = make([][]int, n)
	for i, r := range s.rows {
		for a, c := range r {
			if c != 0 {
				s.byAt[a] = append(s.byAt[a], i)
			}
		}
	}
	return s, nil
}

// substitute fixes atoms determined by singleton rows and by non-negative
// rows whose value is zero, until nothing changes.
func (s *lpSystem) substitute(rs []vec, bs []float64) {
	for changed := true; changed; {
		changed = false
		for i, r := range rs {
			nz, allPos, last := 0, true, -1
			for a, c := range r {
				if c != 0 {
					nz++
					last = a
					if c < 0 {
						allPos = false
					}
				}
			}
			switch {
			case nz == 1:
				s.fix(rs, bs, last, bs[i]/float64(r[last]))
				changed = true
			case nz > 1 && allPos && math.Abs(bs[i]) < lpTol:
				for a, c := range r {
					if c != 0 {
						s.fix(rs, bs, a, 0)
					}
				}
				changed = true
			}
		}
	}
}

func (s *lpSystem) fix(rs []vec, bs []float64, a int, v float64) {
	s.known[a], s.val[a] = true, v
	for i, r := range rs {
		if r[a] != 0 {
			bs[i] -= float64(r[a]) * v
			r[a] = 0
		}
	}
}

// interval computes the feasible range of target·x.
func (s *lpSystem) interval(target vec) (Interval, error) {
	base := 0.0
	var free []int
	rest := make(map[int]int64)
	for a, c := range target {
		switch {
		case c == 0:
		case s.known[a]:
			base += float64(c) * s.val[a]
		case len(s.byAt[a]) == 0:
			free = append(free, a)
		default:
			rest[a] = c
		}
	}
	iv := Interval{Lower: base, Upper: base}
	for _, a := range free {
		if target[a] > 0 {
			iv.Upper = math.Inf(1)
		} else {
			iv.Lower = math.Inf(-1)
		}
	}
	if len(rest) > 0 {
		lo, hi, err := s.solve(rest)
		if err != nil {
			return iv, err
		}
		iv.Lower += lo
		iv.Upper += hi
	}
	return roundIn(iv), nil
}

func roundIn(iv Interval) Interval {
	if !math.IsInf(iv.Lower, 0) {
		iv.Lower = math.Ceil(iv.Lower - 1e-6)
	}
	if !math.IsInf(iv.Upper, 0) {
		iv.Upper = math.Floor(iv.Upper + 1e-6)
	}
	return iv
}

// component returns the rows and atoms connected to the given atoms.
func (s *lpSystem) component(start map[int]int64) (rows []int, atoms []int) {
	seenA := make(map[int]bool)
	seenR := make(map[int]bool)
	var queue []int
	for a := range start {
		seenA[a] = true
		queue = append(queue, a)
	}
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		atoms = append(atoms, a)
		for _, ri := range s.byAt[a] {
			if seenR[ri] {
				continue
			}
			seenR[ri] = true
			rows = append(rows, ri)
			for b, c := range s.rows[ri] {
				if c != 0 && !seenA[b] {
					seenA[b] = true
					queue = append(queue, b)
				}
			}
		}
	}
	return rows, atoms
}

// solve returns min and max of c·x over the connected sub-system.
func (s *lpSystem) solve(c map[int]int64) (lo, hi float64, err error) {
	rows, atoms := s.component(c)
	col := make(map[int]int, len(atoms))
	for j, a := range atoms {
		col[a] = j
	}
	m, n := len(rows), len(atoms)
	A := mat.NewDense(m, n, nil)
	b := make([]float64, m)
	for i, ri := range rows {
		for a, v := range s.rows[ri] {
			if v != 0 {
				A.Set(i, col[a], float64(v))
			}
		}
		b[i] = s.b[ri]
	}
	obj := make([]float64, n)
	for a, v := range c {
		obj[col[a]] = float64(v)
	}
	if m == n {
		return solveSquare(A, b, obj)
	}
	lo, err = simplex(obj, A, b)
	if err != nil {
		return 0, 0, err
	}
	neg := make([]float64, n)
	for j, v := range obj {
		neg[j] = -v
	}
	mx, err := simplex(neg, A, b)
	if errors.Is(err, lp.ErrUnbounded) {
		return lo, math.Inf(1), nil
	}
	if err != nil {
		return 0, 0, err
	}
	return lo, -mx, nil
}

// simplex wraps lp.Simplex, turning its panics into errors.
func simplex(c []float64, A mat.Matrix, b []float64) (opt float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("disclosure: lp: %v", r)
		}
	}()
	opt, _, err = lp.Simplex(c, A, b, 1e-10, nil)
	return opt, err
}

// solveSquare handles a system with as many independent rows as atoms: the
// solution is unique, so the cell is pinned.
func solveSquare(A *mat.Dense, b, obj []float64) (float64, float64, error) {
	var x mat.VecDense
	if err := x.SolveVec(A, mat.NewVecDense(len(b), b)); err != nil {
		return 0, 0, fmt.Errorf("disclosure: square system: %w", err)
	}
	v := 0.0
	for j, o := range obj {
		v += o * x.AtVec(j)
	}
	return v, v, nil
}

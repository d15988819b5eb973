package disclosure

import (
	"errors"
	"math"
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
	byAt  [][]int     // rows touching each atom
	tab   *tableau    // built by the first solve
	col   map[int]int // tableau column of each unknown atom
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

// split takes target·x apart: base, the part over atoms already known;
// up (down), whether an atom nothing published touches has a positive
// (negative) coefficient, so the range is unbounded above (below); and
// rest, the coefficients left for the linear program.
func (s *lpSystem) split(target vec) (base float64, up, down bool, rest map[int]int64) {
	rest = make(map[int]int64)
	for a, c := range target {
		switch {
		case c == 0:
		case s.known[a]:
			base += float64(c) * s.val[a]
		case len(s.byAt[a]) == 0:
			up, down = up || c > 0, down || c < 0
		default:
			rest[a] = c
		}
	}
	return base, up, down, rest
}

// interval computes the feasible range of target·x.
func (s *lpSystem) interval(target vec) (Interval, error) {
	base, up, down, rest := s.split(target)
	iv := Interval{Lower: base, Upper: base}
	if up {
		iv.Upper = math.Inf(1)
	}
	if down {
		iv.Lower = math.Inf(-1)
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

// build makes the tableau at the first LP and keeps it, warm, for every
// later objective.
func (s *lpSystem) build() error {
	if s.tab != nil {
		return nil
	}
	s.col = make(map[int]int)
	for a := range s.byAt {
		if len(s.byAt[a]) > 0 && !s.known[a] {
			s.col[a] = len(s.col)
		}
	}
	A := make([][]float64, len(s.rows))
	for i, r := range s.rows {
		A[i] = make([]float64, len(s.col))
		for a, v := range r {
			if v != 0 {
				A[i][s.col[a]] = float64(v)
			}
		}
	}
	t, err := newTableau(A, s.b, len(s.col))
	s.tab = t
	return err
}

// reaches reports whether target·x can reach goal given the system: all
// the audit needs of a primary cell, whose own value is below the
// threshold, since an upper bound at or above the threshold also means the
// cell is not pinned. It stops as soon as a basis reaches the goal.
func (s *lpSystem) reaches(target vec, goal float64) (bool, error) {
	base, up, _, rest := s.split(target)
	if up {
		return true, nil // an atom nothing published touches
	}
	if len(rest) == 0 {
		return base >= goal-1e-6, nil
	}
	if err := s.build(); err != nil {
		return false, err
	}
	obj := make([]float64, len(s.col))
	for a, v := range rest {
		obj[s.col[a]] = float64(v)
	}
	return s.tab.reaches(obj, goal-base)
}

// sweep marks in passed the targets that reach goal at one solution: it
// maximises the sum of the targets not yet passed once and reads each off
// the solution found. Many cells rise together that way, and each of them
// is spared a linear program of its own; reaches settles the rest. It
// returns how many it marked.
func (s *lpSystem) sweep(targets []vec, goal float64, passed []bool) (int, error) {
	if err := s.build(); err != nil {
		return 0, err
	}
	sum := make([]float64, len(s.col))
	open := 0
	for i, t := range targets {
		if passed[i] {
			continue
		}
		open++
		for a, c := range t {
			if j, ok := s.col[a]; ok && c != 0 {
				sum[j] -= float64(c)
			}
		}
	}
	if open < 2 {
		return 0, nil
	}
	if _, _, err := s.tab.run(sum, s.tab.n, math.Inf(-1)); err != nil && !errors.Is(err, errUnbounded) {
		return 0, err
	}
	marked := 0
	x := s.tab.solution()
	for i, t := range targets {
		if passed[i] {
			continue
		}
		v := 0.0
		for a, c := range t {
			switch {
			case c == 0:
			case s.known[a]:
				v += float64(c) * s.val[a]
			default:
				if j, ok := s.col[a]; ok {
					v += float64(c) * x[j]
				}
			}
		}
		if v >= goal-1e-6 {
			passed[i] = true
			marked++
		}
	}
	return marked, nil
}

// solve returns min and max of c·x over the system.
func (s *lpSystem) solve(c map[int]int64) (lo, hi float64, err error) {
	if err := s.build(); err != nil {
		return 0, 0, err
	}
	obj := make([]float64, len(s.col))
	for a, v := range c {
		obj[s.col[a]] = float64(v)
	}
	if lo, err = s.tab.minimize(obj); err != nil {
		return 0, 0, err
	}
	for j := range obj {
		obj[j] = -obj[j]
	}
	mx, err := s.tab.minimize(obj)
	if errors.Is(err, errUnbounded) {
		return lo, math.Inf(1), nil
	}
	if err != nil {
		return 0, 0, err
	}
	return lo, -mx, nil
}

package disclosure

import (
	"errors"
	"math"
)

// ErrOverflow is returned when exact integer elimination would overflow int64.
var ErrOverflow = errors.New("disclosure: integer overflow in exact elimination")

// vec is a dense integer vector over the local atoms of one problem.
type vec []int64

func mulChecked(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	c := a * b
	if c/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	return c, true
}

func subChecked(a, b int64) (int64, bool) {
	c := a - b
	if (b > 0 && c > a) || (b < 0 && c < a) {
		return 0, false
	}
	return c, true
}

func gcd(a, b int64) int64 {
	if a < 0 {
		a = -a
	}
	if b < 0 {
		b = -b
	}
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// normalize divides v by the gcd of its entries.
func (v vec) normalize() {
	var g int64
	for _, x := range v {
		if x != 0 {
			g = gcd(g, x)
			if g == 1 {
				return
			}
		}
	}
	if g > 1 {
		for i := range v {
			v[i] /= g
		}
	}
}

func (v vec) isZero() bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

func (v vec) firstNonZero() int {
	for i, x := range v {
		if x != 0 {
			return i
		}
	}
	return -1
}

// eliminate sets v[q] to zero using b (b[q] != 0): v = v*b[q] - b*v[q],
// fraction-free, then divides by the gcd.
func eliminate(v, b vec, q int) error {
	f := v[q]
	if f == 0 {
		return nil
	}
	p := b[q]
	for i := range v {
		x, ok1 := mulChecked(v[i], p)
		y, ok2 := mulChecked(b[i], f)
		if !ok1 || !ok2 {
			return ErrOverflow
		}
		z, ok := subChecked(x, y)
		if !ok {
			return ErrOverflow
		}
		v[i] = z
	}
	v.normalize()
	return nil
}

// parallel reports whether the non-zero vectors a and b are multiples of each
// other; q is a column where b is non-zero.
func parallel(a, b vec, q int) (bool, error) {
	if a[q] == 0 {
		return false, nil
	}
	for i := range a {
		x, ok1 := mulChecked(a[i], b[q])
		y, ok2 := mulChecked(b[i], a[q])
		if !ok1 || !ok2 {
			return false, ErrOverflow
		}
		if x != y {
			return false, nil
		}
	}
	return true, nil
}

// basis is an echelon basis kept fully reduced: every row is zero at every
// other row's pivot, so reducing a vector needs one pass.
type basis struct {
	rows   []vec
	pivots []int
}

// reduce eliminates every pivot of the basis from v, in place.
func (b *basis) reduce(v vec) error {
	for i, r := range b.rows {
		if err := eliminate(v, r, b.pivots[i]); err != nil {
			return err
		}
	}
	return nil
}

// add appends the reduced, non-zero vector r and returns its pivot.
func (b *basis) add(r vec) (int, error) {
	q := r.firstNonZero()
	if r[q] < 0 {
		for i := range r {
			r[i] = -r[i]
		}
	}
	for _, row := range b.rows {
		if err := eliminate(row, r, q); err != nil {
			return 0, err
		}
	}
	b.rows = append(b.rows, r)
	b.pivots = append(b.pivots, q)
	return q, nil
}

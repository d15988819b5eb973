package disclosure

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// randomCount draws a count with many zeros and small counts.
func randomCount(r *rand.Rand) int64 {
	switch x := r.IntN(10); {
	case x < 3:
		return 0
	case x < 6:
		return int64(1 + r.IntN(9))
	default:
		return int64(10 + r.IntN(50))
	}
}

// randomDims draws 1..3 dimensions; the first may have a hierarchy group.
func randomDims(r *rand.Rand, maxDims int) []Dimension {
	nd := 1 + r.IntN(maxDims)
	var dims []Dimension
	for d := 0; d < nd; d++ {
		nc := 2 + r.IntN(3)
		if nd == 3 {
			nc = 2 + r.IntN(2)
		}
		dm := Dimension{Name: fmt.Sprintf("d%d", d)}
		for c := 0; c < nc; c++ {
			dm.Categories = append(dm.Categories, fmt.Sprintf("c%d", c))
		}
		if d == 0 && nc >= 3 && r.IntN(2) == 0 {
			dm.Groups = []Group{{Name: "g", Members: dm.Categories[:2]}}
		}
		dims = append(dims, dm)
	}
	return dims
}

// fill sets random counts on every inner cell.
func fill(t testing.TB, tb *Table, r *rand.Rand) []int64 {
	t.Helper()
	vals := make([]int64, tb.size)
	for k := range vals {
		vals[k] = randomCount(r)
		if err := tb.Set(vals[k], tb.innerLabels(k)...); err != nil {
			t.Fatal(err)
		}
	}
	return vals
}

func TestPropertySingleRelease(t *testing.T) {
	for seed := uint64(1); seed <= iterations(100); seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		tb, err := NewTable("", randomDims(r, 3)...)
		if err != nil {
			t.Fatal(err)
		}
		fill(t, tb, r)
		res, err := Protect(tb, nil, Options{})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		checkResult(t, res)
		checkHistory(t, History{res.Release("r")}, DefaultThreshold)
	}
}

// Two monthly tables and the cumulative table over both months, each
// protected with the earlier ones as history.
func TestPropertyReleases(t *testing.T) {
	for seed := uint64(1); seed <= iterations(40); seed++ {
		r := rand.New(rand.NewPCG(seed, 11))
		dims := randomDims(r, 2)
		stable := r.IntN(2) == 0
		var h History
		m1, _ := NewTable("m1:", dims...)
		v1 := fill(t, m1, r)
		m2, _ := NewTable("m2:", dims...)
		v2 := fill(t, m2, r)
		cum, _ := NewTable("", dims...)
		for k := range v1 {
			labels := cum.innerLabels(k)
			if err := cum.Set(v1[k]+v2[k], labels...); err != nil {
				t.Fatal(err)
			}
			key := cum.cellKey(labels)
			if err := cum.SetAtoms([]string{"m1:" + key, "m2:" + key}, labels...); err != nil {
				t.Fatal(err)
			}
		}
		for i, tb := range []*Table{m1, m2, cum} {
			res, err := Protect(tb, h, Options{Stable: stable})
			if err != nil {
				t.Fatalf("seed %d release %d: %v", seed, i, err)
			}
			checkResult(t, res)
			h = append(h, res.Release(fmt.Sprint("rel", i)))
		}
		checkHistory(t, h, DefaultThreshold)
		found, err := Verify(h, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range found {
			if f.Sensitive() {
				t.Fatalf("seed %d: Verify: %+v", seed, f)
			}
		}
	}
}

// FuzzProtect builds a small table (and sometimes a cumulative second
// release) from the fuzz bytes and checks the guarantees.
func FuzzProtect(f *testing.F) {
	f.Add([]byte{1, 3, 20, 30, 40})
	f.Add([]byte{2, 2, 3, 1, 12, 0, 5, 9, 40, 2, 1})
	f.Add([]byte{0x81, 2, 0, 0, 3, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		nd := 1 + int(data[0]%2)
		twoReleases := data[0]&0x80 != 0
		var dims []Dimension
		for d := 0; d < nd; d++ {
			nc := 2 + int(data[1]>>(2*d))%3
			dm := Dimension{Name: fmt.Sprint("d", d)}
			for c := 0; c < nc; c++ {
				dm.Categories = append(dm.Categories, fmt.Sprint("c", c))
			}
			dims = append(dims, dm)
		}
		val := func(i int) int64 {
			if i >= len(data) {
				return 0
			}
			return int64(data[i] % 40)
		}
		m1, err := NewTable("m1:", dims...)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < m1.size; k++ {
			if err := m1.Set(val(2+k), m1.innerLabels(k)...); err != nil {
				t.Fatal(err)
			}
		}
		r1, err := Protect(m1, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, r1)
		h := History{r1.Release("m1")}
		if twoReleases {
			cum, _ := NewTable("", dims...)
			for k := 0; k < cum.size; k++ {
				labels := cum.innerLabels(k)
				key := cum.cellKey(labels)
				_ = cum.Set(val(2+k)+val(2+cum.size+k), labels...)
				_ = cum.SetAtoms([]string{"m1:" + key, "m2:" + key}, labels...)
			}
			r2, err := Protect(cum, h, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, r2)
			h = append(h, r2.Release("cum"))
		}
		checkHistory(t, h, DefaultThreshold)
	})
}

// iterations is n, or a tenth of it under -short.
func iterations(n uint64) uint64 {
	if testing.Short() {
		return n / 10
	}
	return n
}

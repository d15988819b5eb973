package disclosure

import (
	"errors"
	"fmt"
)

// Coarsening says how to merge geography when too much would be suppressed.
type Coarsening struct {
	// Dimension is the geographic dimension, e.g. "entity".
	Dimension string
	// Regions maps every category of Dimension to its region.
	Regions map[string]string
	// MaxShare is the largest acceptable share of suppressed inner cells;
	// zero means one half.
	MaxShare float64
	// OverHeld measures the share over the categories of Dimension that
	// hold records, each withheld when its margin (every other dimension
	// at its total) is, instead of over every inner cell. A table of 32
	// entities in a month is mostly zeros, which are published, and an
	// inner cell equal to its published margin is marked secondary though
	// a reader knows it: neither says how much of the geography is hidden.
	OverHeld bool
}

// WouldCoarsen is the rule: a table is merged into regions when more than
// maxShare (zero: one half) of its inner cells are withheld, or, when
// overHeld, of the categories that hold records (suppressed then counts
// those whose margin is withheld).
func WouldCoarsen(suppressed, inner, held int, maxShare float64, overHeld bool) bool {
	if maxShare <= 0 {
		maxShare = 0.5
	}
	n := inner
	if overHeld {
		n = held
	}
	if n == 0 {
		return false
	}
	return float64(suppressed)/float64(n) > maxShare
}

// ProtectCoarsened protects t; when more than MaxShare of its inner cells
// (OverHeld: of its categories that hold records) would be suppressed, it
// merges Dimension's categories into regions, protects the merged table
// instead and sets Result.Coarsened. With OverHeld, the merged table is
// kept only when it withholds a smaller share of its regions than t did of
// its categories. The merged table's inner cells keep their atoms, so
// protection across releases holds.
func ProtectCoarsened(t *Table, h History, opts Options, c Coarsening) (*Result, error) {
	r, err := Protect(t, h, opts)
	if err != nil {
		return nil, err
	}
	suppressed, inner, held := coarsenCounts(t, r, c)
	if !WouldCoarsen(suppressed, inner, held, c.MaxShare, c.OverHeld) {
		return r, nil
	}
	ct, err := Coarsen(t, c.Dimension, c.Regions)
	if err != nil {
		return nil, err
	}
	cr, err := Protect(ct, h, opts)
	if err != nil {
		return nil, err
	}
	if c.OverHeld {
		// Regions that hide as large a share as the entities did (a month
		// already published by entity can force that on its quarter) are no
		// better: the table by entity stays.
		cs, _, ch := coarsenCounts(ct, cr, c)
		if ch > 0 && held > 0 && float64(cs)/float64(ch) >= float64(suppressed)/float64(held) {
			return r, nil
		}
	}
	cr.Coarsened = true
	return cr, nil
}

// Coarsen returns a copy of t whose dimension dim has the regions as
// categories: each region's inner cells are the sums of its members', with
// the union of their atoms. The dimension's groups are dropped.
func Coarsen(t *Table, dim string, regions map[string]string) (*Table, error) {
	d := -1
	for i, x := range t.dims {
		if x.Name == dim {
			d = i
		}
	}
	if d < 0 {
		return nil, fmt.Errorf("disclosure: no dimension %q", dim)
	}
	var cats []string
	seen := map[string]bool{}
	for _, c := range t.dims[d].Categories {
		r, ok := regions[c]
		if !ok || r == "" {
			return nil, fmt.Errorf("disclosure: category %q has no region", c)
		}
		if !seen[r] {
			seen[r] = true
			cats = append(cats, r)
		}
	}
	if len(cats) == 0 {
		return nil, errors.New("disclosure: no regions")
	}
	dims := append([]Dimension(nil), t.dims...)
	dims[d] = Dimension{Name: dim, Categories: cats}
	ct, err := NewTable(t.prefix, dims...)
	if err != nil {
		return nil, err
	}
	sums := make([]int64, ct.size)
	atoms := make([][]string, ct.size)
	for k := 0; k < t.size; k++ {
		labels := t.innerLabels(k)
		labels[d] = regions[labels[d]]
		ck, err := ct.index(labels)
		if err != nil {
			return nil, err
		}
		sums[ck] += t.counts[k]
		atoms[ck] = append(atoms[ck], t.innerAtoms(k)...)
	}
	for ck := range sums {
		labels := ct.innerLabels(ck)
		if err := ct.Set(sums[ck], labels...); err != nil {
			return nil, err
		}
		if err := ct.SetAtoms(atoms[ck], labels...); err != nil {
			return nil, err
		}
	}
	return ct, nil
}

// coarsenCounts gives what WouldCoarsen weighs: suppressed and every inner
// cell, or, with OverHeld, the categories of the dimension that hold
// records, those whose margin is withheld and none.
func coarsenCounts(t *Table, r *Result, c Coarsening) (suppressed, inner, held int) {
	if !c.OverHeld {
		for _, cell := range r.Cells {
			if cell.inner {
				inner++
				if cell.status.Suppressed() {
					suppressed++
				}
			}
		}
		return suppressed, inner, 0
	}
	d := -1
	for i, x := range t.dims {
		if x.Name == c.Dimension {
			d = i
		}
	}
	if d < 0 {
		return 0, 0, 0
	}
	sums := map[string]int64{}
	for k := 0; k < t.size; k++ {
		sums[t.innerLabels(k)[d]] += t.counts[k]
	}
	for _, cell := range r.Cells {
		cat, margin := "", true
		for i, l := range cell.labels {
			if i == d {
				cat = l
			} else if l != TotalLabel {
				margin = false
			}
		}
		if !margin || sums[cat] == 0 {
			continue // an aggregate of the dimension or an empty category
		}
		held++
		if cell.status.Suppressed() {
			suppressed++
		}
	}
	return suppressed, 0, held
}

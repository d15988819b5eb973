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
}

// ProtectCoarsened protects t; when more than MaxShare of its inner cells
// would be suppressed, it merges Dimension's categories into regions,
// protects the merged table instead and sets Result.Coarsened. The merged
// table's inner cells keep their atoms, so protection across releases holds.
func ProtectCoarsened(t *Table, h History, opts Options, c Coarsening) (*Result, error) {
	r, err := Protect(t, h, opts)
	if err != nil {
		return nil, err
	}
	share := c.MaxShare
	if share <= 0 {
		share = 0.5
	}
	if r.SuppressedInnerShare() <= share {
		return r, nil
	}
	ct, err := Coarsen(t, c.Dimension, c.Regions)
	if err != nil {
		return nil, err
	}
	r, err = Protect(ct, h, opts)
	if err != nil {
		return nil, err
	}
	r.Coarsened = true
	return r, nil
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

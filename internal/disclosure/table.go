package disclosure

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// maxCount bounds an inner count so that sums cannot overflow.
const maxCount = 1 << 40

// TotalLabel is the category label of the margin of a dimension.
const TotalLabel = "Total"

// Group is a hierarchy aggregate: a published category that is the sum of
// some of the dimension's categories (e.g. a region, the sum of its states).
type Group struct {
	Name    string
	Members []string
}

// Dimension is a named classification with its categories and optional
// hierarchy groups. The margin TotalLabel is always added.
type Dimension struct {
	Name       string
	Categories []string
	Groups     []Group
}

// level is one published category of a dimension and the inner categories it
// sums.
type level struct {
	label   string
	members []int
	agg     bool
}

// Table is a table of non-negative counts over the cross product of its
// dimensions' categories (the inner cells). Each inner cell stands for one or
// more atoms, the finest counts shared across releases.
type Table struct {
	dims   []Dimension
	levels [][]level
	size   int
	counts []int64
	set    []bool
	atoms  [][]string
	prefix string
}

// NewTable returns an empty table. An inner cell's default atom is
// atomPrefix followed by the cell's key (for a monthly table, use the month
// as prefix so that each month's cells are distinct atoms).
func NewTable(atomPrefix string, dims ...Dimension) (*Table, error) {
	if len(dims) == 0 {
		return nil, errors.New("disclosure: a table needs at least one dimension")
	}
	t := &Table{dims: dims, size: 1, prefix: atomPrefix}
	names := map[string]bool{}
	for _, d := range dims {
		if d.Name == "" || names[d.Name] {
			return nil, fmt.Errorf("disclosure: dimension name %q empty or repeated", d.Name)
		}
		names[d.Name] = true
		lv, err := buildLevels(d)
		if err != nil {
			return nil, err
		}
		t.levels = append(t.levels, lv)
		t.size *= len(d.Categories)
	}
	if t.size > 1<<20 {
		return nil, errors.New("disclosure: table too large")
	}
	t.counts = make([]int64, t.size)
	t.set = make([]bool, t.size)
	t.atoms = make([][]string, t.size)
	return t, nil
}

func buildLevels(d Dimension) ([]level, error) {
	if len(d.Categories) == 0 {
		return nil, fmt.Errorf("disclosure: dimension %q has no categories", d.Name)
	}
	idx := map[string]int{}
	var lv []level
	for i, c := range d.Categories {
		if c == "" || c == TotalLabel {
			return nil, fmt.Errorf("disclosure: dimension %q: category %q not allowed", d.Name, c)
		}
		if _, dup := idx[c]; dup {
			return nil, fmt.Errorf("disclosure: dimension %q: category %q repeated", d.Name, c)
		}
		idx[c] = i
		lv = append(lv, level{label: c, members: []int{i}})
	}
	for _, g := range d.Groups {
		if _, dup := idx[g.Name]; dup || g.Name == "" || g.Name == TotalLabel || len(g.Members) == 0 {
			return nil, fmt.Errorf("disclosure: dimension %q: group %q invalid", d.Name, g.Name)
		}
		seen := map[int]bool{}
		var m []int
		for _, c := range g.Members {
			i, ok := idx[c]
			if !ok || seen[i] {
				return nil, fmt.Errorf("disclosure: group %q: member %q unknown or repeated", g.Name, c)
			}
			seen[i] = true
			m = append(m, i)
		}
		sort.Ints(m)
		idx[g.Name] = -1
		lv = append(lv, level{label: g.Name, members: m, agg: true})
	}
	all := make([]int, len(d.Categories))
	for i := range all {
		all[i] = i
	}
	lv = append(lv, level{label: TotalLabel, members: all, agg: true})
	return lv, nil
}

// index returns the flat index of the inner cell with the given categories.
func (t *Table) index(cats []string) (int, error) {
	if len(cats) != len(t.dims) {
		return 0, fmt.Errorf("disclosure: %d categories given, table has %d dimensions", len(cats), len(t.dims))
	}
	k := 0
	for d, c := range cats {
		pos := -1
		for i, x := range t.dims[d].Categories {
			if x == c {
				pos = i
				break
			}
		}
		if pos < 0 {
			return 0, fmt.Errorf("disclosure: dimension %q has no category %q", t.dims[d].Name, c)
		}
		k = k*len(t.dims[d].Categories) + pos
	}
	return k, nil
}

// Set records the count of the inner cell with the given categories (one
// per dimension, in order). Unset inner cells count zero.
func (t *Table) Set(count int64, cats ...string) error {
	if count < 0 || count > maxCount {
		return fmt.Errorf("disclosure: count %d out of range 0..%d", count, int64(maxCount))
	}
	k, err := t.index(cats)
	if err != nil {
		return err
	}
	t.counts[k] = count
	t.set[k] = true
	return nil
}

// SetAtoms says which atoms the inner cell with the given categories is the
// sum of (for a cumulative table: the cell's atoms of every month so far).
func (t *Table) SetAtoms(atoms []string, cats ...string) error {
	k, err := t.index(cats)
	if err != nil {
		return err
	}
	if len(atoms) == 0 {
		return errors.New("disclosure: an inner cell needs at least one atom")
	}
	t.atoms[k] = append([]string(nil), atoms...)
	return nil
}

// innerLabels returns the category labels of inner cell k.
func (t *Table) innerLabels(k int) []string {
	labels := make([]string, len(t.dims))
	for d := len(t.dims) - 1; d >= 0; d-- {
		n := len(t.dims[d].Categories)
		labels[d] = t.dims[d].Categories[k%n]
		k /= n
	}
	return labels
}

func (t *Table) cellKey(labels []string) string {
	parts := make([]string, len(labels))
	for d, l := range labels {
		parts[d] = t.dims[d].Name + "=" + l
	}
	return strings.Join(parts, "|")
}

// innerAtoms returns the atoms of inner cell k.
func (t *Table) innerAtoms(k int) []string {
	if t.atoms[k] != nil {
		return t.atoms[k]
	}
	return []string{t.prefix + t.cellKey(t.innerLabels(k))}
}

// pcell is one published cell: a sum of inner cells.
type pcell struct {
	key    string
	labels []string
	inner  []int
	value  int64
	aggs   int // number of dimensions at an aggregate level
	isLeaf bool
}

// cells builds every published cell: inner cells, hierarchy aggregates and
// margins, i.e. the cross product of every dimension's levels.
func (t *Table) cells() []pcell {
	var out []pcell
	choice := make([]int, len(t.dims))
	for {
		out = append(out, t.cellFor(choice))
		d := len(t.dims) - 1
		for d >= 0 {
			choice[d]++
			if choice[d] < len(t.levels[d]) {
				break
			}
			choice[d] = 0
			d--
		}
		if d < 0 {
			return out
		}
	}
}

func (t *Table) cellFor(choice []int) pcell {
	c := pcell{labels: make([]string, len(t.dims))}
	inner := []int{0}
	for d, li := range choice {
		lv := t.levels[d][li]
		c.labels[d] = lv.label
		if lv.agg {
			c.aggs++
		}
		n := len(t.dims[d].Categories)
		next := make([]int, 0, len(inner)*len(lv.members))
		for _, k := range inner {
			for _, m := range lv.members {
				next = append(next, k*n+m)
			}
		}
		inner = next
	}
	c.inner = inner
	c.key = t.cellKey(c.labels)
	c.isLeaf = c.aggs == 0
	for _, k := range inner {
		c.value += t.counts[k]
	}
	return c
}

package disclosure

import "sort"

// srow is a sparse row over named atoms with its published value.
type srow struct {
	atoms map[string]int64
	value int64
}

func atomCounts(atoms []string) map[string]int64 {
	m := make(map[string]int64, len(atoms))
	for _, a := range atoms {
		m[a]++
	}
	return m
}

// unionFind groups atoms that appear in a common row.
type unionFind struct{ parent map[string]string }

func (u *unionFind) find(a string) string {
	p, ok := u.parent[a]
	if !ok {
		u.parent[a] = a
		return a
	}
	if p == a {
		return a
	}
	r := u.find(p)
	u.parent[a] = r
	return r
}

func (u *unionFind) union(a, b string) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u.parent[ra] = rb
	}
}

func (u *unionFind) addRow(atoms map[string]int64) {
	first := ""
	for a := range atoms {
		if first == "" {
			first = a
			u.find(a)
			continue
		}
		u.union(first, a)
	}
}

// connected returns the rows of others that share, directly or through other
// rows, an atom with any row of core. Constraints in other components cannot
// tell anything about core's cells.
func connected(core, others []srow, via ...[]srow) []srow {
	u := &unionFind{parent: map[string]string{}}
	for _, r := range core {
		u.addRow(r.atoms)
	}
	for _, r := range others {
		u.addRow(r.atoms)
	}
	for _, rows := range via {
		for _, r := range rows {
			u.addRow(r.atoms)
		}
	}
	roots := map[string]bool{}
	for _, r := range core {
		for a := range r.atoms {
			roots[u.find(a)] = true
			break
		}
	}
	var out []srow
	for _, r := range others {
		for a := range r.atoms {
			if roots[u.find(a)] {
				out = append(out, r)
			}
			break
		}
	}
	return out
}

// localIndex numbers the atoms of some rows 0..n-1 in sorted order.
func localIndex(rowSets ...[]srow) (map[string]int, []string) {
	seen := map[string]bool{}
	var names []string
	for _, rows := range rowSets {
		for _, r := range rows {
			for a := range r.atoms {
				if !seen[a] {
					seen[a] = true
					names = append(names, a)
				}
			}
		}
	}
	sort.Strings(names)
	idx := make(map[string]int, len(names))
	for i, a := range names {
		idx[a] = i
	}
	return idx, names
}

func dense(r srow, idx map[string]int) vec {
	v := make(vec, len(idx))
	for a, c := range r.atoms {
		v[idx[a]] = c
	}
	return v
}

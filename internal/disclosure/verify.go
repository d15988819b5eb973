package disclosure

import "sort"

// Finding is a cell of some release that can be derived, or bounded too
// tightly, from everything published.
type Finding struct {
	Release  string
	Key      string
	Status   Status
	Interval Interval
	Reason   string
}

// Sensitive reports whether the finding concerns a small count (a primary
// cell, or a published small count): a true disclosure. A derivable
// secondary cell holds a count of zero or at least the threshold.
func (f Finding) Sensitive() bool { return f.Status != Secondary }

type verifyCell struct {
	release string
	cell    ReleasedCell
	row     srow
}

// Verify re-runs the audit over the whole release history: all published
// cells of all releases are the equality system, and every suppressed cell
// of every release is bounded by linear programming. It returns every
// published small count, every suppressed cell whose value is derivable
// (pinned interval) and every primary cell whose upper bound is below the
// threshold.
func Verify(h History, opts Options) ([]Finding, error) {
	thr := opts.threshold()
	var all []verifyCell
	var findings []Finding
	for _, rel := range h {
		for _, c := range rel.Cells {
			if len(c.Atoms) == 0 {
				continue
			}
			all = append(all, verifyCell{release: rel.Name, cell: c, row: srow{atoms: atomCounts(c.Atoms), value: c.Value}})
			if c.Status == Published && c.Value >= 1 && c.Value < thr {
				findings = append(findings, Finding{Release: rel.Name, Key: c.Key, Status: Published,
					Interval: Interval{float64(c.Value), float64(c.Value)}, Reason: "published small count"})
			}
		}
	}
	for _, comp := range components(all) {
		f, err := verifyComponent(comp, thr)
		if err != nil {
			return nil, err
		}
		findings = append(findings, f...)
	}
	return findings, nil
}

// components splits cells into groups that share no atom.
func components(all []verifyCell) [][]verifyCell {
	u := &unionFind{parent: map[string]string{}}
	for _, c := range all {
		u.addRow(c.row.atoms)
	}
	groups := map[string][]verifyCell{}
	var roots []string
	for _, c := range all {
		var r string
		for a := range c.row.atoms {
			r = u.find(a)
			break
		}
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], c)
	}
	sort.Strings(roots)
	out := make([][]verifyCell, 0, len(roots))
	for _, r := range roots {
		out = append(out, groups[r])
	}
	return out
}

func verifyComponent(comp []verifyCell, thr int64) ([]Finding, error) {
	var rows []srow
	for _, c := range comp {
		rows = append(rows, c.row)
	}
	idx, _ := localIndex(rows)
	var b basis
	var eq []vec
	var vals []int64
	for _, c := range comp {
		if c.cell.Status != Published {
			continue
		}
		v := dense(c.row, idx)
		t := append(vec(nil), v...)
		if err := b.reduce(t); err != nil {
			return nil, err
		}
		if t.isZero() {
			continue
		}
		if _, err := b.add(t); err != nil {
			return nil, err
		}
		eq = append(eq, v)
		vals = append(vals, c.cell.Value)
	}
	s, err := newLPSystem(len(idx), eq, vals)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, c := range comp {
		if c.cell.Status == Published {
			continue
		}
		iv, err := s.interval(dense(c.row, idx))
		f := Finding{Release: c.release, Key: c.cell.Key, Status: c.cell.Status, Interval: iv}
		switch {
		case err != nil:
			f.Reason = "audit failed: " + err.Error()
		case iv.Pinned():
			f.Reason = "derivable"
		case c.cell.Status == Primary && iv.Upper < float64(thr):
			f.Reason = "upper bound below threshold"
		default:
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

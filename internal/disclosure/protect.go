package disclosure

import (
	"errors"
	"fmt"
	"sort"
)

// DefaultThreshold is the smallest publishable non-zero count.
const DefaultThreshold = 10

// Options tune Protect. The zero value is the default.
type Options struct {
	// Threshold: counts 1..Threshold-1 are primary. Zero means 10.
	// Zero counts are always publishable (CMS/CDC convention).
	Threshold int64
	// Stable prefers, for secondary suppression, the cells (by key) that
	// the last release of the History suppressed (Eurostat's stable
	// pattern), so the pattern changes little from period to period.
	Stable bool
	// PreferSuppress adds keys to prefer for suppression, like Stable.
	PreferSuppress []string
	// MaxRounds bounds the audit repairs; zero means one per cell.
	MaxRounds int
}

func (o Options) threshold() int64 {
	if o.Threshold <= 0 {
		return DefaultThreshold
	}
	return o.Threshold
}

// ErrCannotProtect is returned when suppressing every cell of the table
// still leaves a primary cell failing the audit (earlier releases alone
// bound it too tightly).
var ErrCannotProtect = errors.New("disclosure: cannot protect the table: earlier releases bound a small cell")

// problem is one table with the earlier releases connected to it.
type problem struct {
	cells   []pcell
	atoms   [][]string
	rows    []vec
	primary []bool
	order   []int
	rank    []int // position of each cell in order, -1 for primary
	hist    []vec
	histVal []int64
	// earlier releases' primary cells connected to t, and their keys
	histPrim []vec
	histKey  []string
	n        int
	thr      int64
}

// Protect decides the status of every published cell of t, given the
// earlier releases h.
//
// Priority order for publication (the Gaussian step publishes in this order
// and suppresses what would reveal a primary cell, so the last ones are the
// first to be suppressed): cells not preferred for suppression (Stable,
// PreferSuppress) before those that are; then more aggregated cells first
// (the grand total, then margins and hierarchy aggregates: the most wanted
// figures); then larger counts first; ties by key, so the pattern is stable
// across periods.
//
// After the Gaussian step, every primary cell is audited by linear
// programming; for each failing one, the lowest-priority published cell
// near it is suppressed and both steps run again.
func Protect(t *Table, h History, opts Options) (*Result, error) {
	if t == nil {
		return nil, errors.New("disclosure: nil table")
	}
	p, err := newProblem(t, h, opts)
	if err != nil {
		return nil, err
	}
	forced := make([]bool, len(p.cells))
	maxRounds := opts.MaxRounds
	if maxRounds <= 0 {
		maxRounds = len(p.cells) + 1
	}
	var passed []bool      // primary rows that reached the threshold last round
	var published []Status // last round's statuses
	for round := 1; round <= maxRounds; round++ {
		g, err := gauss(gaussInput{cells: p.rows, keys: keys(p.cells), primary: p.primary,
			order: p.order, forced: forced, history: p.hist,
			histPrimary: p.histPrim, histKeys: p.histKey})
		if err != nil {
			return nil, err
		}
		// Publishing less can only widen what a cell may be, so when this
		// round publishes no cell the last one did not, the cells that
		// passed then pass now and are not solved again.
		if published == nil || !publishesOnlyFrom(g.status, published) {
			passed = nil
		}
		failing, err := p.audit(g, &passed)
		if err != nil {
			return nil, err
		}
		published = g.status
		if len(failing) == 0 {
			return p.result(g.status, round), nil
		}
		if !p.repair(g, failing, forced) {
			return nil, ErrCannotProtect
		}
	}
	return nil, fmt.Errorf("disclosure: audit still failing after %d rounds", maxRounds)
}

func keys(cs []pcell) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.key
	}
	return out
}

func newProblem(t *Table, h History, opts Options) (*problem, error) {
	p := &problem{cells: t.cells(), thr: opts.threshold()}
	core := make([]srow, len(p.cells))
	p.atoms = make([][]string, len(p.cells))
	for i, c := range p.cells {
		var atoms []string
		for _, k := range c.inner {
			atoms = append(atoms, t.innerAtoms(k)...)
		}
		sort.Strings(atoms)
		p.atoms[i] = atoms
		core[i] = srow{atoms: atomCounts(atoms), value: c.value}
	}
	past, prim, primKeys := historyRows(linkedReleases(h, core))
	// A primary cell of an earlier release may reach the table only
	// through other earlier cells (a month's refusals through its total,
	// then through the admissions another table sums): connected through
	// both.
	past, prim = connected(core, past, prim), connected(core, prim, past)
	var primKept []string
	for _, r := range prim {
		primKept = append(primKept, primKeys[r.value])
	}
	idx, names := localIndex(core, past, prim)
	p.n = len(names)
	for _, r := range core {
		p.rows = append(p.rows, dense(r, idx))
	}
	for _, r := range past {
		p.hist = append(p.hist, dense(r, idx))
		p.histVal = append(p.histVal, r.value)
	}
	for i, r := range prim {
		p.histPrim = append(p.histPrim, dense(r, idx))
		p.histKey = append(p.histKey, primKept[i])
	}
	p.primary = make([]bool, len(p.cells))
	for i, c := range p.cells {
		p.primary[i] = c.value >= 1 && c.value < p.thr
	}
	p.order = priority(p.cells, p.primary, preferSuppress(h, opts))
	p.rank = make([]int, len(p.cells))
	for i := range p.rank {
		p.rank[i] = -1
	}
	for r, c := range p.order {
		p.rank[c] = r
	}
	return p, nil
}

// linkedReleases keeps the releases of h that share an atom with the table,
// directly or through other kept releases: the others cannot constrain its
// cells. It works release by release, looking atoms up without building
// anything per release, so ten years of monthly releases that share no
// atom with a new month cost a pass of look-ups, not a union of all their
// rows (connected then refines the kept ones row by row).
func linkedReleases(h History, core []srow) History {
	reach := map[string]bool{}
	for _, r := range core {
		for a := range r.atoms {
			reach[a] = true
		}
	}
	kept := make([]bool, len(h))
	var out History
	for changed := true; changed; {
		changed = false
		for i, rel := range h {
			if kept[i] || !touches(rel, reach) {
				continue
			}
			kept[i], changed = true, true
			for _, c := range rel.Cells {
				for _, a := range c.Atoms {
					reach[a] = true
				}
			}
		}
	}
	for i, rel := range h {
		if kept[i] {
			out = append(out, rel)
		}
	}
	return out
}

// touches reports whether some cell of rel has an atom in reach.
func touches(rel Release, reach map[string]bool) bool {
	for _, c := range rel.Cells {
		for _, a := range c.Atoms {
			if reach[a] {
				return true
			}
		}
	}
	return false
}

// historyRows returns the published rows of h (with their values) and the
// primary rows (whose value field is an index into keys).
func historyRows(h History) (past, prim []srow, keys []string) {
	for _, rel := range h {
		for _, rc := range rel.Cells {
			if len(rc.Atoms) == 0 {
				continue
			}
			switch rc.Status {
			case Published:
				past = append(past, srow{atoms: atomCounts(rc.Atoms), value: rc.Value})
			case Primary:
				prim = append(prim, srow{atoms: atomCounts(rc.Atoms), value: int64(len(keys))})
				keys = append(keys, rel.Name+"/"+rc.Key)
			}
		}
	}
	return past, prim, keys
}

// preferSuppress collects the keys to prefer for suppression.
func preferSuppress(h History, opts Options) map[string]bool {
	m := map[string]bool{}
	for _, k := range opts.PreferSuppress {
		m[k] = true
	}
	if opts.Stable && len(h) > 0 {
		for _, c := range h[len(h)-1].Cells {
			if c.Status.Suppressed() {
				m[c.Key] = true
			}
		}
	}
	return m
}

// priority orders the non-primary cells, most preferred for publication
// first (see Protect).
func priority(cells []pcell, primary []bool, prefer map[string]bool) []int {
	var order []int
	for i := range cells {
		if !primary[i] {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(x, y int) bool {
		a, b := cells[order[x]], cells[order[y]]
		if pa, pb := prefer[a.key], prefer[b.key]; pa != pb {
			return !pa
		}
		if a.aggs != b.aggs {
			return a.aggs > b.aggs
		}
		if a.value != b.value {
			return a.value > b.value
		}
		return a.key < b.key
	})
	return order
}

// system builds the LP equality system from the independent published rows.
func (p *problem) system(g gaussOutput) (*lpSystem, error) {
	var rows []vec
	var vals []int64
	for _, i := range g.histIndep {
		rows = append(rows, p.hist[i])
		vals = append(vals, p.histVal[i])
	}
	for _, c := range g.accepted {
		rows = append(rows, p.rows[c])
		vals = append(vals, p.cells[c].value)
	}
	return newLPSystem(p.n, rows, vals)
}

// audit returns the rows of the primary cells (this table's and earlier
// releases') whose interval is pinned or does not
// reach the threshold. An LP failure counts as a failing cell.
func (p *problem) audit(g gaussOutput, passed *[]bool) ([]vec, error) {
	s, err := p.system(g)
	if err != nil {
		return nil, err
	}
	rows := append([]vec(nil), p.histPrim...)
	for i, pr := range p.primary {
		if pr {
			rows = append(rows, p.rows[i])
		}
	}
	if *passed == nil {
		*passed = make([]bool, len(rows))
	}
	// A primary cell's own count is below the threshold, so an upper bound
	// that reaches the threshold also means it is not pinned.
	if _, err := s.sweep(rows, float64(p.thr), *passed); err != nil {
		return nil, err
	}
	var failing []vec
	for i, r := range rows {
		if (*passed)[i] {
			continue
		}
		ok, err := s.reaches(r, float64(p.thr))
		if err != nil || !ok {
			failing = append(failing, r)
			continue
		}
		(*passed)[i] = true
	}
	return failing, nil
}

// publishesOnlyFrom reports whether every cell published in now was
// published in before.
func publishesOnlyFrom(now, before []Status) bool {
	for i, st := range now {
		if st == Published && before[i] != Published {
			return false
		}
	}
	return true
}

// repair suppresses, for each failing primary cell, the lowest-priority
// published cell that contributed a row and shares an atom with a published
// row touching the failing cell; failing that, the lowest-priority
// contributing cell anywhere. It reports whether anything was suppressed.
func (p *problem) repair(g gaussOutput, failing []vec, forced []bool) bool {
	any := false
	for _, f := range failing {
		if c := p.pick(g, f, forced); c >= 0 {
			forced[c] = true
			any = true
		}
	}
	return any
}

func (p *problem) pick(g gaussOutput, f vec, forced []bool) int {
	near := make([]bool, p.n)
	for a, c := range f {
		if c != 0 {
			near[a] = true
		}
	}
	touches := func(r vec, set []bool) bool {
		for a, c := range r {
			if c != 0 && set[a] {
				return true
			}
		}
		return false
	}
	hood := make([]bool, p.n)
	for _, c := range g.accepted {
		if touches(p.rows[c], near) {
			for a, x := range p.rows[c] {
				if x != 0 {
					hood[a] = true
				}
			}
		}
	}
	// Within the neighbourhood, a cell that holds records comes before a
	// zero: a zero reaches the failing cell only through an aggregate
	// (often the grand total, which touches every zero of the table), so
	// withholding it rarely widens the failing bounds, and withholding the
	// zeros one by one, round after round, can withhold a whole table.
	held, best, bestAny := -1, -1, -1
	for _, c := range g.accepted {
		if forced[c] {
			continue
		}
		if bestAny < 0 || p.rank[c] > p.rank[bestAny] {
			bestAny = c
		}
		if !touches(p.rows[c], hood) {
			continue
		}
		if best < 0 || p.rank[c] > p.rank[best] {
			best = c
		}
		if (p.cells[c].value != 0 || touches(p.rows[c], near)) && (held < 0 || p.rank[c] > p.rank[held]) {
			held = c
		}
	}
	if held >= 0 {
		return held
	}
	if best >= 0 {
		return best
	}
	return bestAny
}

func (p *problem) result(status []Status, rounds int) *Result {
	r := &Result{Rounds: rounds}
	for i, c := range p.cells {
		cell := Cell{key: c.key, labels: c.labels, status: status[i], atoms: p.atoms[i], inner: c.isLeaf}
		if status[i] == Published {
			cell.value = c.value
		}
		r.Cells = append(r.Cells, cell)
	}
	return r
}

package disclosure

// Status is what happens to a cell.
type Status int

const (
	// Published cells are released with their value.
	Published Status = iota
	// Primary cells are suppressed because their count is 1..Threshold-1.
	Primary
	// Secondary cells are suppressed so that no primary cell can be derived.
	Secondary
)

func (s Status) String() string {
	switch s {
	case Published:
		return "published"
	case Primary:
		return "primary"
	case Secondary:
		return "secondary"
	}
	return "unknown"
}

// Suppressed reports whether the cell is withheld.
func (s Status) Suppressed() bool { return s != Published }

// Cell is one output cell of Protect. Its value can only be read when it is
// published: a suppressed cell does not even hold its value.
type Cell struct {
	key    string
	labels []string
	status Status
	value  int64
	atoms  []string
	inner  bool
}

// Key is the cell's stable key, e.g. "entity=Oaxaca|gender=Total".
func (c Cell) Key() string { return c.key }

// Labels are the cell's category labels, one per dimension.
func (c Cell) Labels() []string { return append([]string(nil), c.labels...) }

// Status is the cell's flag: published, primary or secondary.
func (c Cell) Status() Status { return c.status }

// Inner reports whether the cell is an inner cell (no margin, no aggregate).
func (c Cell) Inner() bool { return c.inner }

// Value returns the cell's count and true only when the cell is published.
func (c Cell) Value() (int64, bool) {
	if c.status != Published {
		return 0, false
	}
	return c.value, true
}

// ReleasedCell is the record of one cell of a release, kept in the History.
// Value is zero unless Status is Published. Atoms lists the atoms the cell
// sums (an atom repeated k times has coefficient k).
type ReleasedCell struct {
	Key    string
	Atoms  []string
	Status Status
	Value  int64
}

// Release is the record of one published table. It is escudo's internal
// record (it says which cells were primary) and is not itself published.
type Release struct {
	Name  string
	Cells []ReleasedCell
}

// History is every earlier release, oldest first.
type History []Release

// Result is the outcome of Protect.
type Result struct {
	Cells []Cell
	// Rounds is how many times the Gaussian step ran (1 + audit repairs).
	Rounds int
	// Coarsened is set by ProtectCoarsened when geography was merged.
	Coarsened bool
}

// Cell returns the output cell with the given key.
func (r *Result) Cell(key string) (Cell, bool) {
	for _, c := range r.Cells {
		if c.key == key {
			return c, true
		}
	}
	return Cell{}, false
}

// SuppressedInnerShare is the share of inner cells that are suppressed.
func (r *Result) SuppressedInnerShare() float64 {
	var n, s int
	for _, c := range r.Cells {
		if c.inner {
			n++
			if c.status.Suppressed() {
				s++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(s) / float64(n)
}

// Release turns the result into the record to append to the History.
func (r *Result) Release(name string) Release {
	rel := Release{Name: name}
	for _, c := range r.Cells {
		rc := ReleasedCell{Key: c.key, Atoms: append([]string(nil), c.atoms...), Status: c.status}
		if v, ok := c.Value(); ok {
			rc.Value = v
		}
		rel.Cells = append(rel.Cells, rc)
	}
	return rel
}

package risk

import (
	"escudo"
)

// The search for what would change a level looks at sets of at most
// MaxChanges factors, and at most searchBudget candidate sets and step
// combinations in all; the default instrument's search always finishes
// inside both (its test checks it).
const (
	MaxChanges = 4
	TopFactors = 3
)

// searchBudget bounds the work of one search; a variable so a test can
// lower it.
var searchBudget = 200_000

// Search outcomes.
const (
	Found      = "found"        // Changes reach the level
	AtLimit    = "at_limit"     // no level above (or below) this one
	OutOfReach = "out_of_reach" // no set of at most MaxChanges factors reaches it
	Partial    = "partial"      // the search hit its bound; Changes, if any, may not be the smallest
)

// Change is one factor moved from one step of its scale to another; From
// and To are step values, as in Answers.
type Change struct {
	Factor   string `json:"factor"`
	Group    Group  `json:"group"`
	From     int64  `json:"from"`
	To       int64  `json:"to"`
	FromStep int    `json:"from_step"`
	ToStep   int    `json:"to_step"`
}

// Way is the smallest set of factor changes that moves the level one way:
// fewest factors first, then fewest steps moved in all; among equals, the
// first in the instrument's order.
type Way struct {
	Status  string           `json:"status"`
	Level   escudo.RiskLevel `json:"level,omitempty"` // the level the changes reach
	Changes []Change         `json:"changes,omitempty"`
	Steps   int              `json:"steps,omitempty"`
}

// Explanation is what the person evaluated reads: the level, the factors
// that weigh most and what would change the level.
type Explanation struct {
	Level escudo.RiskLevel `json:"level"`
	Top   []Contribution   `json:"top"`
	Up    Way              `json:"up"`
	Down  Way              `json:"down"`
}

// Explain explains a result of Evaluate on the same instrument.
//
// Top holds the (at most three) threat and vulnerability factors with the
// largest share of their group's points, largest first, factors with no
// points left out: since the result is proportional to each of those
// groups' points, a factor's share is how much lower the result would be
// without it. Capacities lower the result, so they are not among what
// weighs most; they appear in the ways down.
func Explain(inst *Instrument, res Result) Explanation {
	ex := Explanation{Level: res.Level, Top: top(res)}
	ex.Up = search(inst, res, +1)
	ex.Down = search(inst, res, -1)
	return ex
}

func top(res Result) []Contribution {
	var out []Contribution
	for _, c := range res.Factors {
		if c.Group == Capacities || c.Points == 0 {
			continue
		}
		// Insert keeping the order: a larger exact share first, the
		// instrument's order among equals.
		i := len(out)
		for i > 0 && heavier(res, c, out[i-1]) {
			i--
		}
		if i < TopFactors {
			out = append(out, Contribution{})
			copy(out[i+1:], out[i:])
			out[i] = c
			if len(out) > TopFactors {
				out = out[:TopFactors]
			}
		}
	}
	return out
}

// heavier reports whether a's share of its group exceeds b's, exactly.
func heavier(res Result, a, b Contribution) bool {
	pa, pb := groupPoints(res, a.Group), groupPoints(res, b.Group)
	return mulLess(b.Points, pa, a.Points, pb)
}

func groupPoints(res Result, g Group) int64 {
	for _, gs := range res.Groups {
		if gs.Group == g {
			return gs.Points
		}
	}
	return 0
}

// candidate is a factor that can move in the searched direction.
type candidate struct {
	group  int
	weight int64
	cur    int
	sign   int // +1: to higher steps, -1: to lower steps
	room   int // steps it can move that way
	values []int64
	id     string
	g      Group
}

type searcher struct {
	cands  []candidate
	points [3]int64
	weight [3]int64
	from   ratio // threshold to reach (up) or fall below (down)
	up     bool
	budget int
	best   []int // indexes into cands
	bestD  []int
	bestN  int // total steps
	pick   []int
	d      []int
}

// search finds the smallest set of changes that moves the level in dir.
func search(inst *Instrument, res Result, dir int) Way {
	cur := -1
	for i, l := range inst.Levels {
		if l.ID == res.Level {
			cur = i
		}
	}
	target := cur + dir
	if cur < 0 || target < 0 || target >= len(inst.Levels) {
		return Way{Status: AtLimit}
	}
	s := &searcher{up: dir > 0, budget: searchBudget}
	if s.up {
		s.from, _ = levelFrom(inst.Levels, target)
	} else {
		s.from, _ = levelFrom(inst.Levels, cur)
	}
	for gi, gs := range res.Groups {
		s.points[gi], s.weight[gi] = gs.Points, gs.Weight
	}
	k := 0
	for gi, g := range inst.Groups {
		// Threats and vulnerabilities raise the result, capacities lower it.
		sign := dir
		if g.ID == Capacities {
			sign = -dir
		}
		for _, f := range g.Factors {
			c := candidate{group: gi, weight: f.Weight, cur: res.Factors[k].Step, sign: sign, values: valuesOf(f), id: f.ID, g: g.ID}
			k++
			if sign > 0 {
				c.room = len(f.Scale) - 1 - c.cur
			} else {
				c.room = c.cur
			}
			if c.room > 0 {
				s.cands = append(s.cands, c)
			}
		}
	}
	complete := true
	for n := 1; n <= MaxChanges && n <= len(s.cands) && s.best == nil; n++ {
		s.pick, s.d = make([]int, n), make([]int, n)
		if !s.subsets(0, 0) {
			complete = false
			break
		}
	}
	w := Way{Status: Found}
	switch {
	case !complete:
		w.Status = Partial
	case s.best == nil:
		return Way{Status: OutOfReach}
	}
	if s.best != nil {
		w.Level, w.Steps = inst.Levels[target].ID, s.bestN
		for i, ci := range s.best {
			c := s.cands[ci]
			to := c.cur + c.sign*s.bestD[i]
			w.Changes = append(w.Changes, Change{Factor: c.id, Group: c.g, From: c.values[c.cur], To: c.values[to], FromStep: c.cur, ToStep: to})
		}
	}
	return w
}

func valuesOf(f Factor) []int64 {
	vs := make([]int64, len(f.Scale))
	for i, st := range f.Scale {
		vs[i] = st.Value
	}
	return vs
}

// subsets walks the sets of len(s.pick) candidates in lexicographic order,
// from position pos and candidate index next. It returns false when the
// budget ran out.
func (s *searcher) subsets(pos, next int) bool {
	n := len(s.pick)
	if pos == n {
		if s.best != nil && s.bestN <= n {
			return true // nothing of this size can do better
		}
		// A set that cannot reach the level with every factor moved as far
		// as it goes cannot reach it at all: the result is monotonic in
		// each factor's step.
		for i, ci := range s.pick {
			s.d[i] = s.cands[ci].room
		}
		if !s.spend() {
			return false
		}
		if !s.reaches() {
			return true
		}
		return s.steps(0, 0)
	}
	for ci := next; ci <= len(s.cands)-(n-pos); ci++ {
		s.pick[pos] = ci
		if !s.subsets(pos+1, ci+1) {
			return false
		}
	}
	return true
}

// steps tries the step counts of the picked set from position pos in
// lexicographic order, keeping a combination only when it moves fewer steps
// in all than the best so far. It returns false when the budget ran out.
func (s *searcher) steps(pos, total int) bool {
	n := len(s.pick)
	for d := 1; d <= s.cands[s.pick[pos]].room; d++ {
		if s.best != nil && total+d+(n-pos-1) >= s.bestN {
			break // cannot move fewer steps than the best
		}
		s.d[pos] = d
		if pos < n-1 {
			if !s.steps(pos+1, total+d) {
				return false
			}
			continue
		}
		if !s.spend() {
			return false
		}
		if s.reaches() {
			s.best, s.bestD, s.bestN = append([]int(nil), s.pick...), append([]int(nil), s.d...), total+d
		}
	}
	return true
}

func (s *searcher) spend() bool {
	s.budget--
	return s.budget >= 0
}

// reaches reports whether the picked changes, with step counts s.d, move
// the result across the threshold.
func (s *searcher) reaches() bool {
	p := s.points
	for i, ci := range s.pick {
		c := s.cands[ci]
		p[c.group] += c.weight * (c.values[c.cur+c.sign*s.d[i]] - c.values[c.cur])
	}
	num := p[0] * p[1] * s.weight[2]
	den := s.weight[0] * s.weight[1] * p[2]
	below := mulLess(num, s.from.den, s.from.num, den)
	return s.up != below
}

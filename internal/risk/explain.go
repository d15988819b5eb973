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
	ex.Up = search(inst, res, true)
	ex.Down = search(inst, res, false)
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
	group int
	cur   int
	sign  int     // +1: to higher steps, -1: to lower steps
	room  int     // steps it can move that way
	gain  []int64 // gain[d]: change of its group's points when moved d steps
	scale []Step
	id    string
	g     Group
}

type searcher struct {
	cands  []candidate
	points [3]int64
	weight [3]int64
	from   ratio // threshold to reach (up) or fall below (down)
	up     bool
	target int // index of the level to reach
	budget int
	// help[g][i][m]: the most that m candidates from index i on can move
	// group g's points the helpful way, for the optimistic bound.
	help  [3][][MaxChanges + 1]int64
	best  []int // indexes into cands
	bestD []int
	bestN int // total steps
	pick  []int
	d     []int
}

// search finds the smallest set of changes that moves the level up (or
// down).
func search(inst *Instrument, res Result, up bool) Way {
	s := newSearcher(inst, res, up)
	if s == nil {
		return Way{Status: AtLimit}
	}
	complete := s.run()
	if complete && s.best == nil {
		return Way{Status: OutOfReach}
	}
	w := Way{Status: Found}
	if !complete {
		w.Status = Partial
	}
	if s.best == nil {
		return w
	}
	w.Level, w.Steps = inst.Levels[s.target].ID, s.bestN
	for i, ci := range s.best {
		c := s.cands[ci]
		to := c.cur + c.sign*s.bestD[i]
		w.Changes = append(w.Changes, Change{Factor: c.id, Group: c.g, From: c.scale[c.cur].Value, To: c.scale[to].Value, FromStep: c.cur, ToStep: to})
	}
	return w
}

// newSearcher prepares the search up (or down), or returns nil when there
// is no level that way.
func newSearcher(inst *Instrument, res Result, up bool) *searcher {
	dir := 1
	if !up {
		dir = -1
	}
	cur := -1
	for i, l := range inst.Levels {
		if l.ID == res.Level {
			cur = i
		}
	}
	target := cur + dir
	if cur < 0 || target < 0 || target >= len(inst.Levels) {
		return nil
	}
	s := &searcher{up: up, budget: searchBudget, target: target}
	if s.up {
		s.from, _ = levelFrom(inst.Levels, target)
	} else {
		s.from, _ = levelFrom(inst.Levels, cur)
	}
	for gi, gs := range res.Groups {
		s.points[gi], s.weight[gi] = gs.Points, gs.Weight
	}
	k := 0
	s.cands = make([]candidate, 0, len(res.Factors))
	var gains []int64 // one backing array for the candidates' gains
	for gi, g := range inst.Groups {
		// Threats and vulnerabilities raise the result, capacities lower it.
		sign := dir
		if g.ID == Capacities {
			sign = -dir
		}
		for _, f := range g.Factors {
			c := candidate{group: gi, cur: res.Factors[k].Step, sign: sign, scale: f.Scale, id: f.ID, g: g.ID}
			k++
			if sign == 1 {
				c.room = len(f.Scale) - 1 - c.cur
			} else {
				c.room = c.cur
			}
			if c.room == 0 {
				continue
			}
			if len(gains) < c.room+1 {
				gains = make([]int64, 64)
			}
			c.gain, gains = gains[:c.room+1:c.room+1], gains[c.room+1:]
			for d := 1; d <= c.room; d++ {
				c.gain[d] = f.Weight * (f.Scale[c.cur+sign*d].Value - f.Scale[c.cur].Value)
			}
			s.cands = append(s.cands, c)
		}
	}
	s.bounds()
	return s
}

// bounds fills s.help from the last candidate back to the first.
func (s *searcher) bounds() {
	n := len(s.cands)
	block := make([][MaxChanges + 1]int64, 3*(n+1))
	for g := range s.help {
		s.help[g] = block[g*(n+1) : (g+1)*(n+1)]
	}
	var top [3][MaxChanges]int64 // the largest helps seen so far, largest first
	for i := n - 1; i >= 0; i-- {
		c := s.cands[i]
		h := c.gain[c.room] * int64(c.sign) // moving the helpful way: positive
		t := &top[c.group]
		for j := range t {
			t[j], h = max(t[j], h), min(t[j], h)
		}
		for g := range s.help {
			for m := 1; m <= MaxChanges; m++ {
				s.help[g][i][m] = s.help[g][i][m-1] + top[g][m-1]
			}
		}
	}
}

// run searches sets of one factor, then two, up to MaxChanges, stopping at
// the first size where some set reaches the level. It returns false when
// the budget ran out first.
func (s *searcher) run() bool {
	for n := 1; n <= MaxChanges && n <= len(s.cands) && s.best == nil; n++ {
		s.pick, s.d = make([]int, n), make([]int, n)
		if !s.subsets(0, 0, s.points) {
			return false
		}
	}
	return true
}

// subsets walks the sets of len(s.pick) candidates in lexicographic order,
// from position pos and candidate index next; p holds the group points with
// the candidates picked so far moved as far as they go. It returns false
// when the budget ran out.
func (s *searcher) subsets(pos, next int, p [3]int64) bool {
	n := len(s.pick)
	if s.best != nil && s.bestN <= n {
		return true // nothing of this size can move fewer steps
	}
	if !s.spend() {
		return false
	}
	// The result is monotonic in each factor's step: if the picked
	// factors and the best of the rest, each moved as far as it goes,
	// cannot reach the level, no set beginning so can.
	if !s.reaches(s.optimistic(p, next, n-pos)) {
		return true
	}
	if pos == n {
		return s.steps(0, 0, p)
	}
	for ci := next; ci <= len(s.cands)-(n-pos); ci++ {
		c := s.cands[ci]
		s.pick[pos] = ci
		q := p
		q[c.group] += c.gain[c.room]
		if !s.subsets(pos+1, ci+1, q) {
			return false
		}
	}
	return true
}

// optimistic returns p with m more candidates from index next on moved as
// far as they go, each group's bound taken on its own (so more than m in
// all): no set of m of them can do better.
func (s *searcher) optimistic(p [3]int64, next, m int) [3]int64 {
	sign := int64(1)
	if !s.up {
		sign = -1
	}
	p[0] += sign * s.help[0][next][m]
	p[1] += sign * s.help[1][next][m]
	p[2] -= sign * s.help[2][next][m]
	return p
}

// steps tries the step counts of the picked set from position pos in
// lexicographic order, keeping a combination only when it moves fewer steps
// in all than the best so far; p holds the points with the factors before
// pos at their chosen steps and the others as far as they go. A step count
// that cannot reach the level even with the rest moved as far as they go is
// passed over. It returns false when the budget ran out.
func (s *searcher) steps(pos, total int, p [3]int64) bool {
	n := len(s.pick)
	c := s.cands[s.pick[pos]]
	for d := 1; d <= c.room; d++ {
		if s.best != nil && total+d+(n-pos-1) >= s.bestN {
			break // cannot move fewer steps than the best
		}
		q := p
		q[c.group] += c.gain[d] - c.gain[c.room]
		if !s.spend() {
			return false
		}
		if !s.reaches(q) {
			continue
		}
		s.d[pos] = d
		if pos < n-1 {
			if !s.steps(pos+1, total+d, q) {
				return false
			}
			continue
		}
		s.best, s.bestD, s.bestN = append([]int(nil), s.pick...), append([]int(nil), s.d...), total+d
	}
	return true
}

func (s *searcher) spend() bool {
	s.budget--
	return s.budget >= 0
}

// reaches reports whether group points p put the result across the
// threshold.
func (s *searcher) reaches(p [3]int64) bool {
	num := p[0] * p[1] * s.weight[2]
	den := s.weight[0] * s.weight[1] * p[2]
	below := mulLess(num, s.from.den, s.from.num, den)
	return s.up != below
}

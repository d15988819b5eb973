package risk

import (
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strings"

	"escudo"
)

// ratio is an exact non-negative fraction Num/Den with Den > 0. Both parts
// stay below 2^63 under the instrument's limits; products of two are
// compared in 128 bits, so no comparison overflows.
type ratio struct{ num, den int64 }

// less reports r < s.
func (r ratio) less(s ratio) bool { return mulLess(r.num, s.den, s.num, r.den) }

// mulLess reports a·b < c·d for non-negative a, b, c, d, exactly.
func mulLess(a, b, c, d int64) bool {
	h1, l1 := bits.Mul64(uint64(a), uint64(b)) // #nosec G115 -- points, weights and thresholds are never negative
	h2, l2 := bits.Mul64(uint64(c), uint64(d)) // #nosec G115 -- as above
	return h1 < h2 || h1 == h2 && l1 < l2
}

// decimal writes num/den rounded half up to two places ("2.25", "0.67").
func decimal(num, den int64) string {
	if den == 0 {
		return "0.00"
	}
	cents := (num*200 + den) / (2 * den)
	return fmt.Sprintf("%d.%02d", cents/100, cents%100)
}

// percent is num/den as a whole percent, rounded half up; 0 when den is 0.
func percent(num, den int64) int64 {
	if den == 0 {
		return 0
	}
	return (num*200 + den) / (2 * den)
}

// Answers are what an evaluation records: the instrument version it used,
// one step value per factor, the context answers (an option id for a choice
// question, the text for a text question) and optional evidence notes per
// factor.
type Answers struct {
	Instrument string            `json:"instrument"`
	Version    int               `json:"version"`
	Factors    map[string]int64  `json:"factors"`
	Context    map[string]string `json:"context"`
	Notes      map[string]string `json:"notes,omitempty"`
}

// GroupScore is one group's part of the formula: Points = Σ weight × step
// value over its factors, Weight = Σ weight, and the group's value
// Points ÷ Weight, written with two decimals for reading (the formula uses
// the exact fraction).
type GroupScore struct {
	Group  Group  `json:"group"`
	Points int64  `json:"points"`
	Weight int64  `json:"weight"`
	Value  string `json:"value"`
}

// Contribution is one factor's part: its answer, its points (weight × step
// value), the most points it can have, and Share, the whole percent of its
// group's points it holds (rounded half up). For threats and
// vulnerabilities Share is also how much lower the result would be if the
// factor counted nothing, since the result is proportional to each
// group's points.
type Contribution struct {
	Factor    string `json:"factor"`
	Group     Group  `json:"group"`
	Step      int    `json:"step"` // index in the scale, from 0
	Value     int64  `json:"value"`
	Weight    int64  `json:"weight"`
	Points    int64  `json:"points"`
	MaxPoints int64  `json:"max_points"`
	Share     int64  `json:"share"`
}

// Result is an evaluation's outcome. Value is T × V ÷ C with two decimals
// (rounded half up, for reading); Num and Den are the exact fraction the
// level is decided on.
type Result struct {
	Instrument string           `json:"instrument"`
	Version    int              `json:"version"`
	Hash       string           `json:"hash"`
	Groups     [3]GroupScore    `json:"groups"`
	Num        int64            `json:"num"`
	Den        int64            `json:"den"`
	Value      string           `json:"value"`
	Level      escudo.RiskLevel `json:"level"`
	Factors    []Contribution   `json:"factors"`
}

// Evaluate validates the answers against the instrument and computes the
// result:
//
//	T = ΣwT·vT ÷ ΣwT, V = ΣwV·vV ÷ ΣwV, C = ΣwC·vC ÷ ΣwC
//	R = T × V ÷ C = (PT·PV·WC) ÷ (WT·WV·PC)
//
// and the level is the highest one whose From is ≤ R, compared exactly.
// Every problem with the answers is returned at once as field errors:
// "factors.<id>" for a missing, unknown or off-scale factor, "context.<id>"
// for a missing or invalid context answer, "notes.<id>" for a note.
func Evaluate(inst *Instrument, a Answers) (Result, error) {
	if err := checkAnswers(inst, a); err != nil {
		return Result{}, err
	}
	res := evaluate(inst, a)
	res.Hash = inst.versionHash()
	return res, nil
}

// evaluate computes the result of answers already checked, without the
// instrument's hash.
func evaluate(inst *Instrument, a Answers) Result {
	res := Result{Instrument: inst.ID, Version: inst.Version, Factors: make([]Contribution, 0, 24)}
	for gi, g := range inst.Groups {
		gs := GroupScore{Group: g.ID}
		first := len(res.Factors)
		for _, f := range g.Factors {
			v := a.Factors[f.ID]
			c := Contribution{Factor: f.ID, Group: g.ID, Step: stepIndex(f, v), Value: v, Weight: f.Weight,
				Points: f.Weight * v, MaxPoints: f.Weight * f.Scale[len(f.Scale)-1].Value}
			gs.Points += c.Points
			gs.Weight += f.Weight
			res.Factors = append(res.Factors, c)
		}
		for i := first; i < len(res.Factors); i++ {
			res.Factors[i].Share = percent(res.Factors[i].Points, gs.Points)
		}
		gs.Value = decimal(gs.Points, gs.Weight)
		res.Groups[gi] = gs
	}
	t, v, c := res.Groups[0], res.Groups[1], res.Groups[2]
	res.Num = t.Points * v.Points * c.Weight
	res.Den = t.Weight * v.Weight * c.Points
	res.Value = decimal(res.Num, res.Den)
	res.Level = inst.Levels[levelIndex(inst, res.Num, res.Den)].ID
	return res
}

// Recompute is Evaluate: the same answers and the same instrument version
// give the same result, bit for bit. A stored evaluation matches when
// Recompute's result Equals the stored one.
func Recompute(inst *Instrument, a Answers) (Result, error) { return Evaluate(inst, a) }

// Equal reports whether two results agree on the instrument version, every
// group's points and weight, the exact value and the level.
func (r Result) Equal(o Result) bool {
	return r.Instrument == o.Instrument && r.Version == o.Version && r.Hash == o.Hash &&
		r.Groups == o.Groups && r.Num == o.Num && r.Den == o.Den && r.Level == o.Level
}

// levelIndex returns the index of the highest level whose From is ≤ num/den.
func levelIndex(inst *Instrument, num, den int64) int {
	idx := 0
	for i := 1; i < len(inst.Levels); i++ {
		from, _ := levelFrom(inst.Levels, i) // validated by Parse
		if !mulLess(num, from.den, from.num, den) {
			idx = i
		}
	}
	return idx
}

func stepIndex(f Factor, v int64) int {
	for i, s := range f.Scale {
		if s.Value == v {
			return i
		}
	}
	return -1
}

func checkAnswers(inst *Instrument, a Answers) error {
	var v escudo.ValidationErrors
	if a.Instrument != inst.ID || a.Version != inst.Version {
		v.Add("instrument", "risk.answer.instrument", map[string]any{"ID": inst.ID, "Version": inst.Version})
		return v
	}
	known := 0 // answers that name a factor of the instrument
	for _, g := range inst.Groups {
		for _, f := range g.Factors {
			val, ok := a.Factors[f.ID]
			if !ok {
				v.Add("factors."+f.ID, "risk.answer.factor_missing", nil)
				continue
			}
			known++
			if stepIndex(f, val) < 0 {
				v.Add("factors."+f.ID, "risk.answer.off_scale", map[string]any{"Min": f.Scale[0].Value, "Max": f.Scale[len(f.Scale)-1].Value})
			}
		}
	}
	// The unknown ones, in a stable order, only when there are some.
	if known != len(a.Factors) {
		for _, id := range sortedKeys(a.Factors) {
			if _, _, ok := inst.Factor(id); !ok {
				v.Add("factors."+id, "risk.answer.unknown_factor", nil)
			}
		}
	}
	for _, id := range sortedKeys(a.Notes) {
		if len(a.Notes[id]) > MaxNoteLen {
			v.Add("notes."+id, "risk.answer.too_long", map[string]any{"Max": MaxNoteLen})
		}
		if _, _, ok := inst.Factor(id); !ok {
			v.Add("notes."+id, "risk.answer.unknown_factor", nil)
		}
	}
	asked := 0 // answers that name a question of the instrument
	for _, q := range inst.Context {
		ans, ok := a.Context[q.ID]
		if ok {
			asked++
		}
		if strings.TrimSpace(ans) == "" {
			if q.Required {
				v.Add("context."+q.ID, "risk.answer.context_missing", nil)
			}
			continue
		}
		if q.Kind == KindChoice && !hasOption(q, ans) {
			v.Add("context."+q.ID, "risk.answer.context_choice", nil)
			continue
		}
		if len(ans) > MaxContextLen {
			v.Add("context."+q.ID, "risk.answer.too_long", map[string]any{"Max": MaxContextLen})
		}
	}
	if asked != len(a.Context) {
		for _, id := range sortedKeys(a.Context) {
			if !hasQuestion(inst, id) {
				v.Add("context."+id, "risk.answer.unknown_question", nil)
			}
		}
	}
	return v.Err()
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func hasOption(q ContextQuestion, id string) bool {
	for _, o := range q.Options {
		if o.ID == id {
			return true
		}
	}
	return false
}

func hasQuestion(inst *Instrument, id string) bool {
	for _, q := range inst.Context {
		if q.ID == id {
			return true
		}
	}
	return false
}

// CheckDraft validates the answers of an evaluation still being written:
// what is answered must be valid (a step of its factor's scale, an option
// of its question, within length), what is not answered yet is no error.
// Evaluate is the check for submission.
func CheckDraft(inst *Instrument, a Answers) error {
	err := checkAnswers(inst, a)
	v, ok := escudo.AsValidation(err)
	if !ok {
		return err
	}
	var kept escudo.ValidationErrors
	for _, e := range v {
		if e.Key != "risk.answer.factor_missing" && e.Key != "risk.answer.context_missing" {
			kept = append(kept, e)
		}
	}
	return kept.Err()
}

// Missing lists, in the instrument's order, the factors and required
// context questions the answers leave unanswered, as the field names
// Evaluate reports ("factors.<id>", "context.<id>").
func Missing(inst *Instrument, a Answers) []string {
	var out []string
	for _, g := range inst.Groups {
		for _, f := range g.Factors {
			if _, ok := a.Factors[f.ID]; !ok {
				out = append(out, "factors."+f.ID)
			}
		}
	}
	for _, q := range inst.Context {
		if q.Required && strings.TrimSpace(a.Context[q.ID]) == "" {
			out = append(out, "context."+q.ID)
		}
	}
	return out
}

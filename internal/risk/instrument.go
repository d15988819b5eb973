// Package risk holds the rules of risk evaluation: the versioned instrument
// (factor catalogue, scales, weights, context questions, formula and level
// thresholds), its strict parser, the evaluation of one set of answers and
// its explanation. It is pure: no database and no HTTP. The store keeps
// instruments and answers and calls Evaluate inside its transactions.
//
// The arithmetic is integer and exact, so anyone can recompute a level from
// the published instrument and the answers (docs/risk.md).
package risk

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"escudo"
)

// Group identifies one of the formula's three factor groups.
type Group string

const (
	Threats         Group = "threats"
	Vulnerabilities Group = "vulnerabilities"
	Capacities      Group = "capacities"
)

// Groups is the order of the groups in every instrument.
var Groups = []Group{Threats, Vulnerabilities, Capacities}

// RequiredContext are the context questions every instrument asks and every
// evaluation must answer: the narrative, gender and the intersectional
// questions.
var RequiredContext = []string{"narrative", "gender", "ethnic_identity", "disability", "migration_status", "sogi", "rurality"}

// Limits of an instrument. They keep every product of the formula within
// int64: a group's points are at most 50 × 100 × 100 = 500,000 and its
// weight at most 5,000, so T·V·ΣwC·100 ≤ 1.25·10^17 (docs/risk.md).
const (
	MaxFactorsPerGroup = 50
	MaxWeight          = 100
	MaxStepValue       = 100
	MinSteps           = 2
	MaxSteps           = 11
	MaxTextLen         = 2000
	MaxContextLen      = escudo.MaxLongText
	MaxNoteLen         = escudo.MaxLongText
	maxIDLen           = 64
	maxOptions         = 20
	maxContext         = 30
	maxThresholdDigits = 6 // before the decimal point
	maxThresholdPlaces = 2 // after it
	maxInstrumentBytes = 1 << 20
)

// Text is a label in both languages of escudo; both are required.
type Text struct {
	ES string `json:"es-MX"`
	EN string `json:"en"`
}

// In returns the text in lang ("en" or es-MX, the default).
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.ES
}

// Instrument is one version of the evaluation instrument. A version is
// identified by ID and Version and fixed by its Hash: once an evaluation
// used it, the store refuses a different instrument under the same version.
// An instrument from Parse is not to be changed afterwards: Evaluate records
// the hash taken when it was parsed (hashing on every evaluation would cost
// more than the evaluation).
type Instrument struct {
	ID          string            `json:"id"`
	Version     int               `json:"version"`
	Title       Text              `json:"title"`
	Description Text              `json:"description"`
	Groups      []FactorGroup     `json:"groups"`
	Context     []ContextQuestion `json:"context"`
	Levels      []Level           `json:"levels"`

	hash string // of the content when Parse accepted it
}

// FactorGroup is one group of the formula with its factors.
type FactorGroup struct {
	ID      Group    `json:"id"`
	Label   Text     `json:"label"`
	Factors []Factor `json:"factors"`
}

// Factor is one question of the instrument, answered with one step of its
// scale. Evidence says what the analyst should cite to support the answer.
type Factor struct {
	ID       string `json:"id"`
	Label    Text   `json:"label"`
	Weight   int64  `json:"weight"`
	Evidence Text   `json:"evidence"`
	Scale    []Step `json:"scale"`
}

// Step is one step of a factor's scale: its value in the formula and what it
// means. Values rise strictly along the scale.
type Step struct {
	Value   int64 `json:"value"`
	Meaning Text  `json:"meaning"`
}

// Question kinds.
const (
	KindText   = "text"
	KindChoice = "choice"
)

// ContextQuestion is a question the evaluation must answer but that does not
// enter the formula: it frames the reading of the factors.
type ContextQuestion struct {
	ID       string   `json:"id"`
	Kind     string   `json:"kind"`
	Required bool     `json:"required"`
	Label    Text     `json:"label"`
	Options  []Option `json:"options,omitempty"`
}

// Option is one answer of a choice question.
type Option struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
}

// Level is one level of the instrument and the value of the formula from
// which it applies, an exact decimal with at most two places ("2", "4.5").
// The first level applies from 0 and has no From.
type Level struct {
	ID    escudo.RiskLevel `json:"id"`
	From  string           `json:"from,omitempty"`
	Label Text             `json:"label"`
}

//go:embed default.json
var defaultJSON []byte

// DefaultJSON returns the published default instrument, as shipped.
func DefaultJSON() []byte { return bytes.Clone(defaultJSON) }

// Default returns the default instrument. It panics if the embedded file is
// invalid, which its test rules out.
func Default() *Instrument {
	inst, err := Parse(defaultJSON)
	if err != nil {
		panic(fmt.Sprintf("risk: default instrument: %v", err))
	}
	return inst
}

// Parse decodes and validates an instrument. Unknown fields, trailing data,
// missing translations, duplicate ids, non-monotonic scales or thresholds
// are refused; every problem found is returned as an escudo.FieldError
// whose Field is the JSON path ("groups[0].factors[2].scale[1].meaning.en").
func Parse(data []byte) (*Instrument, error) {
	if len(data) > maxInstrumentBytes {
		return nil, escudo.FieldError("instrument", "risk.invalid.too_large", map[string]any{"Max": maxInstrumentBytes})
	}
	var inst Instrument
	if err := escudo.DecodeStrict(data, &inst); errors.Is(err, escudo.ErrTrailingJSON) {
		return nil, escudo.FieldError("instrument", "risk.invalid.trailing", nil)
	} else if err != nil {
		return nil, decodeError(err)
	}
	if err := inst.Validate(); err != nil {
		return nil, err
	}
	inst.hash = inst.Hash()
	return &inst, nil
}

func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return escudo.FieldError(name, "risk.invalid.unknown_field", map[string]any{"Name": name})
	}
	if errors.As(err, &typeErr) {
		return escudo.FieldError(typeErr.Field, "risk.invalid.type", nil)
	}
	return escudo.FieldError("instrument", "risk.invalid.json", nil)
}

// Validate checks the instrument's structure and fills the parsed
// thresholds. Parse calls it; call it on an instrument built in code.
func (inst *Instrument) Validate() error {
	var v escudo.ValidationErrors
	checkID(&v, "id", inst.ID)
	if inst.Version < 1 {
		v.Add("version", "risk.invalid.version", nil)
	}
	checkText(&v, "title", inst.Title)
	checkText(&v, "description", inst.Description)
	ids := map[string]string{} // factor id → path, across groups
	if len(inst.Groups) != len(Groups) {
		v.Add("groups", "risk.invalid.groups", nil)
	}
	for gi, g := range inst.Groups {
		p := fmt.Sprintf("groups[%d]", gi)
		if gi < len(Groups) && g.ID != Groups[gi] {
			v.Add(p+".id", "risk.invalid.group_id", map[string]any{"Want": string(Groups[min(gi, len(Groups)-1)])})
		}
		checkText(&v, p+".label", g.Label)
		if len(g.Factors) == 0 || len(g.Factors) > MaxFactorsPerGroup {
			v.Add(p+".factors", "risk.invalid.factor_count", map[string]any{"Max": MaxFactorsPerGroup})
		}
		for fi, f := range g.Factors {
			checkFactor(&v, fmt.Sprintf("%s.factors[%d]", p, fi), g.ID, f, ids)
		}
	}
	checkContext(&v, inst.Context)
	checkLevels(&v, inst.Levels)
	return v.Err()
}

func checkFactor(v *escudo.ValidationErrors, p string, g Group, f Factor, ids map[string]string) {
	checkID(v, p+".id", f.ID)
	if prev, dup := ids[f.ID]; dup && f.ID != "" {
		v.Add(p+".id", "risk.invalid.duplicate_id", map[string]any{"Other": prev})
	}
	ids[f.ID] = p
	checkText(v, p+".label", f.Label)
	checkText(v, p+".evidence", f.Evidence)
	if f.Weight < 1 || f.Weight > MaxWeight {
		v.Add(p+".weight", "risk.invalid.weight", map[string]any{"Max": MaxWeight})
	}
	if len(f.Scale) < MinSteps || len(f.Scale) > MaxSteps {
		v.Add(p+".scale", "risk.invalid.step_count", map[string]any{"Min": MinSteps, "Max": MaxSteps})
	}
	// Capacities divide: the lowest step is at least 1, so the divisor is
	// never zero.
	lowest := int64(0)
	if g == Capacities {
		lowest = 1
	}
	for si, s := range f.Scale {
		sp := fmt.Sprintf("%s.scale[%d]", p, si)
		if s.Value < lowest || s.Value > MaxStepValue {
			v.Add(sp+".value", "risk.invalid.step_value", map[string]any{"Min": lowest, "Max": MaxStepValue})
		} else if si > 0 && s.Value <= f.Scale[si-1].Value {
			v.Add(sp+".value", "risk.invalid.scale_order", nil)
		}
		checkText(v, sp+".meaning", s.Meaning)
	}
}

func checkContext(v *escudo.ValidationErrors, qs []ContextQuestion) {
	if len(qs) > maxContext {
		v.Add("context", "risk.invalid.context_count", map[string]any{"Max": maxContext})
	}
	seen := map[string]bool{}
	for qi, q := range qs {
		p := fmt.Sprintf("context[%d]", qi)
		checkID(v, p+".id", q.ID)
		if seen[q.ID] {
			v.Add(p+".id", "risk.invalid.duplicate_id", nil)
		}
		seen[q.ID] = true
		checkText(v, p+".label", q.Label)
		if q.Kind != KindText && q.Kind != KindChoice {
			v.Add(p+".kind", "risk.invalid.kind", nil)
		}
		if q.Kind == KindChoice && (len(q.Options) < 2 || len(q.Options) > maxOptions) {
			v.Add(p+".options", "risk.invalid.option_count", map[string]any{"Max": maxOptions})
		}
		if q.Kind == KindText && len(q.Options) > 0 {
			v.Add(p+".options", "risk.invalid.options_on_text", nil)
		}
		opts := map[string]bool{}
		for oi, o := range q.Options {
			op := fmt.Sprintf("%s.options[%d]", p, oi)
			checkID(v, op+".id", o.ID)
			if opts[o.ID] {
				v.Add(op+".id", "risk.invalid.duplicate_id", nil)
			}
			opts[o.ID] = true
			checkText(v, op+".label", o.Label)
		}
	}
	for _, id := range RequiredContext {
		if !requiredQuestion(qs, id) {
			v.Add("context", "risk.invalid.context_required", map[string]any{"Question": id})
		}
	}
}

func requiredQuestion(qs []ContextQuestion, id string) bool {
	for _, q := range qs {
		if q.ID == id && q.Required {
			return true
		}
	}
	return false
}

func checkLevels(v *escudo.ValidationErrors, ls []Level) {
	if len(ls) < 2 || len(ls) > len(escudo.RiskLevels) {
		v.Add("levels", "risk.invalid.level_count", map[string]any{"Max": len(escudo.RiskLevels)})
		return
	}
	for li, l := range ls {
		p := fmt.Sprintf("levels[%d]", li)
		if l.ID.Rank() < 0 {
			v.Add(p+".id", "risk.invalid.level_id", nil)
		} else if li > 0 && l.ID.Rank() <= ls[li-1].ID.Rank() {
			v.Add(p+".id", "risk.invalid.level_order", nil)
		}
		checkText(v, p+".label", l.Label)
		if li == 0 {
			if l.From != "" {
				v.Add(p+".from", "risk.invalid.first_from", nil)
			}
			continue
		}
		r, ok := parseDecimal(l.From)
		if !ok {
			v.Add(p+".from", "risk.invalid.threshold", map[string]any{"Places": maxThresholdPlaces})
			continue
		}
		if prev, ok := levelFrom(ls, li-1); ok && !prev.less(r) {
			v.Add(p+".from", "risk.invalid.threshold_order", nil)
		}
	}
}

// levelFrom returns the value from which level i applies: 0 for the first.
func levelFrom(ls []Level, i int) (ratio, bool) {
	if i == 0 {
		return ratio{0, 1}, true
	}
	return parseDecimal(ls[i].From)
}

// parseDecimal reads a non-negative exact decimal: up to six digits, then
// optionally a point and one or two digits. It returns it as a ratio over
// 1 or 100.
func parseDecimal(s string) (ratio, bool) {
	whole, frac, dotted := strings.Cut(s, ".")
	if len(whole) == 0 || len(whole) > maxThresholdDigits || (dotted && (len(frac) == 0 || len(frac) > maxThresholdPlaces)) {
		return ratio{}, false
	}
	var num int64
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return ratio{}, false
		}
		num = num*10 + int64(c-'0')
	}
	den := int64(1)
	for range frac {
		den *= 10
	}
	return ratio{num, den}, true
}

func checkID(v *escudo.ValidationErrors, field, id string) {
	ok := len(id) > 0 && len(id) <= maxIDLen
	for _, c := range id {
		ok = ok && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_')
	}
	if !ok {
		v.Add(field, "risk.invalid.id", map[string]any{"Max": maxIDLen})
	}
}

func checkText(v *escudo.ValidationErrors, field string, t Text) {
	for _, l := range []struct{ tag, s string }{{"es-MX", t.ES}, {"en", t.EN}} {
		if strings.TrimSpace(l.s) == "" {
			v.Add(field+"."+l.tag, "risk.invalid.translation", map[string]any{"Lang": l.tag})
		} else if len(l.s) > MaxTextLen {
			v.Add(field+"."+l.tag, "risk.invalid.too_long", map[string]any{"Max": MaxTextLen})
		}
	}
}

// Canonical returns the instrument's canonical form: its JSON as encoded
// from these types (fields in their declared order, no whitespace, no HTML
// escaping, no trailing newline). Two files that differ only in spacing or
// key order have the same canonical form; any change of a label, weight,
// step, question or threshold changes it.
func (inst *Instrument) Canonical() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(inst); err != nil {
		panic(fmt.Sprintf("risk: encode instrument: %v", err)) // plain data: cannot fail
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// Hash is the hex SHA-256 of the canonical form: what identifies this
// version's content.
func (inst *Instrument) Hash() string {
	sum := sha256.Sum256(inst.Canonical())
	return hex.EncodeToString(sum[:])
}

// versionHash is the hash taken by Parse, or the hash of the content now for
// an instrument built in code.
func (inst *Instrument) versionHash() string {
	if inst.hash != "" {
		return inst.hash
	}
	return inst.Hash()
}

// Factor returns the factor with id and its group.
func (inst *Instrument) Factor(id string) (Factor, Group, bool) {
	for _, g := range inst.Groups {
		for _, f := range g.Factors {
			if f.ID == id {
				return f, g.ID, true
			}
		}
	}
	return Factor{}, "", false
}

// Level returns the instrument's level id.
func (inst *Instrument) Level(id escudo.RiskLevel) (Level, bool) {
	for _, l := range inst.Levels {
		if l.ID == id {
			return l, true
		}
	}
	return Level{}, false
}

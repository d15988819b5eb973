// Package measures is the catalogue of protective measures an evaluation
// proposes and the Governing Board grants. It is configuration: the default
// holds the measures of the 2012 Law for the Protection of Human Rights
// Defenders and Journalists (urgent, protection and preventive measures)
// and the psychosocial support and safe houses the Mechanism also gives.
// No database, no HTTP.
package measures

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"

	"escudo"
)

// Kind is the group a measure belongs to.
type Kind string

const (
	Urgent       Kind = "urgent"
	Protection   Kind = "protection"
	Preventive   Kind = "preventive"
	Psychosocial Kind = "psychosocial"
	SafeHouse    Kind = "safe_house"
)

// Kinds lists the groups in the order forms show them.
var Kinds = []Kind{Urgent, Protection, Preventive, Psychosocial, SafeHouse}

// Text is a label in both languages of escudo.
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

// Measure is one entry of the catalogue.
type Measure struct {
	ID          string `json:"id"`
	Kind        Kind   `json:"kind"`
	Label       Text   `json:"label"`
	Description Text   `json:"description"`
	Retired     bool   `json:"retired,omitempty"` // kept for old records, never proposed again
	// Details are what a grant of the measure must say (a vehicle's
	// plate, a phone's number, how many officers), in the order forms
	// show them.
	Details []Detail `json:"details,omitempty"`
	// Personal: the agency needs the beneficiary's name to implement it
	// (an escort, an evacuation, a phone); only then does a liaison see it.
	Personal bool `json:"personal,omitempty"`
}

// Format is the check a detail's value must pass.
type Format string

const (
	FormatText  Format = "text"  // free text, one line
	FormatPlate Format = "plate" // a vehicle plate: letters, digits and dashes
	FormatPhone Format = "phone" // a phone number: 10 to 15 digits, optional +
	FormatCount Format = "count" // a whole number from 1 to 999
)

// Formats lists the formats a catalogue may use.
var Formats = []Format{FormatText, FormatPlate, FormatPhone, FormatCount}

// Detail is one piece of information a grant gives about its measure.
// Sealed details are encrypted in the logistics compartment and shown only
// to who may open it.
type Detail struct {
	ID       string `json:"id"`
	Label    Text   `json:"label"`
	Format   Format `json:"format"`
	Sealed   bool   `json:"sealed,omitempty"`
	Optional bool   `json:"optional,omitempty"`
}

// Catalogue is one version of the catalogue.
type Catalogue struct {
	Version  int       `json:"version"`
	Measures []Measure `json:"measures"`

	byID map[string]int
}

//go:embed default.json
var defaultJSON []byte

// Default returns the default catalogue; it panics if the embedded file is
// invalid, which its test rules out.
func Default() *Catalogue {
	c, err := Parse(defaultJSON)
	if err != nil {
		panic(fmt.Sprintf("measures: default catalogue: %v", err))
	}
	return c
}

// Limits of a catalogue.
const (
	maxMeasures  = 200
	maxTextLen   = 500
	maxBytes     = 1 << 20
	ReasonMaxLen = escudo.MaxLongText
)

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Parse decodes and validates a catalogue: unknown fields, trailing data,
// a missing translation, an unknown kind or a repeated id are refused,
// each as an escudo.FieldError naming its JSON path.
func Parse(data []byte) (*Catalogue, error) {
	if len(data) > maxBytes {
		return nil, escudo.FieldError("measures", "measures.too_large", map[string]any{"Max": maxBytes})
	}
	var c Catalogue
	if err := escudo.DecodeStrict(data, &c); errors.Is(err, escudo.ErrTrailingJSON) {
		return nil, escudo.FieldError("measures", "measures.trailing", nil)
	} else if err != nil {
		return nil, escudo.FieldError("measures", "measures.invalid_json", map[string]any{"Detail": err.Error()})
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Catalogue) validate() error {
	var v escudo.ValidationErrors
	if c.Version < 1 {
		v.Add("version", "measures.version", nil)
	}
	if len(c.Measures) == 0 || len(c.Measures) > maxMeasures {
		v.Add("measures", "measures.count", map[string]any{"Max": maxMeasures})
	}
	c.byID = make(map[string]int, len(c.Measures))
	for i, m := range c.Measures {
		p := fmt.Sprintf("measures[%d]", i)
		if !idPattern.MatchString(m.ID) {
			v.Add(p+".id", "measures.id", nil)
		} else if _, dup := c.byID[m.ID]; dup {
			v.Add(p+".id", "measures.duplicate", map[string]any{"ID": m.ID})
		} else {
			c.byID[m.ID] = i
		}
		if !validKind(m.Kind) {
			v.Add(p+".kind", "measures.kind", nil)
		}
		checkText(&v, p+".label", m.Label)
		checkText(&v, p+".description", m.Description)
		seen := map[string]bool{}
		for j, d := range m.Details {
			dp := fmt.Sprintf("%s.details[%d]", p, j)
			if !idPattern.MatchString(d.ID) {
				v.Add(dp+".id", "measures.id", nil)
			} else if seen[d.ID] {
				v.Add(dp+".id", "measures.duplicate", map[string]any{"ID": d.ID})
			}
			seen[d.ID] = true
			if !validFormat(d.Format) {
				v.Add(dp+".format", "measures.format", nil)
			}
			checkText(&v, dp+".label", d.Label)
		}
	}
	return v.Err()
}

func checkText(v *escudo.ValidationErrors, p string, t Text) {
	for lang, s := range map[string]string{"es-MX": t.ES, "en": t.EN} {
		if s == "" {
			v.Add(p+"."+lang, "measures.text_missing", nil)
		} else if len(s) > maxTextLen {
			v.Add(p+"."+lang, "measures.text_long", map[string]any{"Max": maxTextLen})
		}
	}
}

func validFormat(f Format) bool {
	for _, x := range Formats {
		if x == f {
			return true
		}
	}
	return false
}

func validKind(k Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Find returns the measure with the id.
func (c *Catalogue) Find(id string) (Measure, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Measure{}, false
	}
	return c.Measures[i], true
}

// ByKind returns the measures that may still be proposed, grouped by kind
// in the order of Kinds.
func (c *Catalogue) ByKind() map[Kind][]Measure {
	out := make(map[Kind][]Measure, len(Kinds))
	for _, m := range c.Measures {
		if !m.Retired {
			out[m.Kind] = append(out[m.Kind], m)
		}
	}
	return out
}

// CheckProposals validates an evaluation's proposals: each names a measure
// of the catalogue that is not retired, once, with a reason. Errors name
// "proposals[i].measure" or "proposals[i].reason".
func (c *Catalogue) CheckProposals(ps []escudo.MeasureProposal) error {
	var v escudo.ValidationErrors
	seen := map[string]bool{}
	for i, p := range ps {
		f := fmt.Sprintf("proposals[%d]", i)
		m, ok := c.Find(p.Measure)
		switch {
		case !ok || m.Retired:
			v.Add(f+".measure", "measures.unknown", nil)
		case seen[p.Measure]:
			v.Add(f+".measure", "measures.repeated", nil)
		}
		seen[p.Measure] = true
		if len(bytes.TrimSpace([]byte(p.Reason))) == 0 {
			v.Add(f+".reason", "measures.reason_missing", nil)
		} else if len(p.Reason) > ReasonMaxLen {
			v.Add(f+".reason", "validation.too_long", map[string]any{"Max": ReasonMaxLen})
		}
	}
	return v.Err()
}

package measures

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"escudo"
)

// MaxDetailLen bounds a detail's value.
const MaxDetailLen = 200

var (
	platePattern = regexp.MustCompile(`^[A-Z0-9]{1,4}(-[A-Z0-9]{1,4}){0,3}$`)
	phonePattern = regexp.MustCompile(`^\+?[0-9]{10,15}$`)
)

// NormalizeDetail returns the value as it is stored: trimmed; plates in
// capitals, phones without spaces, dashes or brackets.
func NormalizeDetail(f Format, s string) string {
	s = strings.TrimSpace(s)
	switch f {
	case FormatPlate:
		s = strings.ToUpper(strings.ReplaceAll(s, " ", "-"))
	case FormatPhone:
		s = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '-', '(', ')', '.':
				return -1
			}
			return r
		}, s)
	}
	return s
}

// CheckDetail reports whether a normalized value passes the format; the
// key is the translation of what is wrong.
func CheckDetail(f Format, s string) (key string, ok bool) {
	if !utf8.ValidString(s) || len(s) > MaxDetailLen || strings.ContainsAny(s, "\r\n\x00") {
		return "measures.detail_text", false
	}
	switch f {
	case FormatPlate:
		if !platePattern.MatchString(s) {
			return "measures.detail_plate", false
		}
	case FormatPhone:
		if !phonePattern.MatchString(s) {
			return "measures.detail_phone", false
		}
	case FormatCount:
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 999 || strconv.Itoa(n) != s {
			return "measures.detail_count", false
		}
	}
	return "", true
}

// CheckGrant validates what a decision grants: a catalogue measure that is
// not retired, an implementing agency, a known source (an urgent measure
// has no resolution yet, a Board one names its resolution), a reason, and
// exactly the measure's details, each passing its format. Details are
// normalized in place. Errors name "measure", "agency_id", "source",
// "resolution_id", "reason" or "details.<id>".
func (c *Catalogue) CheckGrant(g *escudo.MeasureGrant) error {
	var v escudo.ValidationErrors
	m, ok := c.Find(g.Measure)
	if !ok || m.Retired {
		v.Add("measure", "measures.unknown", nil)
	}
	if g.CaseID <= 0 {
		v.Add("case_id", "validation.required", nil)
	}
	if g.AgencyID <= 0 {
		v.Add("agency_id", "measures.agency_missing", nil)
	}
	switch g.Source {
	case escudo.SourceUrgent:
		if g.ResolutionID != 0 {
			v.Add("resolution_id", "measures.urgent_resolution", nil)
		}
		if ok && m.Kind != Urgent {
			v.Add("measure", "measures.not_urgent", nil)
		}
	case escudo.SourceBoard:
		if g.ResolutionID <= 0 {
			v.Add("resolution_id", "measures.resolution_missing", nil)
		}
	default:
		v.Add("source", "measures.source", nil)
	}
	if strings.TrimSpace(g.Reason) == "" {
		v.Add("reason", "measures.reason_missing", nil)
	} else if len(g.Reason) > ReasonMaxLen {
		v.Add("reason", "validation.too_long", map[string]any{"Max": ReasonMaxLen})
	}
	if g.LiaisonID < 0 || g.DeviceID < 0 {
		v.Add("liaison_id", "validation.choice", nil)
	}
	if ok {
		known := map[string]bool{}
		for _, d := range m.Details {
			known[d.ID] = true
			val := NormalizeDetail(d.Format, g.Details[d.ID])
			if val == "" {
				if !d.Optional {
					v.Add("details."+d.ID, "measures.detail_missing", map[string]any{"Label": d.Label.ES})
				}
				delete(g.Details, d.ID)
				continue
			}
			if key, ok := CheckDetail(d.Format, val); !ok {
				v.Add("details."+d.ID, key, map[string]any{"Max": MaxDetailLen})
				continue
			}
			g.Details[d.ID] = val
		}
		for id := range g.Details {
			if !known[id] {
				v.Add(fmt.Sprintf("details.%s", id), "measures.detail_unknown", nil)
			}
		}
	}
	return v.Err()
}

// Detail returns the detail of the measure with the id.
func (m Measure) Detail(id string) (Detail, bool) {
	for _, d := range m.Details {
		if d.ID == id {
			return d, true
		}
	}
	return Detail{}, false
}

package web

import (
	"net/http"
	"strconv"
	"time"

	"escudo"
	"escudo/internal/measures"
)

// The case page's section "Medidas de protección" (internal/web/protection
// serves the measures' own pages): the case's granted measures with status,
// deadline, overdue age and agency, and, on an open extraordinary case,
// the forms that issue urgent measures without a session.

// Choice is a choice of a form: its value and its words.
type Choice struct{ Value, Label string }

type MeasureItem struct {
	ID                    int64
	Label, Kind           string
	Status, StatusCode    string
	Agency                string
	Deadline, DeadlineISO string
	Overdue               string // how long past its deadline, "" when not
	Urgent, Unratified    bool
	Flagged               bool // a recurring cost the beneficiary cannot pay
}

// urgentForm is one urgent measure the case page offers to issue, with the
// details it asks for.
type UrgentForm struct {
	Measure string
	Label   string
	Details []DetailInput
}

type DetailInput struct {
	Name, Label, Hint string
	Optional          bool
}

// MeasuresSection is the case page's "Medidas de protección".
type MeasuresSection struct {
	CaseID    int64
	Items     []MeasureItem
	Urgent    []UrgentForm
	Agencies  []Choice
	Liaisons  []Choice
	CanUrgent bool
}

func (s *Core) CatalogueLabel(p *Page, id string) (string, measures.Measure) {
	m, ok := s.DB.Measures().Find(id)
	if !ok {
		return p.L.T("measure.unknown_label"), m
	}
	return m.Label.In(p.L.Lang), m
}

// overdueAge writes how long a measure is past its deadline, in days or
// hours.
func OverdueAge(p *Page, d time.Duration) string {
	if d <= 0 {
		return ""
	}
	if d >= 48*time.Hour {
		return p.T("measure.overdue_days", "N", int(d/(24*time.Hour)))
	}
	return p.T("measure.overdue_hours", "N", int(d/time.Hour)+1)
}

func (s *Core) MeasureItems(r *http.Request, p *Page, list []escudo.GrantedMeasure) ([]MeasureItem, error) {
	now := s.DB.Now()
	ids := make([]int64, len(list))
	for i, m := range list {
		ids[i] = m.ID
	}
	flagged, err := s.DB.FlaggedCosts(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]MeasureItem, 0, len(list))
	for _, m := range list {
		label, cm := s.CatalogueLabel(p, m.Measure)
		it := MeasureItem{ID: m.ID, Label: label, Kind: p.L.T("measures.kind." + string(cm.Kind)), Status: p.L.T("measure.status." + string(m.Status)),
			StatusCode: string(m.Status), Agency: m.Agency.Name, Deadline: p.Time(m.Deadline), DeadlineISO: p.ISO(m.Deadline),
			Urgent: m.Source == escudo.SourceUrgent, Unratified: m.Source == escudo.SourceUrgent && m.RatifiedBy == 0 && !m.Status.Final(), Flagged: flagged[m.ID]}
		if m.Overdue(now) {
			it.Overdue = OverdueAge(p, now.Sub(m.Deadline))
		}
		out = append(out, it)
	}
	return out, nil
}

// CaseMeasures loads the case page's section; nil when the person may not
// read the case's measures.
func (s *Core) CaseMeasures(r *http.Request, p *Page, c *escudo.Case) (*MeasuresSection, error) {
	if !p.Can("GET /measures/{id}") {
		return nil, nil
	}
	list, err := s.DB.CaseMeasures(r.Context(), c.ID)
	if err != nil {
		return nil, err
	}
	sec := &MeasuresSection{CaseID: c.ID}
	if sec.Items, err = s.MeasureItems(r, p, list); err != nil {
		return nil, err
	}
	sec.CanUrgent = c.Open() && c.Procedure == escudo.ProcedureExtraordinary && p.Can("POST /cases/{id}/urgent-measures")
	if !sec.CanUrgent {
		return sec, nil
	}
	for _, m := range s.DB.Measures().ByKind()[measures.Urgent] {
		f := UrgentForm{Measure: m.ID, Label: m.Label.In(p.L.Lang)}
		for _, d := range m.Details {
			f.Details = append(f.Details, DetailInput{Name: "detail." + d.ID, Label: d.Label.In(p.L.Lang), Hint: p.L.T("measures.format_hint." + string(d.Format)), Optional: d.Optional})
		}
		sec.Urgent = append(sec.Urgent, f)
	}
	agencies, err := s.DB.Agencies(r.Context())
	if err != nil {
		return nil, err
	}
	for _, a := range agencies {
		sec.Agencies = append(sec.Agencies, Choice{strconv.FormatInt(a.ID, 10), a.Name})
	}
	users, err := s.DB.FindUsers(r.Context())
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.Role == escudo.RoleLiaison && !u.Disabled && u.Agency != "" {
			sec.Liaisons = append(sec.Liaisons, Choice{strconv.FormatInt(u.ID, 10), u.DisplayName + " (" + agencyName(agencies, u.Agency) + ")"})
		}
	}
	return sec, nil
}

func agencyName(list []escudo.Agency, code string) string {
	for _, a := range list {
		if a.Code == code {
			return a.Name
		}
	}
	return code
}

// formID reads a positive id from a form field; 0 when empty or invalid.

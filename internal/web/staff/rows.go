package staff

import (
	"escudo"
	"escudo/internal/web"
)

// caseRow is one line of a case table with every label already translated
// and formatted. Tables of fifty rows would otherwise make hundreds of
// reflective method calls in the template, the largest part of the time a
// staff page spends in rendering.
type caseRow struct {
	ID                     int64
	Reference, Name        string
	Stage, Admission       string
	Procedure              string
	Extraordinary          bool
	Entity, Assignee       string
	Received, ReceivedISO  string
	HasClock, Overdue      bool
	Clock, ClockStatus     string
	ClockStatusLabel, Left string
	Due, DueISO            string
	Used                   int // share of the clock's limit gone, in percent
	Age                    string
	Pinned                 bool   // imminent danger not yet attended: drawn first and marked
	PinLabel               string // why it is pinned
	ForBoard               bool   // the latest evaluation raised a Board flag
}

func caseRowOf(p *web.Page, c *escudo.Case) caseRow {
	r := caseRow{
		ID: c.ID, Reference: c.Reference,
		Stage:         p.L.T("stage." + string(c.Stage)),
		Admission:     p.L.T("admission." + string(c.Admission)),
		Procedure:     p.L.T("procedure." + string(c.Procedure)),
		Extraordinary: c.Procedure == escudo.ProcedureExtraordinary,
		Entity:        p.Entity(c.Entity),
		Assignee:      c.AssigneeName,
		Received:      p.Time(c.ReceivedAt),
		ReceivedISO:   p.ISO(c.ReceivedAt),
	}
	if c.Person != nil {
		r.Name = c.Person.Name
	}
	return r
}

func caseRows(p *web.Page, cases []*escudo.Case) []caseRow {
	out := make([]caseRow, len(cases))
	for i, c := range cases {
		out[i] = caseRowOf(p, c)
	}
	return out
}

func backlogRows(p *web.Page, rows []escudo.BacklogRow) []caseRow {
	out := make([]caseRow, len(rows))
	for i, b := range rows {
		r := caseRowOf(p, b.Case)
		r.Age = p.Dur(b.Age)
		if r.Pinned = b.Pinned; r.Pinned {
			r.PinLabel = p.L.T("case.pinned_urgent")
			if b.Case.AssignedTo == 0 {
				r.PinLabel = p.L.T("case.pinned_unassigned")
			}
		}
		if k := b.NextClock; k != nil {
			r.HasClock = true
			r.Clock = p.L.T("clock." + k.Rule)
			r.ClockStatus = string(k.Status)
			r.ClockStatusLabel = p.L.T("clockstatus." + string(k.Status))
			r.Due, r.DueISO = p.Time(k.DueAt), p.ISO(k.DueAt)
			r.Used = k.UsedPercent(p.Now)
			left := p.Remaining(*k)
			r.Overdue = p.Overdue(*k)
			if r.Overdue {
				r.Left = p.T("clock.overdue_by", "D", p.Dur(left))
			} else {
				r.Left = p.T("clock.left", "D", p.Dur(left))
			}
		}
		out[i] = r
	}
	return out
}

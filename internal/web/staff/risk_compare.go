package staff

import (
	"net/http"
	"strconv"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/risk"
	"escudo/internal/web"
)

// The history of a case's evaluations with a side-by-side difference of two
// of them, factor by factor (risk.Diff):
// /cases/{id}/evaluations/compare?a=N&b=M. Without a and b, the two latest
// submitted evaluations are compared.

type compareChoice struct {
	ID       int64
	Label    string
	SelA     bool
	SelB     bool
	Level    string
	Analyst  string
	Reason   string
	Date     string
	Previous int64
}

type compareRow struct {
	Group, Label     string
	MeaningA, PointA string
	MeaningB, PointB string
	Changed          bool
}

type compareData struct {
	Case           *escudo.Case
	Choices        []compareChoice
	A, B           *compareChoice
	Rows           []compareRow
	Changed        int
	OtherVersion   bool // a and b used different instrument versions
	LevelA, LevelB string
}

func (s *server) registerCompare() {
	s.Handle("GET /cases/{id}/evaluations/compare", web.Access{Action: access.RiskRead, Object: "case"}, s.handleCompare)
}

func (s *server) handleCompare(w http.ResponseWriter, r *http.Request) {
	id, ok := caseID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	ctx := r.Context()
	c, err := s.DB.FindCaseByID(ctx, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	list, err := s.DB.CaseEvaluations(ctx, id)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	d := &compareData{Case: c}
	p := s.NewPage(r, "compare.title", d)
	var submitted []escudo.Evaluation
	for _, e := range list {
		if e.State == escudo.StateSubmitted {
			submitted = append(submitted, e)
		}
	}
	pick := func(key string, fallback int) int64 {
		if n, err := strconv.ParseInt(r.URL.Query().Get(key), 10, 64); err == nil {
			return n
		}
		if fallback < len(submitted) {
			return submitted[fallback].ID
		}
		return 0
	}
	// Newest first: b is the latest, a the one before it.
	aID, bID := pick("a", 1), pick("b", 0)
	for _, e := range submitted {
		ch := compareChoice{ID: e.ID, Level: p.L.T("risk.level." + string(e.Level)), Analyst: e.AnalystName,
			Reason: p.L.T("compare.why." + string(e.Reason)), Date: p.Time(*e.SubmittedAt), SelA: e.ID == aID, SelB: e.ID == bID}
		ch.Label = p.T("compare.choice", "N", e.ID, "Date", ch.Date, "Level", ch.Level)
		d.Choices = append(d.Choices, ch)
	}
	for i := range d.Choices {
		if d.Choices[i].SelA {
			d.A = &d.Choices[i]
		}
		if d.Choices[i].SelB {
			d.B = &d.Choices[i]
		}
	}
	if (r.URL.Query().Has("a") && d.A == nil) || (r.URL.Query().Has("b") && d.B == nil) {
		// An evaluation of another case, a draft or no evaluation at all.
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if d.A != nil && d.B != nil {
		ea, err := s.DB.Evaluation(ctx, d.A.ID)
		if err != nil {
			s.ErrorPage(w, r, err)
			return
		}
		eb, err := s.DB.Evaluation(ctx, d.B.ID)
		if err != nil {
			s.ErrorPage(w, r, err)
			return
		}
		inst, _, err := s.DB.InstrumentVersion(ctx, eb.Instrument, eb.Version)
		if err != nil {
			s.ErrorPage(w, r, err)
			return
		}
		d.OtherVersion = ea.Instrument != eb.Instrument || ea.Version != eb.Version
		d.LevelA, d.LevelB = d.A.Level, d.B.Level
		lang := p.Lang()
		groups := map[risk.Group]string{}
		for _, g := range inst.Groups {
			groups[g.ID] = g.Label.In(lang)
		}
		for _, row := range risk.Diff(inst, ea.Factors, eb.Factors) {
			cr := compareRow{Group: groups[row.Group], Label: row.Label.In(lang), Changed: row.Changed,
				MeaningA: p.L.T("compare.unanswered"), MeaningB: p.L.T("compare.unanswered"), PointA: "—", PointB: "—"}
			if row.A.Answered {
				cr.MeaningA, cr.PointA = row.A.Meaning.In(lang), strconv.FormatInt(row.A.Points, 10)
			}
			if row.B.Answered {
				cr.MeaningB, cr.PointB = row.B.Meaning.In(lang), strconv.FormatInt(row.B.Points, 10)
			}
			if row.Changed {
				d.Changed++
			}
			d.Rows = append(d.Rows, cr)
		}
	}
	s.Render(w, r, http.StatusOK, "risk_compare", p)
}

package directory

import (
	"net/http"
	"strconv"

	"escudo"
	"escudo/internal/comparison"
	"escudo/internal/web"
)

// Other bodies' protection beside the Mechanism's (issue 15, item 3): the
// rule is escudo.CompareProtection; this page puts its findings in words.

type sideMeasure struct{ Label, Agency string }

type otherSide struct {
	ID                     int64
	Title, Name, Reference string
	IACHR                  bool
	Level, LevelCode       string
	Measures               []string // catalogue measures, by label
	Words, Decided         string
	Findings               []string
}

type protectionData struct {
	Case          *escudo.Case
	Level         string
	LevelCode     string
	Evaluated     string
	CanMeasures   bool
	CanEvaluation bool
	EvaluationID  int64
	Measures      []sideMeasure
	Others        []otherSide
	Conflicts     int
	Gaps          int
}

func (s *server) handleProtection(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	ctx := r.Context()
	c, err := s.DB.FindCaseByID(ctx, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	d := &protectionData{Case: c}
	p := s.NewPage(r, "protection_compare.title", d)
	d.CanMeasures = p.Can("GET /measures/{id}")
	d.CanEvaluation = p.Can("GET /evaluations/{id}")
	evals, err := s.DB.CaseEvaluations(ctx, id)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	var level escudo.RiskLevel
	for _, e := range evals {
		if e.State == escudo.StateSubmitted && e.Level != "" {
			level, d.EvaluationID = e.Level, e.ID
			if e.SubmittedAt != nil {
				d.Evaluated = e.SubmittedAt.In(web.DisplayZone).Format("2006-01-02")
			}
			break
		}
	}
	if level != "" {
		d.Level, d.LevelCode = p.T("risk.level."+string(level)), string(level)
	}
	var granted []escudo.GrantedMeasure
	if d.CanMeasures {
		if granted, err = s.DB.CaseMeasures(ctx, id); err != nil {
			s.ServerError(w, r, err)
			return
		}
	}
	others, err := s.DB.CaseAssessments(ctx, id)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	if !d.CanMeasures {
		// Without the Mechanism's measures, no measure can be said to be
		// missing from them: levels only.
		for i := range others {
			others[i].CatalogueMeasures = nil
		}
	}
	cmp := comparison.Protection(level, granted, others)
	cat := s.DB.Measures()
	label := func(m string) string {
		if x, ok := cat.Find(m); ok {
			return x.Label.In(p.L.Lang)
		}
		return p.T("protection_compare.measure_unlisted")
	}
	for _, g := range granted {
		if !g.Status.Final() {
			d.Measures = append(d.Measures, sideMeasure{Label: label(g.Measure), Agency: g.Agency.Name})
		}
	}
	own := d.Level
	if own == "" {
		own = p.T("protection_compare.no_level")
	}
	for _, a := range cmp.Others {
		o := otherSide{ID: a.ID, Title: p.T("assessment.body." + string(a.Body)), Name: a.BodyName, Reference: a.Reference,
			IACHR: a.Body == escudo.BodyIACHR, Level: p.T("risk.level." + string(a.Level)), LevelCode: string(a.Level), Words: a.Measures,
			Decided: a.DecidedAt.In(web.DisplayZone).Format("2006-01-02")}
		for _, m := range a.CatalogueMeasures {
			o.Measures = append(o.Measures, label(m))
		}
		who := o.Title
		if a.BodyName != "" {
			who = a.BodyName
		}
		if o.IACHR {
			who = p.T("protection_compare.iachr_who", "Number", a.Reference)
		}
		for _, f := range cmp.Findings {
			if f.AssessmentID != a.ID {
				continue
			}
			args := []any{"Body", who, "Level", o.Level, "Own", own, "Measure", label(f.Measure)}
			o.Findings = append(o.Findings, p.T("protection_compare.finding."+string(f.Kind), args...))
			if f.Conflict() {
				d.Conflicts++
			} else {
				d.Gaps++
			}
		}
		d.Others = append(d.Others, o)
	}
	s.Render(w, r, http.StatusOK, "protection_compare", p)
}

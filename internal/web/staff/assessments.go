package staff

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/web"
)

// Other bodies' assessments of a case (issue 13, item 6): their own page,
// /cases/{id}/assessments, with the list and the form to record one, and a
// short summary the case page includes (template "case_assessments",
// part_assessments.html).

func (s *server) registerAssessments() {
	s.Handle("GET /cases/{id}/assessments", web.Access{Action: access.RiskRead, Object: "case"}, s.handleAssessments)
	s.Handle("POST /cases/{id}/assessments", web.Access{Action: access.RiskAssessment, Object: "case"}, s.handleRecordAssessment)
	s.Handle("POST /cases/{id}/assessments/end", web.Access{Action: access.RiskAssessment, Object: "case"}, s.handleEndAssessment)
}

// assessmentRow is one assessment with its labels translated.
type assessmentRow struct {
	ID                  int64
	Body, BodyName      string
	Reference, Level    string
	LevelCode           string // for the level's colour class
	Measures, Document  string
	Decided, DecidedISO string
	InForce             bool
	Ended, RecordedBy   string
	Catalogue           []string // the catalogue measures it set, by label
}

// AssessmentSummary is what the case page's assessments section shows: the
// case, its assessments in force first, and how many are in force.
type AssessmentSummary struct {
	CaseID  int64
	Rows    []assessmentRow
	InForce int
}

type assessmentsData struct {
	Case      *escudo.Case
	Summary   *AssessmentSummary
	Bodies    []labelled
	Levels    []labelled
	Catalogue []labelled // the measures the form offers to tick
	Today     string
	CanRecord bool
}

// labelled is a choice of a form: its value and its words.
type labelled struct{ Value, Label string }

// CaseAssessments loads a case's assessments for the case page's section
// (template "case_assessments"): the integrator's casePage sets
// caseData.Assessments with it when p.Can("GET /cases/{id}/assessments").
func (s *server) CaseAssessments(r *http.Request, p *web.Page, caseID int64) (*AssessmentSummary, error) {
	list, err := s.DB.CaseAssessments(r.Context(), caseID)
	if err != nil {
		return nil, err
	}
	sum := &AssessmentSummary{CaseID: caseID}
	for _, a := range list {
		row := assessmentRow{ID: a.ID, Body: p.L.T("assessment.body." + string(a.Body)), BodyName: a.BodyName, Reference: a.Reference,
			Level: p.L.T("risk.level." + string(a.Level)), LevelCode: string(a.Level), Measures: a.Measures, Document: a.Document,
			Decided: a.DecidedAt.In(web.DisplayZone).Format("2006-01-02"), DecidedISO: p.ISO(a.DecidedAt), InForce: a.InForce(), RecordedBy: a.RecordedBy}
		for _, m := range a.CatalogueMeasures {
			if x, ok := s.DB.Measures().Find(m); ok {
				row.Catalogue = append(row.Catalogue, x.Label.In(p.L.Lang))
			}
		}
		if a.EndedAt != nil {
			row.Ended = p.Time(*a.EndedAt)
		} else {
			sum.InForce++
		}
		sum.Rows = append(sum.Rows, row)
	}
	return sum, nil
}

func (s *server) assessmentsPage(r *http.Request, id int64) (*web.Page, error) {
	c, err := s.DB.FindCaseByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &assessmentsData{Case: c, Today: s.DB.Now().In(web.DisplayZone).Format("2006-01-02")}
	p := s.NewPage(r, "assessments.title", d)
	if d.Summary, err = s.CaseAssessments(r, p, id); err != nil {
		return nil, err
	}
	d.CanRecord = p.Can("POST /cases/{id}/assessments")
	for _, b := range escudo.AssessmentBodies {
		d.Bodies = append(d.Bodies, labelled{string(b), p.L.T("assessment.body." + string(b))})
	}
	for _, l := range escudo.RiskLevels {
		d.Levels = append(d.Levels, labelled{string(l), p.L.T("risk.level." + string(l))})
	}
	for _, m := range s.DB.Measures().Measures {
		if !m.Retired {
			d.Catalogue = append(d.Catalogue, labelled{m.ID, m.Label.In(p.L.Lang)})
		}
	}
	return p, nil
}

func (s *server) handleAssessments(w http.ResponseWriter, r *http.Request) {
	id, ok := caseID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.assessmentsPage(r, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "assessments", p)
}

// assessmentDay reads a decision date as entered (a day), at noon in the
// display zone, so that it reads as the same day all over Mexico.
func assessmentDay(day string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(day), web.DisplayZone)
	if err != nil {
		return time.Time{}, false
	}
	return t.Add(12 * time.Hour), true
}

func (s *server) handleRecordAssessment(w http.ResponseWriter, r *http.Request) {
	id, ok := caseID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	a := &escudo.Assessment{CaseID: id, Body: escudo.AssessmentBody(f.Get("body")), BodyName: f.Get("body_name"), Reference: f.Get("number"),
		Level: escudo.RiskLevel(f.Get("level")), Measures: f.Get("measures"), Document: f.Get("document"), CatalogueMeasures: f["catalogue_measures"]}
	var err error
	if day, ok := assessmentDay(f.Get("decided_at")); ok {
		a.DecidedAt = day
		_, err = s.DB.RecordAssessment(r.Context(), a)
	} else if err = a.Validate(s.DB.Now()); err == nil {
		err = escudo.FieldError("decided_at", "validation.date", nil)
	}
	s.assessmentDone(w, r, id, err, "assessments.done_record")
}

func (s *server) handleEndAssessment(w http.ResponseWriter, r *http.Request) {
	id, ok := caseID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	aid, err := strconv.ParseInt(r.PostForm.Get("assessment"), 10, 64)
	if err != nil || aid <= 0 {
		err = escudo.FieldError("assessment", "assessment.choose", nil)
	} else {
		err = s.DB.EndAssessment(r.Context(), id, aid)
	}
	s.assessmentDone(w, r, id, err, "assessments.done_end")
}

// assessmentDone answers a form of the page: back to the list on success,
// the page again with the messages otherwise.
func (s *server) assessmentDone(w http.ResponseWriter, r *http.Request, id int64, err error, done string) {
	if err == nil {
		s.Flash(r, done)
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"/assessments", http.StatusSeeOther)
		return
	}
	_, invalid := escudo.AsValidation(err)
	if !invalid && escudo.ErrorCode(err) != escudo.ECONFLICT {
		s.ErrorPage(w, r, err)
		return
	}
	p, perr := s.assessmentsPage(r, id)
	if perr != nil {
		s.ErrorPage(w, r, perr)
		return
	}
	status := http.StatusConflict
	if invalid {
		p.Form = r.PostForm
		p.SetErrors("", err)
		status = http.StatusBadRequest
	} else {
		p.Error = p.L.T(escudo.ErrorKey(err))
	}
	s.Render(w, r, status, "assessments", p)
}

package staff

import (
	"net/http"
	"strconv"
	"strings"

	"escudo"
	"escudo/internal/procedure"
	"escudo/internal/store"
	"escudo/internal/web"
)

type caseData struct {
	Case       *escudo.Case
	Events     []escudo.Event
	Staff      []assigneeOption // who the case may be assigned to, with their workload
	Milestones []escudo.Milestone
	Users      map[int64]string // display names for timeline details
	NowLocal   string           // default for the milestone time input
	// Evaluations of the case's risk, newest first, for who may read them.
	Evaluations []escudo.Evaluation
	// EvalKinds are the kinds of evaluation this person may start here.
	EvalKinds []escudo.EvaluationKind
	// Assessments are other bodies' assessments of the case, for who may
	// see them (nil: no section).
	Assessments *AssessmentSummary
	// Measures is the section "Medidas de protección" (nil: no section).
	Measures *web.MeasuresSection
	// Letters of the case's resolutions, for who may read them.
	Letters   []store.Letter
	Board     *web.CaseBoard        // the Board's resolutions, for who reads the Board
	SafeHouse *web.SafeHouseSection // status only, for who may ask for a place
	Incidents any                   // the incidents' section (internal/web/prevention), nil: none
}

// caseID reads {id} from the path; anything but a positive number is an
// unknown case.
func caseID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *server) handleCase(w http.ResponseWriter, r *http.Request) {
	id, ok := caseID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.casePage(r, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "case", p)
}

// casePage loads everything the case page shows.
func (s *server) casePage(r *http.Request, id int64) (*web.Page, error) {
	ctx := r.Context()
	c, err := s.DB.FindCaseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	events, err := s.DB.Timeline(ctx, id)
	if err != nil {
		return nil, err
	}
	web.RedactCase(c, web.DecisionFrom(r), s.RecentlyAuthenticated(r))
	web.RedactNotes(events, web.DecisionFrom(r))
	users, err := s.DB.FindUsers(ctx)
	if err != nil {
		return nil, err
	}
	d := &caseData{Case: c, Events: events, Users: map[int64]string{}}
	p := s.NewPage(r, "case.title", d)
	// Who may assign sees each person's open and overdue cases by their name.
	var load map[int64]escudo.Workload
	if c.Open() && p.Can("POST /cases/{id}/assign") {
		if load, err = s.DB.Workload(ctx); err != nil {
			return nil, err
		}
	}
	for _, u := range users {
		d.Users[u.ID] = u.DisplayName
		if u.Role.Staff() && !u.Disabled {
			d.Staff = append(d.Staff, assigneeOption{ID: strconv.FormatInt(u.ID, 10), Name: u.DisplayName, Role: p.L.T("role." + string(u.Role)), Workload: load[u.ID]})
		}
	}
	// Only the steps this person may record now on this case are offered;
	// reception and admission are recorded by their own actions.
	var role escudo.Role
	if u := escudo.UserFromContext(ctx); u != nil {
		role = u.Role
	}
	st := procedure.State{Procedure: c.Procedure, Stage: c.Stage, ReceivedAt: c.ReceivedAt, AssignedTo: c.AssignedTo}
	d.Milestones = procedure.AllowedMilestones(s.DB.MilestoneRules(), st, role)
	d.NowLocal = s.DB.Now().In(web.DisplayZone).Format("2006-01-02T15:04")
	if p.Can("GET /evaluations/{id}") {
		if d.Evaluations, err = s.DB.CaseEvaluations(ctx, id); err != nil {
			return nil, err
		}
	}
	if p.Can("GET /cases/{id}/assessments") {
		if d.Assessments, err = s.CaseAssessments(r, p, id); err != nil {
			return nil, err
		}
	}
	if d.Measures, err = s.CaseMeasures(r, p, c); err != nil {
		return nil, err
	}
	if p.Can("GET /cases/{id}/letters/{letter}") {
		if d.Letters, err = s.DB.CaseLetters(ctx, id); err != nil {
			return nil, err
		}
	}
	if d.Board, err = s.CaseBoard(r, p, id); err != nil {
		return nil, err
	}
	if d.SafeHouse, err = s.CaseSafeHouse(r, p, id, c.Open()); err != nil {
		return nil, err
	}
	if s.Core.CaseIncidents != nil {
		if d.Incidents, err = s.Core.CaseIncidents(r, p, id); err != nil {
			return nil, err
		}
	}
	if c.Open() && p.Can("POST /cases/{id}/evaluations") {
		for _, k := range []escudo.EvaluationKind{escudo.EvaluationImmediate, escudo.EvaluationFull} {
			if procedure.MayEvaluate(st, k, escudo.ReasonInitial, role) == nil {
				d.EvalKinds = append(d.EvalKinds, k)
			}
		}
	}
	return p, nil
}

// caseAction runs one of the case page's forms. On invalid input the page is
// shown again with the person's input and the messages next to the fields;
// on success the browser goes back to the case with a confirmation.
func (s *server) caseAction(form, done string, act func(r *http.Request, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := caseID(r)
		if !ok {
			s.RenderError(w, r, http.StatusNotFound, "error.not_found")
			return
		}
		if !s.ParseForm(w, r) {
			return
		}
		err := act(r, id)
		if err == nil {
			s.Flash(r, done)
			http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"#"+form, http.StatusSeeOther)
			return
		}
		if _, invalid := escudo.AsValidation(err); !invalid {
			// A step refused by the procedure (wrong stage, or not this
			// role's) is explained on the case page itself.
			if code := escudo.ErrorCode(err); code == escudo.ECONFLICT || (code == escudo.EFORBIDDEN && form == "milestone") {
				p, perr := s.casePage(r, id)
				if perr != nil {
					s.ErrorPage(w, r, perr)
					return
				}
				p.Error = p.L.T(escudo.ErrorKey(err))
				status := http.StatusConflict
				if code == escudo.EFORBIDDEN {
					status = http.StatusForbidden
				}
				s.Render(w, r, status, "case", p)
				return
			}
			s.ErrorPage(w, r, err)
			return
		}
		p, perr := s.casePage(r, id)
		if perr != nil {
			s.ErrorPage(w, r, perr)
			return
		}
		p.Form = r.PostForm
		p.SetErrors(form, err)
		s.Render(w, r, http.StatusBadRequest, "case", p)
	}
}

func (s *server) actAdmission(r *http.Request, id int64) error {
	f := r.PostForm
	return s.DB.DecideAdmission(r.Context(), id, escudo.AdmissionDecision{
		Admission: escudo.Admission(f.Get("admission")),
		Reason:    strings.TrimSpace(f.Get("reason")),
		Procedure: escudo.Procedure(f.Get("procedure")),
	})
}

func (s *server) actAssign(r *http.Request, id int64) error {
	uid, err := strconv.ParseInt(r.PostForm.Get("assignee"), 10, 64)
	if err != nil || uid <= 0 {
		return escudo.FieldError("assignee", "validation.assignee", nil)
	}
	return s.DB.AssignCase(r.Context(), id, uid, r.PostForm.Get("note"))
}

func (s *server) actMilestone(r *http.Request, id int64) error {
	at, ok := web.ParseLocalTime(r.PostForm.Get("at"))
	if !ok {
		return escudo.FieldError("at", "validation.date", nil)
	}
	m := escudo.Milestone(r.PostForm.Get("milestone"))
	return s.DB.RecordMilestone(r.Context(), id, m, at, strings.TrimSpace(r.PostForm.Get("note")))
}

func (s *server) actNote(r *http.Request, id int64) error {
	return s.DB.AddNote(r.Context(), id, r.PostForm.Get("note"))
}

package staff

import (
	"net/http"
	"strconv"
	"strings"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/web"
)

// Appeals (inconformidad, issue 13 item 8): the case's appeals with the
// form to file one and the beneficiary's answer (/cases/{id}/appeals), and
// the Consultative Council's list with the study and ruling forms
// (/appeals). The study's deadline shows as a clock.

type appealRow struct {
	ID                   int64
	CaseID               int64
	Reference            string
	State, StateLabel    string
	Grounds              string
	Filed                string
	OldLevel, NewLevel   string
	Study, Ruling        string
	HasStudy             bool
	Clock                escudo.ClockState
	ClockLabel, ClockDue string
	Overdue              bool
	Ruled                string
}

type appealsData struct {
	Case   *escudo.Case
	Rows   []appealRow
	Window int // days
	Open   bool
}

func (s *server) registerAppeals() {
	s.Handle("GET /cases/{id}/appeals", web.Access{Action: access.RiskAppeal, Object: "case"}, s.handleCaseAppeals)
	s.Handle("POST /cases/{id}/appeals", web.Access{Action: access.RiskAppeal, Object: "case"}, s.appealAction(true, s.actFileAppeal))
	s.Handle("POST /cases/{id}/appeals/answer", web.Access{Action: access.RiskAppeal, Object: "case"}, s.appealAction(true, s.actAnswerAppeal))
	s.Handle("GET /appeals", web.Access{Action: access.RiskAppealRule}, s.handleCouncilAppeals)
	s.Handle("POST /appeals/study", web.Access{Action: access.RiskAppealRule}, s.appealAction(false, s.actStudy))
	s.Handle("POST /appeals/rule", web.Access{Action: access.RiskAppealRule}, s.appealAction(false, s.actRule))
}

func (s *server) appealRows(p *web.Page, list []escudo.Appeal) []appealRow {
	var out []appealRow
	for _, a := range list {
		row := appealRow{ID: a.ID, CaseID: a.CaseID, Reference: a.Reference, State: a.State, StateLabel: p.L.T("appeal.state." + a.State),
			Grounds: a.Grounds, Filed: p.Time(a.FiledAt), OldLevel: p.L.T("risk.level." + string(a.OldLevel)), Study: a.Study, Ruling: a.Ruling}
		if a.NewLevel != "" {
			row.NewLevel = p.L.T("risk.level." + string(a.NewLevel))
		}
		if a.StudyDueAt != nil {
			row.HasStudy = true
			row.Clock = escudo.ClockState{Rule: "appeal_study", StartedAt: *a.StudyStartedAt, DueAt: *a.StudyDueAt, StoppedAt: a.RuledAt}
			row.Clock.Evaluate(p.Now, 0)
			row.ClockLabel = p.L.T("clockstatus." + string(row.Clock.Status))
			row.ClockDue = p.Time(*a.StudyDueAt)
			row.Overdue = p.Overdue(row.Clock)
		}
		if a.RuledAt != nil {
			row.Ruled = p.Time(*a.RuledAt)
		}
		out = append(out, row)
	}
	return out
}

func (s *server) caseAppealsPage(r *http.Request, id int64) (*web.Page, error) {
	c, err := s.DB.FindCaseByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	list, err := s.DB.Appeals(r.Context(), id, false)
	if err != nil {
		return nil, err
	}
	d := &appealsData{Case: c, Window: int(escudo.DefaultAppealWindow.Hours() / 24)}
	p := s.NewPage(r, "appeals.title", d)
	d.Rows = s.appealRows(p, list)
	for _, a := range d.Rows {
		d.Open = d.Open || a.State == "filed" || a.State == "persisted" || a.State == "study"
	}
	return p, nil
}

func (s *server) councilPage(r *http.Request) (*web.Page, error) {
	list, err := s.DB.Appeals(r.Context(), 0, true)
	if err != nil {
		return nil, err
	}
	d := &appealsData{}
	p := s.NewPage(r, "appeals.council_title", d)
	d.Rows = s.appealRows(p, list)
	return p, nil
}

func (s *server) handleCaseAppeals(w http.ResponseWriter, r *http.Request) {
	id, ok := caseID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.caseAppealsPage(r, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "appeals", p)
}

func (s *server) handleCouncilAppeals(w http.ResponseWriter, r *http.Request) {
	p, err := s.councilPage(r)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "appeals_council", p)
}

// appealAction runs one of the appeal forms: back to its page on success,
// the page again with the messages otherwise.
func (s *server) appealAction(onCase bool, act func(r *http.Request, caseID int64) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var id int64
		if onCase {
			var ok bool
			if id, ok = caseID(r); !ok {
				s.RenderError(w, r, http.StatusNotFound, "error.not_found")
				return
			}
		}
		if !s.ParseForm(w, r) {
			return
		}
		done, err := act(r, id)
		back := "/appeals"
		if onCase {
			back = "/cases/" + strconv.FormatInt(id, 10) + "/appeals"
		}
		if err == nil {
			s.Flash(r, done)
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		_, invalid := escudo.AsValidation(err)
		if !invalid && escudo.ErrorCode(err) != escudo.ECONFLICT {
			s.ErrorPage(w, r, err)
			return
		}
		var p *web.Page
		var perr error
		name := "appeals"
		if onCase {
			p, perr = s.caseAppealsPage(r, id)
		} else {
			name = "appeals_council"
			p, perr = s.councilPage(r)
		}
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
		s.Render(w, r, status, name, p)
	}
}

// formAppeal reads the appeal a form names; on the case's page it must be
// one of the case's.
func (s *server) formAppeal(r *http.Request, caseID int64) (int64, error) {
	id, err := strconv.ParseInt(r.PostForm.Get("appeal"), 10, 64)
	if err != nil || id <= 0 {
		return 0, escudo.FieldError("appeal", "appeal.choose", nil)
	}
	if caseID > 0 {
		c, err := s.DB.AppealCase(r.Context(), id)
		if err != nil || c != caseID {
			return 0, escudo.FieldError("appeal", "appeal.choose", nil)
		}
	}
	return id, nil
}

func (s *server) actFileAppeal(r *http.Request, id int64) (string, error) {
	_, err := s.DB.FileAppeal(r.Context(), id, r.PostForm.Get("grounds"))
	return "appeals.done_filed", err
}

func (s *server) actAnswerAppeal(r *http.Request, id int64) (string, error) {
	aid, err := s.formAppeal(r, id)
	if err != nil {
		return "", err
	}
	switch strings.TrimSpace(r.PostForm.Get("answer")) {
	case "agree":
		return "appeals.done_agreed", s.DB.AppealAnswer(r.Context(), aid, true)
	case "persist":
		return "appeals.done_persisted", s.DB.AppealAnswer(r.Context(), aid, false)
	}
	return "", escudo.FieldError("answer", "validation.choice", nil)
}

func (s *server) actStudy(r *http.Request, _ int64) (string, error) {
	aid, err := s.formAppeal(r, 0)
	if err != nil {
		return "", err
	}
	return "appeals.done_study", s.DB.CommissionStudy(r.Context(), aid, r.PostForm.Get("study"))
}

func (s *server) actRule(r *http.Request, _ int64) (string, error) {
	aid, err := s.formAppeal(r, 0)
	if err != nil {
		return "", err
	}
	return "appeals.done_ruled", s.DB.RuleAppeal(r.Context(), aid, r.PostForm.Get("ruling"))
}

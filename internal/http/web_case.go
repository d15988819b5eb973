package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"escudo"
)

type caseData struct {
	Case       *escudo.Case
	Events     []escudo.Event
	Staff      []*escudo.User
	Milestones []escudo.Milestone
	Users      map[int64]string // display names for timeline details
	NowLocal   string           // default for the milestone time input
}

// caseID reads {id} from the path; anything but a positive number is an
// unknown case.
func caseID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) handleCase(w http.ResponseWriter, r *http.Request) {
	id, ok := caseID(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.casePage(r, id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.popFlash(r, p)
	s.render(w, r, http.StatusOK, "case", p)
}

// casePage loads everything the case page shows.
func (s *Server) casePage(r *http.Request, id int64) (*page, error) {
	ctx := r.Context()
	c, err := s.db.FindCaseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	events, err := s.db.Timeline(ctx, id)
	if err != nil {
		return nil, err
	}
	redactCase(c, decisionFrom(r), s.recentlyAuthenticated(r))
	redactNotes(events, decisionFrom(r))
	users, err := s.db.FindUsers(ctx)
	if err != nil {
		return nil, err
	}
	d := &caseData{Case: c, Events: events, Users: map[int64]string{}}
	for _, u := range users {
		d.Users[u.ID] = u.DisplayName
		if u.Role.Staff() && !u.Disabled {
			d.Staff = append(d.Staff, u)
		}
	}
	for _, m := range escudo.Milestones {
		// Reception and admission are recorded by their own actions.
		if m != escudo.MilestoneReceived && m != escudo.MilestoneAdmitted {
			d.Milestones = append(d.Milestones, m)
		}
	}
	d.NowLocal = s.db.Now().In(displayZone).Format("2006-01-02T15:04")
	return s.newPage(r, "case.title", d), nil
}

// caseAction runs one of the case page's forms. On invalid input the page is
// shown again with the person's input and the messages next to the fields;
// on success the browser goes back to the case with a confirmation.
func (s *Server) caseAction(form, done string, act func(r *http.Request, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := caseID(r)
		if !ok {
			s.renderError(w, r, http.StatusNotFound, "error.not_found")
			return
		}
		if !s.parseForm(w, r) {
			return
		}
		err := act(r, id)
		if err == nil {
			s.flash(r, done)
			http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"#"+form, http.StatusSeeOther)
			return
		}
		if _, invalid := escudo.AsValidation(err); !invalid {
			if code := escudo.ErrorCode(err); code == escudo.ECONFLICT {
				p, perr := s.casePage(r, id)
				if perr != nil {
					s.errorPage(w, r, perr)
					return
				}
				p.Error = p.L.T(escudo.ErrorKey(err))
				s.render(w, r, http.StatusConflict, "case", p)
				return
			}
			s.errorPage(w, r, err)
			return
		}
		p, perr := s.casePage(r, id)
		if perr != nil {
			s.errorPage(w, r, perr)
			return
		}
		p.Form = r.PostForm
		p.setErrors(form, err)
		s.render(w, r, http.StatusBadRequest, "case", p)
	}
}

func (s *Server) actAdmission(r *http.Request, id int64) error {
	f := r.PostForm
	return s.db.DecideAdmission(r.Context(), id, escudo.AdmissionDecision{
		Admission: escudo.Admission(f.Get("admission")),
		Reason:    strings.TrimSpace(f.Get("reason")),
		Procedure: escudo.Procedure(f.Get("procedure")),
	})
}

func (s *Server) actAssign(r *http.Request, id int64) error {
	uid, err := strconv.ParseInt(r.PostForm.Get("assignee"), 10, 64)
	if err != nil || uid <= 0 {
		return escudo.FieldError("assignee", "validation.assignee", nil)
	}
	return s.db.AssignCase(r.Context(), id, uid, r.PostForm.Get("note"))
}

func (s *Server) actMilestone(r *http.Request, id int64) error {
	at, ok := parseLocalTime(r.PostForm.Get("at"))
	if !ok {
		return escudo.FieldError("at", "validation.date", nil)
	}
	m := escudo.Milestone(r.PostForm.Get("milestone"))
	return s.db.RecordMilestone(r.Context(), id, m, at, strings.TrimSpace(r.PostForm.Get("note")))
}

func (s *Server) actNote(r *http.Request, id int64) error {
	return s.db.AddNote(r.Context(), id, r.PostForm.Get("note"))
}

// Remaining is the time left on a clock, negative when breached.
func (p *page) Remaining(c escudo.ClockState) time.Duration { return c.DueAt.Sub(p.Now) }

// Overdue reports whether a running clock is past its deadline.
func (p *page) Overdue(c escudo.ClockState) bool { return c.StoppedAt == nil && p.Now.After(c.DueAt) }

// EventDetail turns an event's stored detail into words.
func (p *page) EventDetail(e escudo.Event, users map[int64]string) string {
	name := func(s string) string {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id == 0 {
			return p.T("case.nobody")
		}
		if n, ok := users[id]; ok {
			return n
		}
		return "#" + s
	}
	switch e.Kind {
	case escudo.EventReceived:
		ch, proc, _ := strings.Cut(e.Detail, ":")
		return p.T("channel."+ch) + " · " + p.T("procedure."+proc)
	case escudo.EventAdmission:
		adm, proc, _ := strings.Cut(e.Detail, ":")
		return p.T("admission."+adm) + " · " + p.T("procedure."+proc)
	case escudo.EventAssigned:
		return name(e.Detail)
	case escudo.EventReassigned:
		from, to, _ := strings.Cut(e.Detail, ">")
		return name(from) + " → " + name(to)
	case escudo.EventMilestone:
		return p.T("milestone." + e.Detail)
	case escudo.EventClockBreach, escudo.EventEscalation:
		rule, level, _ := strings.Cut(e.Detail, ":")
		if e.Kind == escudo.EventEscalation {
			return p.T("clock."+rule) + " · " + p.T("case.escalation_level", "N", level)
		}
		return p.T("clock." + rule)
	}
	return e.Detail
}

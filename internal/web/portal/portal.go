// Package portal serves the beneficiary portal (issue 16; docs/portal.md):
// the person's own case in plain words, with its running deadlines, the
// letters, the explanation of their risk evaluation, their measures with
// their status and deadlines, their devices and who read their data; and
// their voice on it: confirm, dispute or rate a measure, report an
// incident (urgent ones ring on the duty console), ask to be heard by the
// Board, appeal within the window, answer a request for more
// information, choose how and when to be contacted, grant and revoke
// consent. Every route is the permission table's portal.read or
// portal.act of scope Own: only a beneficiary, only on their own case. The
// pages are small (no script, one style sheet) for a slow phone.
package portal

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/procedure"
	"escudo/internal/store"
	"escudo/internal/web"
)

type server struct{ *web.Core }

// Register mounts the portal's pages and forms.
func Register(c *web.Core) {
	s := &server{c}
	read := func(object string) web.Access { return web.Access{Action: access.PortalRead, Object: object} }
	act := func(object string) web.Access { return web.Access{Action: access.PortalAct, Object: object} }
	s.Handle("GET /portal", web.Access{Action: access.PortalRead, Own: true}, s.page(s.handleHome))
	s.Handle("GET /portal/cases/{id}", read("case"), s.page(s.handleCase))
	s.Handle("POST /portal/cases/{id}/answer", act("case"), s.caseForm(s.actAnswer, "portal.done_answer"))
	s.Handle("POST /portal/cases/{id}/hearing", act("case"), s.caseForm(s.actHearing, "portal.done_hearing"))
	s.Handle("GET /portal/measures/{id}", read("measure"), s.page(s.handleMeasure))
	s.Handle("POST /portal/measures/{id}/confirmation", act("measure"), s.measureForm(s.actConfirm, "portal.done_confirmation"))
	s.Handle("POST /portal/measures/{id}/rating", act("measure"), s.measureForm(s.actRate, "portal.done_rating"))
	s.Handle("GET /portal/cases/{id}/incident", read("case"), s.page(s.handleIncidentForm))
	s.Handle("POST /portal/cases/{id}/incident", act("case"), s.FormAction(s.actIncident, "portal.done_incident", s.incidentPage))
	s.Handle("GET /portal/cases/{id}/appeal", read("case"), s.page(s.handleAppealForm))
	s.Handle("POST /portal/cases/{id}/appeal", act("case"), s.FormAction(s.actAppeal, "portal.done_appeal", s.appealPage))
	s.Handle("GET /portal/cases/{id}/contact", read("case"), s.page(s.handleContactForm))
	s.Handle("POST /portal/cases/{id}/contact", act("case"), s.FormAction(s.actContact, "portal.done_contact", s.contactPage))
	s.Handle("GET /portal/cases/{id}/privacy", read("case"), s.page(s.handlePrivacy))
	s.Handle("POST /portal/cases/{id}/consents", act("case"), s.FormAction(s.actGrant, "portal.done_grant", s.privacyPage))
	s.Handle("POST /portal/cases/{id}/consents/revoke", act("case"), s.FormAction(s.actRevoke, "portal.done_revoke", s.privacyPage))
}

// page wraps a portal page so that its reads, audited one by one by the
// store calls that make it, are written in one commit just before it is
// shown (store.DeferAudits; web.Core.Render flushes them): the case page
// reads through six audited calls and would otherwise wait for six fsyncs.
// Whatever a handler read without rendering is written when it returns.
func (s *server) page(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(store.DeferAudits(r.Context()))
		h(w, r)
		if err := s.DB.FlushAudits(r.Context()); err != nil {
			s.Log.Error("portal: audit of reads not written", "path", r.URL.Path, "err", err)
		}
	}
}

func pathID(r *http.Request) int64 {
	id, _ := web.PathID(r.PathValue("id"))
	return id
}

func caseURL(id int64) string { return "/portal/cases/" + strconv.FormatInt(id, 10) }

// homeData is the first page of a person with several cases.
type homeData struct {
	Cases []caseLink
}

type caseLink struct {
	ID               int64
	Reference, Stage string
	Received, ISO    string
	Closed           bool
	StageExplanation string
}

// handleHome is the portal's first page: the person's case, or the list of
// their cases when there are several (a closed one and a new request).
func (s *server) handleHome(w http.ResponseWriter, r *http.Request) {
	u := escudo.UserFromContext(r.Context())
	cases, err := s.DB.PersonCases(r.Context(), u.PersonID)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	if len(cases) == 1 {
		p, err := s.casePage(r, cases[0].ID)
		if err != nil {
			s.ErrorPage(w, r, err)
			return
		}
		s.PopFlash(r, p)
		s.Render(w, r, http.StatusOK, "portal_case", p)
		return
	}
	d := &homeData{}
	p := s.NewPage(r, "portal.title", d)
	for _, c := range cases {
		d.Cases = append(d.Cases, caseLink{ID: c.ID, Reference: c.Reference, Stage: p.T("stage." + string(c.Stage)),
			StageExplanation: p.T("portal.stage." + string(c.Stage)), Received: p.Date(c.ReceivedAt), ISO: p.ISO(c.ReceivedAt), Closed: c.Stage == escudo.StageClosed})
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "portal_home", p)
}

// caseData is the portal's page of one case.
type caseData struct {
	ID                  int64
	Reference           string
	Stage, StageHelp    string
	Procedure, Received string
	Extraordinary       bool
	Clocks              []clockRow
	Measures            []web.MeasureItem
	Letters             []letterRow
	Evaluation          *evaluationRow
	AppealOpen          bool
	AppealUntil         string
	Appeals             []appealRow
	Devices             []deviceRow
	Incidents           []incidentRow
	Info                string // what staff asked for, while the answer is awaited
	Hearing             string // when they asked to be heard; "" when they did not
	CanAskHearing       bool
	Closed              bool
}

type clockRow struct {
	Name, Due, ISO, Left string
	Late                 bool
}

type letterRow struct {
	ID                     int64
	Title, Issued, ISO     string
	Identifier, Superseded string
}

type evaluationRow struct {
	ID          int64
	Level, Date string
}

type appealRow struct{ State, Filed string }

type deviceRow struct {
	Name, LastSeen, State string
	Silent, Unknown       bool
}

type incidentRow struct {
	Kind, When string
	Urgent     bool
}

// casePage gathers the case as its person reads it. Every read is audited
// by the store functions it calls, as for staff.
func (s *server) casePage(r *http.Request, id int64) (*web.Page, error) {
	ctx := r.Context()
	c, err := s.DB.FindCaseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &caseData{ID: c.ID, Reference: c.Reference, Closed: c.Stage == escudo.StageClosed, Extraordinary: c.Procedure == escudo.ProcedureExtraordinary}
	p := s.NewPage(r, "portal.title", d)
	now := s.DB.Now()
	d.Stage, d.StageHelp = p.T("stage."+string(c.Stage)), p.T("portal.stage."+string(c.Stage))
	d.Procedure, d.Received = p.T("procedure."+string(c.Procedure)), p.Date(c.ReceivedAt)
	clocks, err := s.DB.CaseClocks(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, k := range clocks {
		if k.StoppedAt != nil {
			continue
		}
		row := clockRow{Name: p.T("portal.clock." + k.Rule), Due: p.Time(k.DueAt), ISO: p.ISO(k.DueAt), Late: now.After(k.DueAt)}
		if row.Late {
			row.Left = p.T("clock.overdue_by", "D", p.Dur(now.Sub(k.DueAt)))
		} else {
			row.Left = p.T("clock.left", "D", p.Dur(k.DueAt.Sub(now)))
		}
		d.Clocks = append(d.Clocks, row)
	}
	list, err := s.DB.CaseMeasures(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.Measures, err = s.MeasureItems(r, p, list); err != nil {
		return nil, err
	}
	letters, err := s.DB.CaseLetters(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, l := range letters {
		if l.AgencyID != 0 {
			continue // the agencies' instructions are theirs; the person's letter is the notification
		}
		row := letterRow{ID: l.ID, Title: p.T("portal.letter_title", "Resolution", l.Resolution), Issued: p.Date(l.IssuedAt), ISO: p.ISO(l.IssuedAt), Identifier: l.Identifier}
		if l.SupersededBy != 0 {
			row.Superseded = l.SupersededIdent
		}
		d.Letters = append(d.Letters, row)
	}
	evals, err := s.DB.CaseEvaluations(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, e := range evals {
		if e.State != escudo.StateSubmitted || e.SubmittedAt == nil {
			continue
		}
		if d.Evaluation == nil || e.SubmittedAt.After(*latest(evals, d.Evaluation.ID)) {
			d.Evaluation = &evaluationRow{ID: e.ID, Level: p.T("risk.level." + string(e.Level)), Date: p.Date(*e.SubmittedAt)}
		}
	}
	if d.Evaluation != nil {
		submitted := *latest(evals, d.Evaluation.ID)
		until := procedure.AppealWindowEnds(submitted, s.DB.AppealWindow())
		d.AppealOpen, d.AppealUntil = now.Before(until) && !d.Closed, p.Date(until)
	}
	appeals, err := s.DB.Appeals(ctx, id, false)
	if err != nil {
		return nil, err
	}
	for _, a := range appeals {
		d.Appeals = append(d.Appeals, appealRow{State: p.T("appeal.state." + a.State), Filed: p.Date(a.FiledAt)})
		if a.State == string(procedure.AppealFiled) || a.State == string(procedure.AppealPersisted) || a.State == string(procedure.AppealStudy) {
			d.AppealOpen = false // one at a time
		}
	}
	devices, err := s.DB.FindDevices(ctx, c.PersonID)
	if err != nil {
		return nil, err
	}
	for _, dv := range devices {
		if dv.Disabled {
			continue
		}
		row := deviceRow{Name: p.T("device.kind." + string(dv.Kind))}
		if dv.Label != "" {
			row.Name += " · " + dv.Label
		}
		st := s.heartbeat(dv.ID)
		switch {
		case st.LastSeen.IsZero() || st.LastSeen.Unix() <= 0:
			row.Unknown, row.State = true, p.T("portal.device_never")
		case st.Silent:
			row.Silent, row.LastSeen, row.State = true, p.Time(st.LastSeen), p.T("portal.device_silent")
		default:
			row.LastSeen, row.State = p.Time(st.LastSeen), p.T("portal.device_ok")
		}
		d.Devices = append(d.Devices, row)
	}
	incidents, err := s.DB.CaseIncidents(ctx, id, store.Opened{})
	if err != nil {
		return nil, err
	}
	for _, in := range incidents {
		d.Incidents = append(d.Incidents, incidentRow{Kind: p.T("incident.kind." + string(in.Kind)), When: p.Date(in.OccurredAt), Urgent: in.UrgentAlertID != 0})
	}
	if d.Info, err = s.DB.InfoRequested(ctx, id); err != nil {
		return nil, err
	}
	h, err := s.DB.CaseHearing(ctx, id)
	if err != nil {
		return nil, err
	}
	if h != nil {
		d.Hearing = p.Date(h.RequestedAt)
	}
	d.CanAskHearing = h == nil && !d.Closed && slices.Contains([]escudo.Stage{escudo.StageEvaluation, escudo.StageBoard, escudo.StageImplementation, escudo.StageFollowUp}, c.Stage)
	return p, nil
}

func latest(evals []escudo.Evaluation, id int64) *time.Time {
	for _, e := range evals {
		if e.ID == id {
			return e.SubmittedAt
		}
	}
	return nil
}

// heartbeat is a device's supervision state, when this node supervises.
func (s *server) heartbeat(id int64) deviceState {
	if s.Opts.Supervisor == nil {
		return deviceState{}
	}
	st := s.Opts.Supervisor.State(id)
	return deviceState{LastSeen: st.LastSeen, Silent: st.Silent}
}

type deviceState struct {
	LastSeen time.Time
	Silent   bool
}

func (s *server) handleCase(w http.ResponseWriter, r *http.Request) {
	p, err := s.casePage(r, pathID(r))
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "portal_case", p)
}

// caseForm is a form of the case page: on success back to it, on a
// refusal the page again with the message beside the field.
func (s *server) caseForm(act func(r *http.Request, id int64) error, done string) http.HandlerFunc {
	return s.FormAction(func(r *http.Request) (string, error) {
		id := pathID(r)
		return caseURL(id), act(r, id)
	}, done, func(r *http.Request) (*web.Page, string, error) {
		p, err := s.casePage(r, pathID(r))
		return p, "portal_case", err
	})
}

func (s *server) actAnswer(r *http.Request, id int64) error {
	return s.DB.AnswerInfoOwn(r.Context(), id, r.PostForm.Get("answer"))
}

func (s *server) actHearing(r *http.Request, id int64) error {
	return s.DB.RequestHearing(r.Context(), id, r.PostForm.Get("note"))
}

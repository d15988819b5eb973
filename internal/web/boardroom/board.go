// Package boardroom serves the Governing Board's pages: the sessions list
// and calendar, the session page run by the technical secretariat (the
// coordination) and read by the Board's members, and the decision form.
package boardroom

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/board"
	"escudo/internal/web"
)

// The Governing Board's pages: sessions list and calendar (/board), the
// session page (agenda, attendance, quorum, minutes) run by the technical
// secretariat (the coordination) and read by the Board's members, and the
// decision form of one agenda item. Members see the cases' names and
// evaluated levels, never addresses.

// server is the Board pages' handler set over the shared core.
type server struct{ *web.Core }

// Register mounts the Board's pages, each decided by the permission table.
func Register(c *web.Core) {
	s := &server{c}
	s.registerBoard()
}

func (s *server) registerBoard() {
	s.Handle("GET /board", web.Access{Action: access.BoardRead}, s.handleBoard)
	s.Handle("POST /board/sessions", web.Access{Action: access.BoardManage}, s.boardAction(false, s.actCreateSession))
	s.Handle("GET /board/sessions/{session}", web.Access{Action: access.BoardRead}, s.handleSession)
	s.Handle("POST /board/sessions/{session}/agenda", web.Access{Action: access.BoardManage}, s.boardAction(true, s.actAddItem))
	s.Handle("POST /board/sessions/{session}/agenda/remove", web.Access{Action: access.BoardManage}, s.boardAction(true, s.actRemoveItem))
	s.Handle("POST /board/sessions/{session}/publish", web.Access{Action: access.BoardManage}, s.boardAction(true, s.actPublish))
	s.Handle("POST /board/sessions/{session}/attendance", web.Access{Action: access.BoardManage}, s.boardAction(true, s.actAttendance))
	s.Handle("POST /board/sessions/{session}/quorum", web.Access{Action: access.BoardManage}, s.boardAction(true, s.actQuorum))
	s.Handle("POST /board/sessions/{session}/hearing", web.Access{Action: access.BoardManage}, s.boardAction(true, s.actHearing))
	s.Handle("POST /board/sessions/{session}/minutes", web.Access{Action: access.BoardManage}, s.boardAction(true, s.actSaveMinutes))
	s.Handle("POST /board/sessions/{session}/minutes/amend", web.Access{Action: access.BoardMinutes}, s.boardAction(true, s.actAmend))
	s.Handle("POST /board/sessions/{session}/minutes/final", web.Access{Action: access.BoardManage}, s.boardAction(true, s.actFinal))
	s.Handle("POST /board/sessions/{session}/close", web.Access{Action: access.BoardManage}, s.boardAction(true, s.actClose))
	s.Handle("GET /board/sessions/{session}/items/{item}", web.Access{Action: access.BoardRecord}, s.handleDecision)
	s.Handle("POST /board/sessions/{session}/items/{item}", web.Access{Action: access.BoardRecord}, s.handleRecord)
}

func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

type sessionRow struct {
	ID                 int64
	Date, Month        string
	Place, State, Kind string
	Items, Resolutions int
	Minutes            string
	Upcoming, NewMonth bool
}

type boardData struct {
	Upcoming, Past []sessionRow
	Kinds          []string
}

func (s *server) handleBoard(w http.ResponseWriter, r *http.Request) {
	p, err := s.boardPage(r)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "board", p)
}

func (s *server) boardPage(r *http.Request) (*web.Page, error) {
	list, err := s.DB.BoardSessions(r.Context())
	if err != nil {
		return nil, err
	}
	d := &boardData{Kinds: []string{string(escudo.SessionOrdinary), string(escudo.SessionExtraordinary)}}
	p := s.NewPage(r, "board.title", d)
	month := ""
	for i := len(list) - 1; i >= 0; i-- { // oldest first, so months read in order
		x := list[i]
		row := sessionRow{ID: x.ID, Date: p.Time(x.At), Month: x.At.In(web.DisplayZone).Format("2006-01"),
			Place: x.Place, State: p.L.T("board.state." + string(x.State)), Kind: p.L.T("board.kind." + string(x.Kind)),
			Items: len(x.Items), Resolutions: x.Resolutions, Minutes: p.L.T("board.minutes_state." + x.MinutesState), Upcoming: x.At.After(p.Now)}
		if row.Upcoming {
			row.NewMonth = row.Month != month
			month = row.Month
			d.Upcoming = append(d.Upcoming, row)
		} else {
			d.Past = append([]sessionRow{row}, d.Past...)
		}
	}
	if len(d.Past) > 100 {
		d.Past = d.Past[:100]
	}
	return p, nil
}

type seatRow struct {
	ID, Label            string
	Council              bool
	Member, Alternate    string
	HasMember, HasAlt    bool
	Attendance           string // member | alternate | absent
	AttendanceLabel, Who string
	Present              bool
}

type itemRow struct {
	ID, CaseID         int64
	EvaluationID       int64
	Reference, Name    string
	Level              string
	HearingRequested   bool
	HearingWaived      bool
	BeneficiaryPresent bool
	Refusal            []string
	RefusedAt          string
	Identifier         string
	Decided            bool
}

type sessionData struct {
	S             *escudo.BoardSession
	Date          string
	State, Kind   string
	Rule          string
	Seats         []seatRow
	Items         []itemRow
	Resolutions   []web.ResolutionRow
	Quorum        *escudo.QuorumCheck
	QuorumReasons []string
	QuorumAt      string
	Scheduled     bool
	Running       bool // published or open: attendance, quorum, decisions
	Closed        bool
	MinutesState  string
	MinutesFinal  bool
	Attended      bool
	Notice        int
	Amendments    []amendRow
}

type amendRow struct{ Author, At, Text string }

func (s *server) sessionPage(r *http.Request, id int64) (*web.Page, error) {
	ctx := r.Context()
	sess, err := s.DB.Session(ctx, id, true)
	if err != nil {
		return nil, err
	}
	cfg := s.DB.Board()
	d := &sessionData{S: sess, Scheduled: sess.State == escudo.SessionScheduled, Closed: sess.State == escudo.SessionClosed,
		MinutesFinal: sess.MinutesState == string(board.MinutesFinal), Notice: cfg.AgendaNoticeHours}
	d.Running = sess.State == escudo.SessionPublished || sess.State == escudo.SessionOpen
	p := s.NewPage(r, "board.session_title", d)
	d.Date, d.State, d.Kind = p.Time(sess.At), p.L.T("board.state."+string(sess.State)), p.L.T("board.kind."+string(sess.Kind))
	d.Rule = sess.QuorumRule
	if p.Lang() == "en" {
		d.Rule = sess.QuorumRuleEN
	}
	d.MinutesState = p.L.T("board.minutes_state." + sess.MinutesState)
	if p.User != nil {
		d.Attended = sess.Attended(p.User.ID)
	}
	holders, err := s.DB.SeatHolders(ctx)
	if err != nil {
		return nil, err
	}
	att := map[string]escudo.SeatAttendance{}
	for _, a := range sess.Attendance {
		att[a.Seat] = a
	}
	for _, seat := range cfg.Seats {
		row := seatRow{ID: seat.ID, Label: seat.Institution.In(p.Lang()), Council: seat.Council, Attendance: string(escudo.AttendAbsent)}
		for _, h := range holders {
			if h.Seat != seat.ID {
				continue
			}
			if h.Alternate {
				row.Alternate, row.HasAlt = h.Name, true
			} else {
				row.Member, row.HasMember = h.Name, true
			}
		}
		if a, ok := att[seat.ID]; ok {
			row.Attendance, row.Who = string(a.Attendance), a.Name
			row.Present = a.Attendance != escudo.AttendAbsent
		}
		row.AttendanceLabel = p.L.T("board.attend." + row.Attendance)
		d.Seats = append(d.Seats, row)
	}
	if q := sess.Quorum; q != nil {
		d.Quorum, d.QuorumAt = q, p.Time(q.CheckedAt)
		for _, k := range q.Reasons {
			d.QuorumReasons = append(d.QuorumReasons, p.L.T(k))
		}
	}
	rule, _ := access.RuleFor(p.User.Role, access.BoardRead)
	names := slices.Contains(rule.Fields, access.Identity)
	for _, it := range sess.Items {
		row := itemRow{ID: it.ID, CaseID: it.CaseID, EvaluationID: it.EvaluationID, Reference: it.CaseReference, HearingRequested: it.HearingRequested, HearingWaived: it.HearingWaived,
			BeneficiaryPresent: it.BeneficiaryPresent, Identifier: it.Identifier, Decided: it.ResolutionID != 0}
		if it.EvaluationLevel != "" {
			row.Level = p.L.T("risk.level." + string(it.EvaluationLevel))
		}
		for _, k := range it.Refusal {
			row.Refusal = append(row.Refusal, p.L.T(k))
		}
		if it.RefusedAt != nil {
			row.RefusedAt = p.Time(*it.RefusedAt)
		}
		if names {
			// Only the name: a Board member never sees where anyone lives.
			if c, err := s.DB.FindCaseByID(ctx, it.CaseID); err == nil && c.Person != nil {
				row.Name = c.Person.Name
			}
		}
		d.Items = append(d.Items, row)
	}
	res, err := s.DB.SessionResolutions(ctx, id)
	if err != nil {
		return nil, err
	}
	d.Resolutions = web.ResolutionRows(p, s.DB.Board(), res)
	for _, a := range sess.Amendments {
		d.Amendments = append(d.Amendments, amendRow{Author: a.AuthorName, At: p.Time(a.At), Text: a.Text})
	}
	return p, nil
}

func (s *server) handleSession(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "session")
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.sessionPage(r, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "board_session", p)
}

// boardAction runs one of the Board's forms: back to its page on success,
// the page again with the messages otherwise; nothing is written on error.
func (s *server) boardAction(onSession bool, act func(r *http.Request, id int64) (string, int64, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var id int64
		if onSession {
			var ok bool
			if id, ok = pathID(r, "session"); !ok {
				s.RenderError(w, r, http.StatusNotFound, "error.not_found")
				return
			}
		}
		if !s.ParseForm(w, r) {
			return
		}
		done, to, err := act(r, id)
		if err == nil {
			s.Flash(r, done)
			if to == 0 {
				to = id
			}
			http.Redirect(w, r, "/board/sessions/"+strconv.FormatInt(to, 10), http.StatusSeeOther)
			return
		}
		_, invalid := escudo.AsValidation(err)
		code := escudo.ErrorCode(err)
		if !invalid && code != escudo.ECONFLICT && code != escudo.EFORBIDDEN {
			s.ErrorPage(w, r, err)
			return
		}
		var p *web.Page
		var perr error
		name := "board"
		if onSession {
			name = "board_session"
			p, perr = s.sessionPage(r, id)
		} else {
			p, perr = s.boardPage(r)
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
			if code == escudo.EFORBIDDEN {
				status = http.StatusForbidden
			}
		}
		s.Render(w, r, status, name, p)
	}
}

func (s *server) actCreateSession(r *http.Request, _ int64) (string, int64, error) {
	f := r.PostForm
	at, ok := web.ParseLocalTime(f.Get("at"))
	if !ok {
		return "", 0, escudo.FieldError("at", "validation.choice", nil)
	}
	id, err := s.DB.CreateSession(r.Context(), at, f.Get("place"), escudo.SessionKind(f.Get("kind")))
	return "board.done_created", id, err
}

func formInt(r *http.Request, name, key string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get(name)), 10, 64)
	if err != nil || id <= 0 {
		return 0, escudo.FieldError(name, key, nil)
	}
	return id, nil
}

func (s *server) actAddItem(r *http.Request, id int64) (string, int64, error) {
	ref := strings.TrimSpace(r.PostForm.Get("case"))
	if ref == "" {
		return "", 0, escudo.FieldError("case", "validation.required", nil)
	}
	caseID, err := s.DB.CaseIDByReference(r.Context(), ref)
	if err != nil {
		return "", 0, escudo.FieldError("case", "board.agenda_case_unknown", nil)
	}
	_, err = s.DB.AddAgendaItem(r.Context(), id, caseID, r.PostForm.Get("hearing") == "1")
	return "board.done_item", 0, err
}

func (s *server) actRemoveItem(r *http.Request, id int64) (string, int64, error) {
	item, err := formInt(r, "item", "validation.choice")
	if err != nil {
		return "", 0, err
	}
	return "board.done_removed", 0, s.DB.RemoveAgendaItem(r.Context(), id, item)
}

func (s *server) actPublish(r *http.Request, id int64) (string, int64, error) {
	return "board.done_published", 0, s.DB.PublishAgenda(r.Context(), id)
}

func (s *server) actAttendance(r *http.Request, id int64) (string, int64, error) {
	p := board.Presence{}
	for _, seat := range s.DB.Board().Seats {
		v := r.PostForm.Get("attend." + seat.ID)
		if v == "" {
			v = string(escudo.AttendAbsent)
		}
		p[seat.ID] = escudo.Attendance(v)
	}
	return "board.done_attendance", 0, s.DB.RecordAttendance(r.Context(), id, p)
}

func (s *server) actQuorum(r *http.Request, id int64) (string, int64, error) {
	q, err := s.DB.CheckQuorum(r.Context(), id)
	if err != nil {
		return "", 0, err
	}
	if !q.Met {
		return "board.done_quorum_not_met", 0, nil
	}
	return "board.done_quorum_met", 0, nil
}

func (s *server) actHearing(r *http.Request, id int64) (string, int64, error) {
	item, err := formInt(r, "item", "validation.choice")
	if err != nil {
		return "", 0, err
	}
	return "board.done_hearing", 0, s.DB.SetHearing(r.Context(), id, item, r.PostForm.Get("waived") == "1", r.PostForm.Get("present") == "1")
}

func (s *server) actSaveMinutes(r *http.Request, id int64) (string, int64, error) {
	return "board.done_minutes", 0, s.DB.SaveMinutes(r.Context(), id, r.PostForm.Get("minutes"))
}

func (s *server) actAmend(r *http.Request, id int64) (string, int64, error) {
	return "board.done_amended", 0, s.DB.AmendMinutes(r.Context(), id, r.PostForm.Get("amendment"))
}

func (s *server) actFinal(r *http.Request, id int64) (string, int64, error) {
	return "board.done_final", 0, s.DB.FinaliseMinutes(r.Context(), id)
}

func (s *server) actClose(r *http.Request, id int64) (string, int64, error) {
	return "board.done_closed", 0, s.DB.CloseSession(r.Context(), id)
}

type decisionData struct {
	SessionID int64
	Item      itemRow
	Seats     []seatRow // present seats
	Levels    []levelOption
	Choices   []choiceOption
	Refusal   []string // why it may not be put to decision now
	Rule      string
	// Measure decisions: the case's measures in life (ratify an urgent
	// one, withdraw or end any), and the catalogue, the evaluation's
	// proposals first, to grant from.
	Existing []existingRow
	Grants   []grantRow
	Agencies []levelOption
}

type existingRow struct {
	ID            int64
	Label, Status string
	Agency        string
	AgencyID      string // the current agency, preselected for a change
	Discreet      bool
	Unratified    bool
}

type grantRow struct {
	ID, Label, Kind string
	Proposed        bool
	Reason          string
	Details         []levelOption // id, label
}

type levelOption struct{ Value, Label string }
type choiceOption struct{ Value, Label string }

func (s *server) decisionPage(r *http.Request, sid, iid int64) (*web.Page, error) {
	sp, err := s.sessionPage(r, sid)
	if err != nil {
		return nil, err
	}
	sd := sp.Data.(*sessionData)
	d := &decisionData{SessionID: sid, Rule: sd.Rule}
	found := false
	for _, it := range sd.Items {
		if it.ID == iid {
			d.Item, found = it, true
		}
	}
	if !found {
		return nil, escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
	}
	for _, seat := range sd.Seats {
		if seat.Present {
			d.Seats = append(d.Seats, seat)
		}
	}
	p := s.NewPage(r, "board.decision_title", d)
	for _, l := range escudo.RiskLevels {
		d.Levels = append(d.Levels, levelOption{string(l), p.L.T("risk.level." + string(l))})
	}
	for _, c := range []escudo.VoteChoice{escudo.VoteFor, escudo.VoteAgainst, escudo.VoteAbstain} {
		d.Choices = append(d.Choices, choiceOption{string(c), p.L.T("board.vote." + string(c))})
	}
	if v, ok := escudo.AsValidation(s.DB.MayDecide(r.Context(), sid, iid)); ok {
		for _, e := range v {
			d.Refusal = append(d.Refusal, p.L.T(e.Key))
		}
	}
	if err := s.measureChoices(r, p, d); err != nil {
		return nil, err
	}
	return p, nil
}

// measureChoices fills the decision form's measures.
func (s *server) measureChoices(r *http.Request, p *web.Page, d *decisionData) error {
	ctx := r.Context()
	cat := s.DB.Measures()
	granted, err := s.DB.CaseMeasures(ctx, d.Item.CaseID)
	if err != nil {
		return err
	}
	for _, g := range granted {
		if g.Status.Final() {
			continue
		}
		label := g.Measure
		if m, ok := cat.Find(g.Measure); ok {
			label = m.Label.In(p.Lang())
		}
		d.Existing = append(d.Existing, existingRow{ID: g.ID, Label: label, Status: p.L.T("board.measure_status." + string(g.Status)), Agency: g.Agency.Name,
			AgencyID: strconv.FormatInt(g.Agency.ID, 10), Discreet: g.Discreet, Unratified: g.Source == escudo.SourceUrgent && g.RatifiedBy == 0})
	}
	agencies, err := s.DB.Agencies(ctx)
	if err != nil {
		return err
	}
	for _, a := range agencies {
		d.Agencies = append(d.Agencies, levelOption{strconv.FormatInt(a.ID, 10), a.Name})
	}
	proposed := map[string]string{}
	if d.Item.EvaluationID > 0 {
		e, err := s.DB.Evaluation(ctx, d.Item.EvaluationID)
		if err != nil {
			return err
		}
		for _, pr := range e.Proposals {
			proposed[pr.Measure] = pr.Reason
		}
	}
	var first, rest []grantRow
	for _, m := range cat.Measures {
		if m.Retired {
			continue
		}
		row := grantRow{ID: m.ID, Label: m.Label.In(p.Lang()), Kind: p.L.T("measures.kind." + string(m.Kind))}
		for _, dt := range m.Details {
			row.Details = append(row.Details, levelOption{dt.ID, dt.Label.In(p.Lang())})
		}
		if reason, ok := proposed[m.ID]; ok {
			row.Proposed, row.Reason = true, reason
			first = append(first, row)
		} else {
			rest = append(rest, row)
		}
	}
	d.Grants = append(first, rest...)
	return nil
}

// formMeasures reads the decision form's measures, with the form field of
// each decision so its errors show beside it.
func (s *server) formMeasures(r *http.Request, caseID int64) ([]escudo.ResolutionMeasure, []string, error) {
	f := r.PostForm
	var out []escudo.ResolutionMeasure
	var fields []string
	var bad escudo.ValidationErrors // dates that do not read, shown beside their measure
	granted, err := s.DB.CaseMeasures(r.Context(), caseID)
	if err != nil {
		return nil, nil, err
	}
	for _, g := range granted {
		id := strconv.FormatInt(g.ID, 10)
		act := escudo.MeasureAction(f.Get("act." + id))
		if act == "" {
			continue
		}
		rm := escudo.ResolutionMeasure{Action: act, GrantedID: g.ID, Reason: f.Get("actreason." + id)}
		if act == escudo.ActionModify {
			// A change names the agency, the deadline and discretion; the
			// details stay as granted.
			agency, _ := strconv.ParseInt(f.Get("modagency."+id), 10, 64)
			rm.Grant = escudo.MeasureGrant{Measure: g.Measure, AgencyID: agency, Discreet: f.Get("moddiscreet."+id) == "1", Reason: rm.Reason}
			if v := f.Get("moddeadline." + id); v != "" {
				day, err := time.ParseInLocation("2006-01-02", v, web.DisplayZone)
				if err != nil {
					bad.Add(fmt.Sprintf("measures[%d].deadline", len(out)), "validation.date", nil)
				}
				rm.Grant.Deadline = day.Add(23*time.Hour + 59*time.Minute) // the end of that day
			}
		}
		out = append(out, rm)
		fields = append(fields, "act."+id)
	}
	for _, m := range s.DB.Measures().Measures {
		if m.Retired || f.Get("grant."+m.ID) != "1" {
			continue
		}
		agency, _ := strconv.ParseInt(f.Get("agency."+m.ID), 10, 64)
		g := escudo.MeasureGrant{Measure: m.ID, AgencyID: agency, Discreet: f.Get("discreet."+m.ID) == "1", Reason: f.Get("reason." + m.ID)}
		for _, dt := range m.Details {
			if v := strings.TrimSpace(f.Get("detail." + m.ID + "." + dt.ID)); v != "" {
				if g.Details == nil {
					g.Details = map[string]string{}
				}
				g.Details[dt.ID] = v
			}
		}
		out = append(out, escudo.ResolutionMeasure{Action: escudo.ActionGrant, Grant: g, Reason: g.Reason})
		fields = append(fields, m.ID)
	}
	return out, fields, bad.Err()
}

// measureErrors moves the errors of measure decisions ("measures[i].x")
// beside their rows ("measure.<row>"), named by the measure in the
// summary; the rest are returned for SetErrors.
func measureErrors(p *web.Page, err error, fields []string, labels map[string]string) error {
	v, ok := escudo.AsValidation(err)
	if !ok {
		return err
	}
	var rest escudo.ValidationErrors
	var moved []struct{ field, msg string }
	for _, e := range v {
		var i int
		var sub string
		if n, _ := fmt.Sscanf(e.Field, "measures[%d].%s", &i, &sub); n >= 1 && i >= 0 && i < len(fields) {
			moved = append(moved, struct{ field, msg string }{fields[i], p.L.T(e.Key, e.Args)})
			continue
		}
		rest = append(rest, e)
	}
	p.SetErrors("", rest)
	for _, m := range moved {
		key := "measure." + m.field
		p.Errors[key] = append(p.Errors[key], m.msg)
		p.Summary = append(p.Summary, web.SummaryItem{Href: "#m-" + m.field, Text: labels[m.field] + ": " + m.msg})
	}
	return nil
}

func (s *server) handleDecision(w http.ResponseWriter, r *http.Request) {
	sid, ok1 := pathID(r, "session")
	iid, ok2 := pathID(r, "item")
	if !ok1 || !ok2 {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.decisionPage(r, sid, iid)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "board_decision", p)
}

// handleRecord records the resolution; a refusal to decide is noted on the
// agenda item (its reasons show on the session) and nothing else written.
func (s *server) handleRecord(w http.ResponseWriter, r *http.Request) {
	sid, ok1 := pathID(r, "session")
	iid, ok2 := pathID(r, "item")
	if !ok1 || !ok2 {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	res := escudo.Resolution{Level: escudo.RiskLevel(f.Get("level")), Reasons: f.Get("reasons"), ThreatBrief: f.Get("threat_brief")}
	sess, err := s.DB.Session(r.Context(), sid, false)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	var caseID int64
	for _, it := range sess.Items {
		if it.ID == iid {
			caseID = it.CaseID
		}
	}
	if caseID == 0 {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	var fields []string
	res.Measures, fields, err = s.formMeasures(r, caseID)
	if _, unread := escudo.AsValidation(err); err != nil && !unread {
		s.ErrorPage(w, r, err)
		return
	}
	for _, a := range sess.Attendance {
		if v := f.Get("vote." + a.Seat); v != "" || a.Attendance != escudo.AttendAbsent {
			res.Votes = append(res.Votes, escudo.Vote{Seat: a.Seat, Alternate: a.Attendance == escudo.AttendAlternate, Choice: escudo.VoteChoice(v)})
		}
	}
	var done escudo.Resolution
	if err == nil { // an unreadable date refuses the form before anything is tried
		done, err = s.DB.RecordResolution(r.Context(), sid, iid, res)
	}
	if err == nil {
		s.Flash(r, "board.done_resolution")
		http.Redirect(w, r, "/board/sessions/"+strconv.FormatInt(sid, 10)+"#res-"+done.Identifier, http.StatusSeeOther)
		return
	}
	v, invalid := escudo.AsValidation(err)
	if !invalid && escudo.ErrorCode(err) != escudo.ECONFLICT {
		s.ErrorPage(w, r, err)
		return
	}
	for _, e := range v {
		if e.Field == "decision" {
			_ = s.DB.NoteRefusal(r.Context(), sid, iid, err)
			break
		}
	}
	p, perr := s.decisionPage(r, sid, iid)
	if perr != nil {
		s.ErrorPage(w, r, perr)
		return
	}
	status := http.StatusConflict
	if invalid {
		p.Form = r.PostForm
		labels := map[string]string{}
		d := p.Data.(*decisionData)
		for _, g := range d.Grants {
			labels[g.ID] = g.Label
		}
		for _, x := range d.Existing {
			labels["act."+strconv.FormatInt(x.ID, 10)] = x.Label
		}
		_ = measureErrors(p, err, fields, labels)
		status = http.StatusBadRequest
	} else {
		p.Error = p.L.T(escudo.ErrorKey(err))
	}
	s.Render(w, r, status, "board_decision", p)
}

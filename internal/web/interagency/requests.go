// Package interagency serves the Mechanism's requests to other agencies
// (issue 15, item 2; docs/coordination.md): sending one from a case with
// its legal basis and deadline, a request's page with its proof of
// receipt, the liaisons' list of what is addressed to their agency, the
// page an e-mailed link opens to acknowledge receipt without an account,
// and the agencies' performance (/coordination/performance, with a CSV).
// A liaison reaches only the requests addressed to their agency and sees
// of the case its reference and federal entity and, when the request
// needs them, the beneficiary's name and place.
package interagency

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/coordination"
	"escudo/internal/store"
	"escudo/internal/web"
)

type server struct {
	*web.Core
	ackTries *web.LimiterSet
}

// Register mounts the pages, each decided by the permission table.
func Register(c *web.Core) {
	s := &server{Core: c, ackTries: web.NewLimiterSet(rate.Every(time.Minute/20), 20)}
	s.Handle("GET /requests", web.Access{Action: access.RequestRead, EntityList: true}, s.handleList)
	s.Handle("GET /requests/{id}", web.Access{Action: access.RequestRead, Object: "request"}, s.handleRequest)
	s.Handle("POST /requests/{id}/acknowledge", web.Access{Action: access.RequestRespond, Object: "request"}, s.requestAction(s.actAcknowledge, "request.done_acknowledged"))
	s.Handle("POST /requests/{id}/answer", web.Access{Action: access.RequestRespond, Object: "request"}, s.requestAction(s.actAnswer, "request.done_completed"))
	s.Handle("POST /requests/{id}/receipt", web.Access{Action: access.RequestSend, Object: "request"}, s.requestAction(s.actReceipt, "request.done_acknowledged"))
	s.Handle("POST /requests/{id}/link", web.Access{Action: access.RequestSend, Object: "request"}, s.requestAction(s.actLink, "request.done_link"))
	s.Handle("POST /requests/{id}/cancel", web.Access{Action: access.RequestSend, Object: "request"}, s.requestAction(s.actCancel, "request.done_cancelled"))
	s.Handle("GET /cases/{id}/requests", web.Access{Action: access.RequestRead, Object: "case"}, s.handleCaseRequests)
	s.Handle("POST /cases/{id}/requests", web.Access{Action: access.RequestSend, Object: "case"}, s.handleSend)
	s.Handle("GET /ack/{token}", web.Access{Public: true}, s.handleAck)
	s.Handle("POST /ack/{token}", web.Access{Public: true}, s.handleAckPost)
	s.Handle("GET /coordination/performance", web.Access{Action: access.RequestPerformance}, s.handlePerformance)
	s.Handle("GET /coordination/performance.csv", web.Access{Action: access.RequestPerformance}, s.handlePerformanceCSV)
}

// row is a request as lists show it.
type row struct {
	ID                   int64
	Number, Kind, Agency string
	Reference            string // "" when the reader may not open the case
	CaseID               int64
	Status, StatusCode   string
	Deadline, ISO        string
	Overdue              string
}

func (s *server) rows(r *http.Request, p *web.Page, list []coordination.AgencyRequest) []row {
	u := escudo.UserFromContext(r.Context())
	now := s.DB.Now()
	out := make([]row, 0, len(list))
	for _, x := range list {
		rw := row{ID: x.ID, Number: store.RequestNumber(x.ID), Kind: p.T("request.kind." + string(x.Kind)), Agency: x.Agency.Name,
			Status: p.T("request.status." + string(x.Status)), StatusCode: string(x.Status), Deadline: p.Time(x.Deadline), ISO: p.ISO(x.Deadline)}
		if x.Overdue(now) {
			rw.Overdue = web.OverdueAge(p, now.Sub(x.Deadline))
		}
		if u != nil && u.Role != escudo.RoleLiaison && p.Can("GET /cases/{id}") {
			rw.Reference, rw.CaseID = x.Reference, x.CaseID
		}
		out = append(out, rw)
	}
	return out
}

type listData struct {
	Rows     []row
	Statuses []option
	Status   string
	Overdue  bool
	Liaison  bool
	Empty    bool // a liaison without an agency
}

// handleList is every request for staff, and for a liaison the ones
// addressed to their agency; filters by status and overdue.
func (s *server) handleList(w http.ResponseWriter, r *http.Request) {
	u := escudo.UserFromContext(r.Context())
	q := r.URL.Query()
	d := &listData{Status: q.Get("status"), Overdue: q.Get("overdue") == "1"}
	f := store.RequestFilter{Overdue: d.Overdue, Limit: 200}
	for _, st := range coordination.RequestStatuses {
		if string(st) == d.Status {
			f.Status = st
		}
	}
	if f.Status == "" {
		d.Status = ""
	}
	p := s.NewPage(r, "request.list_title", d)
	for _, st := range coordination.RequestStatuses {
		d.Statuses = append(d.Statuses, option{string(st), p.T("request.status." + string(st))})
	}
	if u.Role == escudo.RoleLiaison {
		d.Liaison = true
		if f.Agency = u.Agency; f.Agency == "" {
			d.Empty = true
			s.Render(w, r, http.StatusOK, "agency_requests", p)
			return
		}
	}
	list, err := s.DB.Requests(r.Context(), f)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	objs := make([]store.AuditObject, len(list))
	for i, x := range list {
		objs[i] = store.AuditObject{Type: "agency_request", ID: x.ID, Fields: "kind,agency,status,deadline"}
	}
	if err := s.DB.AuditReads(r.Context(), "request.list", objs); err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	d.Rows = s.rows(r, p, list)
	s.Render(w, r, http.StatusOK, "agency_requests", p)
}

func requestID(r *http.Request) (int64, bool) { return web.PathID(r.PathValue("id")) }

type stepRow struct{ At, ISO, Actor, What, Note string }

type requestData struct {
	R                       coordination.AgencyRequest
	Number, Kind, Status    string
	StatusCode              string
	Deadline, ISO, Overdue  string
	Sent, Acknowledged, Ack string
	Completed               string
	Entity                  string
	Reference               string
	CaseLink                bool
	Beneficiary, Place      string
	Measure                 string
	IncidentLink            bool // the reader may open the incident to investigate
	History                 []stepRow
	// The forms the reader may use now.
	CanAck, CanAnswer, CanReceipt, CanLink, CanCancel bool
}

func (s *server) requestPage(r *http.Request, id int64) (*web.Page, error) {
	ctx := r.Context()
	x, err := s.DB.FindRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &requestData{R: x, Number: store.RequestNumber(x.ID)}
	p := s.NewPage(r, "agency_request.title", d)
	u := escudo.UserFromContext(ctx)
	dec := web.DecisionFrom(r)
	now := s.DB.Now()
	d.Kind, d.Status, d.StatusCode = p.T("request.kind."+string(x.Kind)), p.T("request.status."+string(x.Status)), string(x.Status)
	d.Deadline, d.ISO, d.Sent = p.Time(x.Deadline), p.ISO(x.Deadline), p.Time(x.SentAt)
	if x.Overdue(now) {
		d.Overdue = web.OverdueAge(p, now.Sub(x.Deadline))
	}
	if x.AcknowledgedAt != nil {
		d.Acknowledged = p.Time(*x.AcknowledgedAt)
		d.Ack = p.T("request.ack_channel."+x.AckChannel, "By", x.AckBy)
	}
	if x.CompletedAt != nil {
		d.Completed = p.Time(*x.CompletedAt)
	}
	ref, err := s.DB.CaseRef(ctx, x.CaseID)
	if err != nil {
		return nil, err
	}
	d.Entity = p.Entity(ref.Entity)
	d.Reference = x.Reference
	caseDec := s.Policy().Decide(ctx, u, access.CaseRead, web.ObjectFromRef("case", x.CaseID, ref))
	d.CaseLink = caseDec.Allowed && p.Can("GET /cases/{id}")
	// The beneficiary's name and place: to staff who read the case, and
	// to a liaison only when the request cannot be met without them.
	needs := x.Kind == coordination.RequestPoliceSupport || x.Kind == coordination.RequestImplement
	if dec.Sees(access.Identity) && (u.Role != escudo.RoleLiaison || needs) {
		if d.Beneficiary, err = s.DB.PersonName(ctx, ref.PersonID); err != nil {
			return nil, err
		}
		if dec.Sees(access.Location) && s.RecentlyAuthenticated(r) {
			if per, err := s.DB.FindPersonByID(ctx, ref.PersonID); err == nil {
				d.Place = strings.TrimSpace(strings.Join([]string{per.Address, per.Municipality}, ", "))
				d.Place = strings.Trim(d.Place, ", ")
			}
		}
	}
	if x.MeasureID != 0 {
		if m, err := s.DB.FindMeasure(ctx, x.MeasureID); err == nil {
			d.Measure, _ = s.CatalogueLabel(p, m.Measure)
		}
	}
	d.IncidentLink = x.IncidentID != 0 && caseDec.Allowed && p.Can("GET /incidents/{id}")
	hist, err := s.DB.RequestHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		what := p.T("request.step." + h.Step)
		if strings.HasPrefix(h.Step, "overdue_") {
			what = p.T("request.step.overdue")
		}
		actor := h.ActorName
		if actor == "" {
			actor = p.T("request.actor_system")
		}
		d.History = append(d.History, stepRow{At: p.Time(h.At), ISO: p.ISO(h.At), Actor: actor, What: what, Note: h.Note})
	}
	open := x.Status.Open()
	liaison := u.Role == escudo.RoleLiaison
	d.CanAck = liaison && x.Status == coordination.RequestSent && p.Can("POST /requests/{id}/acknowledge")
	d.CanAnswer = open && p.Can("POST /requests/{id}/answer")
	d.CanReceipt = !liaison && x.Status == coordination.RequestSent && p.Can("POST /requests/{id}/receipt")
	d.CanLink = open && p.Can("POST /requests/{id}/link")
	d.CanCancel = open && p.Can("POST /requests/{id}/cancel")
	return p, nil
}

func (s *server) handleRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := requestID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.requestPage(r, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "agency_request", p)
}

// requestAction runs a form of the request page: back to it with a
// confirmation, or the page again with the messages; a refused form
// changes nothing.
func (s *server) requestAction(act func(r *http.Request, id int64) error, done string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := requestID(r)
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
			http.Redirect(w, r, "/requests/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
			return
		}
		_, invalid := escudo.AsValidation(err)
		code := escudo.ErrorCode(err)
		if !invalid && code != escudo.ECONFLICT {
			s.ErrorPage(w, r, err)
			return
		}
		p, perr := s.requestPage(r, id)
		if perr != nil {
			s.ErrorPage(w, r, perr)
			return
		}
		status := http.StatusConflict
		if invalid {
			p.Form = r.PostForm
			p.SetErrors(r.PostForm.Get("form"), err)
			status = http.StatusBadRequest
		} else {
			p.Error = p.T(escudo.ErrorKey(err))
		}
		s.Render(w, r, status, "agency_request", p)
	}
}

func (s *server) actAcknowledge(r *http.Request, id int64) error {
	return s.DB.AcknowledgeRequest(r.Context(), id, coordination.AckInEscudo, "")
}

func (s *server) actReceipt(r *http.Request, id int64) error {
	return s.DB.AcknowledgeRequest(r.Context(), id, coordination.AckRecorded, r.PostForm.Get("by"))
}

func (s *server) actAnswer(r *http.Request, id int64) error {
	return s.DB.CompleteRequest(r.Context(), id, r.PostForm.Get("outcome"))
}

func (s *server) actCancel(r *http.Request, id int64) error {
	return s.DB.CancelRequest(r.Context(), id, r.PostForm.Get("reason"))
}

func (s *server) actLink(r *http.Request, id int64) error {
	return s.DB.ResendLink(r.Context(), id, r.PostForm.Get("email"), s.linkBase(r))
}

// linkBase is where the acknowledgement links start: the configured
// public address, or the address this request came to.
func (s *server) linkBase(r *http.Request) string {
	if u := s.Opts.PublicURL; u != nil {
		return strings.TrimRight(u.String(), "/") + "/ack/"
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host}).String() + "/ack/"
}

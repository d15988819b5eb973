package interagency

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/coordination"
	"escudo/internal/store"
	"escudo/internal/web"
)

type option struct{ Value, Label string }

type caseData struct {
	CaseID    int64
	Reference string
	Rows      []row
	CanSend   bool
	Agencies  []option
	Kinds     []option
	Measures  []option
	// Bases are the legal bases the form suggests per kind, in the
	// reader's language; the person edits or replaces them.
	Bases   []option
	Default string // the deadline the form suggests (datetime-local)
}

func caseID(r *http.Request) (int64, bool) { return web.PathID(r.PathValue("id")) }

// casePage is a case's requests and, for who may send, the form.
func (s *server) casePage(r *http.Request, id int64) (*web.Page, error) {
	ctx := r.Context()
	ref, err := s.DB.CaseReference(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &caseData{CaseID: id, Reference: ref}
	p := s.NewPage(r, "request.case_title", d)
	list, err := s.DB.Requests(ctx, store.RequestFilter{CaseID: id})
	if err != nil {
		return nil, err
	}
	d.Rows = s.rows(r, p, list)
	if d.CanSend = p.Can("POST /cases/{id}/requests"); !d.CanSend {
		return p, nil
	}
	agencies, err := s.DB.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range agencies {
		label := a.Name
		if a.Entity != "" {
			label += " (" + p.Entity(a.Entity) + ")"
		}
		d.Agencies = append(d.Agencies, option{strconv.FormatInt(a.ID, 10), label})
	}
	for _, k := range coordination.RequestKinds {
		d.Kinds = append(d.Kinds, option{string(k), p.T("request.kind." + string(k))})
		d.Bases = append(d.Bases, option{string(k), p.T("request.basis." + string(k))})
	}
	ms, err := s.DB.CaseMeasures(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Status.Final() {
			continue
		}
		label, _ := s.CatalogueLabel(p, m.Measure)
		d.Measures = append(d.Measures, option{strconv.FormatInt(m.ID, 10), label + " — " + m.Agency.Name})
	}
	d.Default = s.DB.Now().Add(72 * time.Hour).In(web.DisplayZone).Format("2006-01-02T15:04")
	return p, nil
}

func (s *server) handleCaseRequests(w http.ResponseWriter, r *http.Request) {
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
	s.Render(w, r, http.StatusOK, "case_requests", p)
}

// handleSend sends a request from the case: to its page with a
// confirmation, or the form again with what was typed and the messages.
func (s *server) handleSend(w http.ResponseWriter, r *http.Request) {
	id, ok := caseID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	req := &coordination.AgencyRequest{CaseID: id, Kind: coordination.RequestKind(f.Get("kind")), LegalBasis: f.Get("legal_basis"), Details: f.Get("details")}
	req.AgencyID, _ = strconv.ParseInt(strings.TrimSpace(f.Get("agency")), 10, 64)
	req.MeasureID, _ = strconv.ParseInt(strings.TrimSpace(f.Get("measure")), 10, 64)
	var err error
	deadline, okTime := web.ParseLocalTime(f.Get("deadline"))
	if !okTime {
		err = escudo.ValidationErrors{escudo.FieldError("deadline", "validation.date", nil)}
	} else {
		req.Deadline = deadline
		var emails []string
		if e := strings.TrimSpace(f.Get("email")); e != "" {
			emails = []string{e}
		}
		var rid int64
		if rid, err = s.DB.SendRequest(r.Context(), req, store.SendOptions{LinkBase: s.linkBase(r), Emails: emails}); err == nil {
			s.Flash(r, "request.done_sent")
			http.Redirect(w, r, "/requests/"+strconv.FormatInt(rid, 10), http.StatusSeeOther)
			return
		}
	}
	if _, invalid := escudo.AsValidation(err); !invalid {
		s.ErrorPage(w, r, err)
		return
	}
	p, perr := s.casePage(r, id)
	if perr != nil {
		s.ErrorPage(w, r, perr)
		return
	}
	p.Form = f
	p.SetErrors("", err)
	s.Render(w, r, http.StatusBadRequest, "case_requests", p)
}

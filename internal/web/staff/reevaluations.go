package staff

import (
	"net/http"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/web"
)

// The re-evaluation queue (issue 13, item 7): cases whose scheduled
// re-evaluation is due soon or overdue and those a serious incident or a
// real emergency sent back, earliest deadline first, with the form to
// record a serious incident on a case by its folio.

type reevalRow struct {
	ID                     int64
	Reference, Cause       string
	Requested, Due, DueISO string
	Status, StatusLabel    string
	Left                   string
	Overdue                bool
}

type reevalData struct {
	Rows []reevalRow
}

func (s *server) registerReevaluations() {
	s.Handle("GET /reevaluations", web.Access{Action: access.RiskDraft}, s.handleReevaluations)
	s.Handle("POST /reevaluations", web.Access{Action: access.RiskDraft}, s.handleIncident)
}

func (s *server) reevaluationsPage(r *http.Request) (*web.Page, error) {
	q, err := s.DB.ReevaluationQueue(r.Context())
	if err != nil {
		return nil, err
	}
	d := &reevalData{}
	p := s.NewPage(r, "reeval.title", d)
	for _, it := range q {
		k := it.Clock
		row := reevalRow{ID: it.CaseID, Reference: it.Reference, Cause: p.L.T("reeval.cause." + it.Cause), Requested: p.Time(it.RequestedAt),
			Due: p.Time(k.DueAt), DueISO: p.ISO(k.DueAt), Status: string(k.Status), StatusLabel: p.L.T("clockstatus." + string(k.Status)), Overdue: p.Overdue(k)}
		if row.Overdue {
			row.Left = p.T("clock.overdue_by", "D", p.Dur(p.Remaining(k)))
		} else {
			row.Left = p.T("clock.left", "D", p.Dur(p.Remaining(k)))
		}
		d.Rows = append(d.Rows, row)
	}
	return p, nil
}

func (s *server) handleReevaluations(w http.ResponseWriter, r *http.Request) {
	p, err := s.reevaluationsPage(r)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "reevaluations", p)
}

// handleIncident records a serious new incident on the case named by its
// folio, which asks for its re-evaluation.
func (s *server) handleIncident(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	note := r.PostForm.Get("note")
	_, caseID, err := s.DB.PersonByReference(r.Context(), r.PostForm.Get("reference"))
	if err == nil {
		err = s.DB.RequestReevaluation(r.Context(), caseID, note)
	} else if nerr := escudo.CheckIncident(note); nerr != nil {
		v, _ := escudo.AsValidation(err)
		nv, _ := escudo.AsValidation(nerr)
		err = append(v, nv...)
	}
	if err == nil {
		s.Flash(r, "reeval.done_incident")
		http.Redirect(w, r, "/reevaluations", http.StatusSeeOther)
		return
	}
	_, invalid := escudo.AsValidation(err)
	if !invalid && escudo.ErrorCode(err) != escudo.ECONFLICT {
		s.ErrorPage(w, r, err)
		return
	}
	p, perr := s.reevaluationsPage(r)
	if perr != nil {
		s.ServerError(w, r, perr)
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
	s.Render(w, r, status, "reevaluations", p)
}

package interagency

import (
	"net/http"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
)

// The page an e-mailed link opens, without an account: what is asked and
// a form to acknowledge receipt with one's name and post. Opening it
// changes nothing (mail scanners open links); only the form does, once.
type ackData struct {
	Number, Kind, Agency, Deadline, ISO string
	LegalBasis, Details                 string
	Expires                             string
	Used, Closed, Done                  bool
	Acknowledged                        string
}

func (s *server) ackPage(r *http.Request) (*web.Page, error) {
	st, err := s.DB.RequestByLink(r.Context(), r.PathValue("token"))
	if err != nil {
		return nil, err
	}
	x := st.Request
	d := &ackData{Number: store.RequestNumber(x.ID), Agency: x.Agency.Name, LegalBasis: x.LegalBasis, Details: x.Details, Used: st.Used,
		Closed: !x.Status.Open()}
	p := s.NewPage(r, "ack.title", d)
	p.Public = true
	d.Kind, d.Deadline, d.ISO, d.Expires = p.T("request.kind."+string(x.Kind)), p.Time(x.Deadline), p.ISO(x.Deadline), p.Time(st.Expires)
	if x.AcknowledgedAt != nil {
		d.Acknowledged = p.Time(*x.AcknowledgedAt)
	}
	return p, nil
}

func (s *server) handleAck(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	// Every refused link is audited: one address's tries are limited, so
	// made-up links cannot fill the log.
	if !s.ackTries.Allow(web.ClientAddr(r)) {
		s.RenderError(w, r, http.StatusTooManyRequests, "error.too_many")
		return
	}
	p, err := s.ackPage(r)
	if err != nil {
		s.linkRefused(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "ack", p)
}

// handleAckPost acknowledges through the link, within the same limit of
// tries per address.
func (s *server) handleAckPost(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	if !s.ackTries.Allow(web.ClientAddr(r)) {
		s.RenderError(w, r, http.StatusTooManyRequests, "error.too_many")
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	_, err := s.DB.AcknowledgeByLink(r.Context(), r.PathValue("token"), r.PostForm.Get("name"))
	if _, invalid := escudo.AsValidation(err); invalid {
		p, perr := s.ackPage(r)
		if perr != nil {
			s.linkRefused(w, r, perr)
			return
		}
		p.Form = r.PostForm
		p.SetErrors("", err)
		s.Render(w, r, http.StatusBadRequest, "ack", p)
		return
	}
	if err != nil {
		s.linkRefused(w, r, err)
		return
	}
	p, err := s.ackPage(r)
	if err != nil {
		s.linkRefused(w, r, err)
		return
	}
	p.Data.(*ackData).Done = true
	s.Render(w, r, http.StatusOK, "ack", p)
}

// linkRefused answers a forged, expired or used link with its reason in
// words, on a public page.
func (s *server) linkRefused(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusForbidden
	switch escudo.ErrorCode(err) {
	case escudo.ECONFLICT:
		status = http.StatusConflict
	case escudo.EFORBIDDEN:
	default:
		s.ErrorPage(w, r, err)
		return
	}
	s.RenderError(w, r, status, escudo.ErrorKey(err))
}

package public

import (
	"net/http"
	"strings"

	"escudo"
	"escudo/internal/web"
)

func (s *server) publicPage(r *http.Request, title string, data any) *web.Page {
	p := s.NewPage(r, title, data)
	p.Public = true
	return p
}

// handleHome explains, in plain words, what the Mechanism is and how to ask
// for protection. It never names or locates any safe house.
func (s *server) handleHome(w http.ResponseWriter, r *http.Request) {
	p := s.publicPage(r, "home.title", nil)
	p.Data = s.information(p.L, r.URL.Path) // the legal times, from the configured clocks
	s.Render(w, r, http.StatusOK, "home", p)
}

// handleNotFound answers every path no route claims.
func (s *server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.RenderError(w, r, http.StatusNotFound, "error.page_not_found")
}

func (s *server) handleRequestForm(w http.ResponseWriter, r *http.Request) {
	p := s.publicPage(r, "request.title", nil)
	p.Form = map[string][]string{"kind": {string(escudo.KindIndividual)}}
	s.Render(w, r, http.StatusOK, "request", p)
}

// handleRequest files a public request. The receipt, with the follow-up code
// that exists in readable form only in this response, is shown at once and
// never cached; the code is not kept in any session.
func (s *server) handleRequest(w http.ResponseWriter, r *http.Request) {
	if !s.PublicByAddr.Allow(web.ClientAddr(r)) {
		s.tooMany(w, r)
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	person := web.PersonFromForm(f)
	c := &escudo.Case{
		Channel:        escudo.ChannelWeb,
		ImminentDanger: f.Get("imminent_danger") == "1",
		Narrative:      f.Get("narrative"),
		Aggressors:     strings.TrimSpace(f.Get("aggressors")),
	}
	// The public form files as the public even when a staff member happens
	// to be logged in on the same browser.
	ctx := escudo.NewContextWithUser(r.Context(), nil)
	rcpt, err := s.DB.FileRequest(ctx, c, person)
	if err != nil {
		if _, invalid := escudo.AsValidation(err); !invalid {
			s.ServerError(w, r, err)
			return
		}
		p := s.publicPage(r, "request.title", nil)
		p.Form = f
		p.SetErrors("", err)
		s.Render(w, r, http.StatusBadRequest, "request", p)
		return
	}
	p := s.publicPage(r, "receipt.title", &web.ReceiptData{Receipt: rcpt, NoContact: person.Phone == "" && person.Email == ""})
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, http.StatusCreated, "receipt", p)
}

func (s *server) tooMany(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "60")
	p := s.publicPage(r, "error.too_many_title", nil)
	p.Error = p.L.T("error.too_many")
	s.Render(w, r, http.StatusTooManyRequests, "error", p)
}

func (s *server) handleStatusForm(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "status", s.publicPage(r, "status.title", nil))
}

// handleStatus looks a request up by reference and code. The pair travels
// in a POST body so the code stays out of addresses, history and logs; a
// wrong reference and a wrong code read the same.
func (s *server) handleStatus(w http.ResponseWriter, r *http.Request) {
	if !s.StatusByAddr.Allow(web.ClientAddr(r)) {
		s.tooMany(w, r)
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	ref, code := strings.TrimSpace(r.PostForm.Get("reference")), strings.TrimSpace(r.PostForm.Get("code"))
	p := s.publicPage(r, "status.title", nil)
	p.Form = map[string][]string{"reference": {ref}}
	var v escudo.ValidationErrors
	if ref == "" {
		v.Add("reference", "validation.required", nil)
	}
	if code == "" {
		v.Add("code", "validation.required", nil)
	}
	if len(v) > 0 {
		p.SetErrors("", v)
		s.Render(w, r, http.StatusBadRequest, "status", p)
		return
	}
	st, err := s.DB.PublicStatus(r.Context(), ref, code)
	if err != nil {
		if escudo.ErrorCode(err) != escudo.ENOTFOUND {
			s.ServerError(w, r, err)
			return
		}
		p.Error = p.L.T("error.status_not_found")
		s.Render(w, r, http.StatusNotFound, "status", p)
		return
	}
	p.Data = st
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, http.StatusOK, "status", p)
}

// handleStatusAnswer takes the petitioner's answer to a request for more
// information, with the reference and the code typed again. Whatever goes
// wrong, the page comes back with the answer as typed; the code is never
// written into a page.
func (s *server) handleStatusAnswer(w http.ResponseWriter, r *http.Request) {
	if !s.StatusByAddr.Allow(web.ClientAddr(r)) {
		s.tooMany(w, r)
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	ref, code, answer := strings.TrimSpace(f.Get("reference")), strings.TrimSpace(f.Get("code")), f.Get("answer")
	w.Header().Set("Cache-Control", "no-store")
	p := s.publicPage(r, "status.title", nil)
	p.Form = map[string][]string{"reference": {ref}, "answer": {answer}}
	if code == "" || ref == "" {
		p.SetErrors("", escudo.ValidationErrors{escudo.FieldError("code", "validation.required", nil)})
		s.Render(w, r, http.StatusBadRequest, "status_answer", p)
		return
	}
	err := s.DB.AnswerInfoRequest(r.Context(), ref, code, answer)
	status := http.StatusOK
	switch _, invalid := escudo.AsValidation(err); {
	case err == nil:
		p.Form = map[string][]string{"reference": {ref}}
		p.Flash = p.L.T("status.info_answered")
	case escudo.ErrorCode(err) == escudo.ENOTFOUND:
		p.Error = p.L.T("error.status_not_found")
		s.Render(w, r, http.StatusNotFound, "status_answer", p)
		return
	case invalid:
		p.SetErrors("", err)
		status = http.StatusBadRequest
	case escudo.ErrorCode(err) == escudo.ECONFLICT:
		p.Error = p.L.T(escudo.ErrorKey(err))
		status = http.StatusConflict
	default:
		s.ServerError(w, r, err)
		return
	}
	st, err := s.DB.PublicStatus(r.Context(), ref, code)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	p.Data = st
	s.Render(w, r, status, "status", p)
}

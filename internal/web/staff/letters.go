package staff

import (
	"escudo"
	"html/template"
	"net/http"
	"strconv"

	"escudo/internal/access"
	"escudo/internal/letters"
	"escudo/internal/store"
	"escudo/internal/web"
)

// The letters of a case's resolutions, for who may read them: the letter
// as the page shows it (the same content as its PDF) and the PDF itself,
// rendered again from what the store recorded. Every read is audited by
// the store.

func (s *server) registerLetters() {
	s.Handle("GET /cases/{id}/letters/{letter}", web.Access{Action: access.LetterRead, Object: "letter"}, s.handleLetter)
	s.Handle("GET /cases/{id}/letters/{letter}/pdf", web.Access{Action: access.LetterRead, Object: "letter"}, s.handleLetterPDF)
}

type letterData struct {
	Letter   *store.Letter
	Body     template.HTML // internal/letters' HTML of the letter
	CaseLink bool          // the reader may open the case (a liaison reads the letter, not the case)
}

// caseLetter reads the letter named in the path, if it is the case's.
func (s *server) caseLetter(w http.ResponseWriter, r *http.Request, pdf bool) (*store.Letter, []byte, bool) {
	id, ok := caseID(r)
	ident := r.PathValue("letter")
	if !ok || !letters.ValidIdentifier(ident) {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return nil, nil, false
	}
	var l *store.Letter
	var b []byte
	var err error
	if pdf {
		l, b, err = s.DB.LetterPDF(r.Context(), ident)
	} else {
		l, err = s.DB.LetterByIdentifier(r.Context(), ident)
	}
	if err == nil && l.CaseID != id {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return nil, nil, false
	}
	if err != nil {
		s.ErrorPage(w, r, err)
		return nil, nil, false
	}
	return l, b, true
}

func (s *server) handleLetter(w http.ResponseWriter, r *http.Request) {
	l, _, ok := s.caseLetter(w, r, false)
	if !ok {
		return
	}
	body, err := letters.RenderHTML(l.Document, l.Signature)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	// #nosec G203 -- internal/letters escapes every value through html/template.
	d := &letterData{Letter: l, Body: template.HTML(body)}
	if ref, err := s.DB.CaseRef(r.Context(), l.CaseID); err == nil {
		d.CaseLink = s.Policy().Decide(r.Context(), escudo.UserFromContext(r.Context()), access.CaseRead, web.ObjectFromRef("case", l.CaseID, ref)).Allowed
	}
	p := s.NewPage(r, "letter.title", d)
	s.Render(w, r, http.StatusOK, "letter", p)
}

func (s *server) handleLetterPDF(w http.ResponseWriter, r *http.Request) {
	l, b, ok := s.caseLetter(w, r, true)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="`+l.Identifier+`.pdf"`)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

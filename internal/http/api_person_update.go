package http

import "net/http"

// apiPersonUpdate answers PUT /api/v1/people/{id}: the body replaces every
// field of the person.
func (s *Server) apiPersonUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r.PathValue("id"))
	if !ok {
		s.apiNotFound(w, r)
		return
	}
	var in personInput
	if err := decodeBody(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	p := in.person()
	p.ID = id
	if err := p.Validate(); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.db.UpdatePerson(r.Context(), p); err != nil {
		s.apiError(w, r, err)
		return
	}
	p, err := s.db.FindPersonByID(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

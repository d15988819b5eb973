package http

import "net/http"

// apiPersonShow answers GET /api/v1/people/{id}.
func (s *Server) apiPersonShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r.PathValue("id"))
	if !ok {
		s.apiNotFound(w, r)
		return
	}
	p, err := s.db.FindPersonByID(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	recent := s.recentlyAuthenticated(r)
	redactPerson(p, decisionFrom(r), recent)
	withheld(w, decisionFrom(r), recent)
	writeJSON(w, http.StatusOK, p)
}

package http

import "net/http"

// apiCaseShow answers GET /api/v1/cases/{id}.
func (s *Server) apiCaseShow(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	recent := s.recentlyAuthenticated(r)
	redactCase(c, decisionFrom(r), recent)
	withheld(w, decisionFrom(r), recent)
	writeJSON(w, http.StatusOK, detail(c))
}

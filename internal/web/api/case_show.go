package api

import (
	"net/http"

	"escudo/internal/web"
)

// apiCaseShow answers GET /api/v1/cases/{id}.
func (s *server) apiCaseShow(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	recent := s.RecentlyAuthenticated(r)
	web.RedactCase(c, web.DecisionFrom(r), recent)
	web.Withheld(w, web.DecisionFrom(r), recent)
	web.WriteJSON(w, http.StatusOK, detail(c))
}

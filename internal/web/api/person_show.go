package api

import (
	"net/http"

	"escudo/internal/web"
)

// apiPersonShow answers GET /api/v1/people/{id}.
func (s *server) apiPersonShow(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok {
		s.APINotFound(w, r)
		return
	}
	p, err := s.DB.FindPersonByID(r.Context(), id)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	recent := s.RecentlyAuthenticated(r)
	web.RedactPerson(p, web.DecisionFrom(r), recent)
	web.Withheld(w, web.DecisionFrom(r), recent)
	web.WriteJSON(w, http.StatusOK, p)
}

package api

import (
	"net/http"

	"escudo/internal/web"
)

// apiCaseTimeline answers GET /api/v1/cases/{id}/timeline.
func (s *server) apiCaseTimeline(w http.ResponseWriter, r *http.Request) {
	id, ok := s.caseIDFromPath(w, r)
	if !ok {
		return
	}
	s.writeTimeline(w, r, id, http.StatusOK)
}

func (s *server) writeTimeline(w http.ResponseWriter, r *http.Request, id int64, status int) {
	ev, err := s.DB.Timeline(r.Context(), id)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	// Every case has at least its "received" event, so none means no case.
	if len(ev) == 0 {
		s.APINotFound(w, r)
		return
	}
	web.RedactNotes(ev, web.DecisionFrom(r))
	web.WriteJSON(w, status, eventList{Items: ev})
}

package http

import "net/http"

// apiCaseTimeline answers GET /api/v1/cases/{id}/timeline.
func (s *Server) apiCaseTimeline(w http.ResponseWriter, r *http.Request) {
	id, ok := s.caseIDFromPath(w, r)
	if !ok {
		return
	}
	s.writeTimeline(w, r, id, http.StatusOK)
}

func (s *Server) writeTimeline(w http.ResponseWriter, r *http.Request, id int64, status int) {
	ev, err := s.db.Timeline(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	// Every case has at least its "received" event, so none means no case.
	if len(ev) == 0 {
		s.apiNotFound(w, r)
		return
	}
	redactNotes(ev, decisionFrom(r))
	writeJSON(w, status, eventList{Items: ev})
}

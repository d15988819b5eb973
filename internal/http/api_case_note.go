package http

import "net/http"

// apiCaseNote answers POST /api/v1/cases/{id}/notes.
func (s *Server) apiCaseNote(w http.ResponseWriter, r *http.Request) {
	id, ok := s.caseIDFromPath(w, r)
	if !ok {
		return
	}
	var in noteInput
	if err := decodeBody(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.db.AddNote(r.Context(), id, in.Note); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeTimeline(w, r, id, http.StatusCreated)
}

package api

import (
	"net/http"

	"escudo/internal/web"
)

// apiCaseNote answers POST /api/v1/cases/{id}/notes.
func (s *server) apiCaseNote(w http.ResponseWriter, r *http.Request) {
	id, ok := s.caseIDFromPath(w, r)
	if !ok {
		return
	}
	var in noteInput
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := s.DB.AddNote(r.Context(), id, in.Note); err != nil {
		s.APIError(w, r, err)
		return
	}
	s.writeTimeline(w, r, id, http.StatusCreated)
}

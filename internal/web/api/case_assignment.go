package api

import (
	"net/http"

	"escudo"
	"escudo/internal/web"
)

// apiCaseAssignment answers POST /api/v1/cases/{id}/assignment. Taking a case
// from another staff member needs a hand-over note.
func (s *server) apiCaseAssignment(w http.ResponseWriter, r *http.Request) {
	id, ok := s.caseIDFromPath(w, r)
	if !ok {
		return
	}
	var in assignmentInput
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	if in.UserID <= 0 {
		s.APIError(w, r, escudo.FieldError("user_id", "validation.required", nil))
		return
	}
	if err := s.DB.AssignCase(r.Context(), id, in.UserID, in.Note); err != nil {
		// The store names the assignee; the API calls it user_id.
		if v, ok := escudo.AsValidation(err); ok {
			for i, e := range v {
				if e.Field == "assignee" {
					c := *e
					c.Field = "user_id"
					v[i] = &c
				}
			}
			err = v
		}
		s.APIError(w, r, err)
		return
	}
	s.writeCase(w, r, id)
}

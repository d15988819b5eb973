package api

import (
	"net/http"
	"time"

	"escudo"
	"escudo/internal/web"
)

// apiCaseMilestone answers POST /api/v1/cases/{id}/milestones: a dated step
// of the procedure, which starts and stops the legal clocks.
func (s *server) apiCaseMilestone(w http.ResponseWriter, r *http.Request) {
	id, ok := s.caseIDFromPath(w, r)
	if !ok {
		return
	}
	var in milestoneInput
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	var at time.Time
	if in.At != "" {
		var err error
		if at, err = parseTime(in.At); err != nil {
			s.APIError(w, r, escudo.ValidationErrors{escudo.FieldError("at", "validation.date", nil)})
			return
		}
	}
	if err := s.DB.RecordMilestone(r.Context(), id, in.Milestone, at, in.Note); err != nil {
		s.APIError(w, r, err)
		return
	}
	s.writeCase(w, r, id)
}

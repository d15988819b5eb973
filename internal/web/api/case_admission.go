package api

import (
	"net/http"

	"escudo"
	"escudo/internal/web"
)

// apiCaseAdmission answers POST /api/v1/cases/{id}/admission: admitted, not
// admitted (with reason) or more information requested (with reason).
func (s *server) apiCaseAdmission(w http.ResponseWriter, r *http.Request) {
	id, ok := s.caseIDFromPath(w, r)
	if !ok {
		return
	}
	var in admissionInput
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	d := escudo.AdmissionDecision{Admission: in.Admission, Reason: in.Reason, Procedure: in.Procedure}
	if err := s.DB.DecideAdmission(r.Context(), id, d); err != nil {
		s.APIError(w, r, err)
		return
	}
	s.writeCase(w, r, id)
}

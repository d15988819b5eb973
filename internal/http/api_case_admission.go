package http

import (
	"net/http"

	"escudo"
)

// apiCaseAdmission answers POST /api/v1/cases/{id}/admission: admitted, not
// admitted (with reason) or more information requested (with reason).
func (s *Server) apiCaseAdmission(w http.ResponseWriter, r *http.Request) {
	id, ok := s.caseIDFromPath(w, r)
	if !ok {
		return
	}
	var in admissionInput
	if err := decodeBody(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	d := escudo.AdmissionDecision{Admission: in.Admission, Reason: in.Reason, Procedure: in.Procedure}
	if err := s.db.DecideAdmission(r.Context(), id, d); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeCase(w, r, id)
}

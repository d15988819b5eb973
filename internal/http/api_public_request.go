package http

import "net/http"

// apiPublicRequest answers POST /api/v1/requests: a request for protection
// filed by anyone, without an account. The answer carries the reference and
// the secret follow-up code, shown this once.
func (s *Server) apiPublicRequest(w http.ResponseWriter, r *http.Request) {
	var in publicRequestInput
	if err := decodeBody(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, p, err := in.domain(s.db.Now())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rc, err := s.db.FileRequest(r.Context(), c, p)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, publicReceipt{Reference: rc.Reference, FollowUpCode: rc.Code})
}

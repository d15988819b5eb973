package api

import (
	"net/http"

	"escudo/internal/web"
)

// apiPublicRequest answers POST /api/v1/requests: a request for protection
// filed by anyone, without an account. The answer carries the reference and
// the secret follow-up code, shown this once.
func (s *server) apiPublicRequest(w http.ResponseWriter, r *http.Request) {
	var in publicRequestInput
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	c, p, err := in.domain(s.DB.Now())
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	rc, err := s.DB.FileRequest(r.Context(), c, p)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, publicReceipt{Reference: rc.Reference, FollowUpCode: rc.Code})
}

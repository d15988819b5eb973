package http

import (
	"net/http"
	"strconv"
	"time"

	"escudo"
	"escudo/internal/store"
)

// Consent and "who read my data": a beneficiary (or staff recording a
// consent given on paper) grants and revokes access to parts of their case;
// the beneficiary lists every audited read of their data.

type consentInput struct {
	GranteeUser int64     `json:"grantee_user"`
	GranteeOrg  string    `json:"grantee_org"`
	Scope       []string  `json:"scope"`
	Purpose     string    `json:"purpose"`
	ExpiresAt   time.Time `json:"expires_at"`
}

type consentList struct {
	Items []escudo.Consent `json:"items"`
}

type readList struct {
	Items []escudo.DataRead `json:"items"`
}

// apiPersonReads answers GET /api/v1/people/{id}/reads.
func (s *Server) apiPersonReads(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r.PathValue("id"))
	reads, err := s.db.ReadsOfPerson(r.Context(), id, 500)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.db.Audit(r.Context(), store.AuditEntry{Action: "audit.read", ObjectType: "person", ObjectID: strconv.FormatInt(id, 10), Fields: "reads"}); err != nil {
		s.apiError(w, r, err)
		return
	}
	if reads == nil {
		reads = []escudo.DataRead{}
	}
	writeJSON(w, http.StatusOK, readList{Items: reads})
}

// apiConsentList answers GET /api/v1/people/{id}/consents.
func (s *Server) apiConsentList(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r.PathValue("id"))
	list, err := s.db.Consents(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if list == nil {
		list = []escudo.Consent{}
	}
	writeJSON(w, http.StatusOK, consentList{Items: list})
}

// apiConsentGrant answers POST /api/v1/people/{id}/consents.
func (s *Server) apiConsentGrant(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r.PathValue("id"))
	var in consentInput
	if err := decodeBody(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	c := &escudo.Consent{PersonID: id, GranteeUser: in.GranteeUser, GranteeOrg: in.GranteeOrg, Scope: in.Scope, Purpose: in.Purpose, Expires: in.ExpiresAt}
	if err := s.db.GrantConsent(r.Context(), c); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// apiConsentRevoke answers POST /api/v1/people/{id}/consents/{consent}/revoke;
// the grantee loses access on their next request.
func (s *Server) apiConsentRevoke(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r.PathValue("id"))
	cid, ok := pathID(r.PathValue("consent"))
	if !ok {
		s.apiNotFound(w, r)
		return
	}
	if err := s.db.RevokeConsent(r.Context(), id, cid); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiConsentList(w, r)
}

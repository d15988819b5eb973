package api

import (
	"net/http"
	"strconv"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
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
func (s *server) apiPersonReads(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r.PathValue("id"))
	reads, err := s.DB.ReadsOfPerson(r.Context(), id, 500)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := s.DB.Audit(r.Context(), store.AuditEntry{Action: "audit.read", ObjectType: "person", ObjectID: strconv.FormatInt(id, 10), Fields: "reads"}); err != nil {
		s.APIError(w, r, err)
		return
	}
	if reads == nil {
		reads = []escudo.DataRead{}
	}
	web.WriteJSON(w, http.StatusOK, readList{Items: reads})
}

// apiConsentList answers GET /api/v1/people/{id}/consents.
func (s *server) apiConsentList(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r.PathValue("id"))
	list, err := s.DB.Consents(r.Context(), id)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if list == nil {
		list = []escudo.Consent{}
	}
	web.WriteJSON(w, http.StatusOK, consentList{Items: list})
}

// apiConsentGrant answers POST /api/v1/people/{id}/consents.
func (s *server) apiConsentGrant(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r.PathValue("id"))
	var in consentInput
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	c := &escudo.Consent{PersonID: id, GranteeUser: in.GranteeUser, GranteeOrg: in.GranteeOrg, Scope: in.Scope, Purpose: in.Purpose, Expires: in.ExpiresAt}
	if err := s.DB.GrantConsent(r.Context(), c); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, c)
}

// apiConsentRevoke answers POST /api/v1/people/{id}/consents/{consent}/revoke;
// the grantee loses access on their next request.
func (s *server) apiConsentRevoke(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r.PathValue("id"))
	cid, ok := web.PathID(r.PathValue("consent"))
	if !ok {
		s.APINotFound(w, r)
		return
	}
	if err := s.DB.RevokeConsent(r.Context(), id, cid); err != nil {
		s.APIError(w, r, err)
		return
	}
	s.apiConsentList(w, r)
}

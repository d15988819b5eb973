package api

import (
	"net/http"
	"net/url"
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
	// NextBefore, when set, asks for the next (older) page: ?before=NextBefore.
	NextBefore int64 `json:"next_before,omitempty"`
}

const defaultReadsPage, maxReadsPage = 100, 1000

// parseReadsPage reads ?limit= and ?before= of the reads list; anything
// else, repeated or mistyped, is refused.
func parseReadsPage(q url.Values) (limit int, before int64, err error) {
	p := web.NewQuery(q, "limit", "before")
	limit = p.Int("limit", defaultReadsPage, 1, maxReadsPage)
	before = p.ID("before")
	return limit, before, p.Err()
}

// apiPersonReads answers GET /api/v1/people/{id}/reads: reads and refused
// attempts on the person, their cases, devices and alerts, newest first,
// a page at a time.
func (s *server) apiPersonReads(w http.ResponseWriter, r *http.Request) {
	id, _ := web.PathID(r.PathValue("id"))
	limit, before, err := parseReadsPage(r.URL.Query())
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	reads, err := s.DB.ReadsOfPersonBefore(r.Context(), id, before, limit)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := s.DB.Audit(r.Context(), store.AuditEntry{Action: "audit.read", ObjectType: "person", ObjectID: strconv.FormatInt(id, 10), Fields: "reads"}); err != nil {
		s.APIError(w, r, err)
		return
	}
	out := readList{Items: reads}
	if out.Items == nil {
		out.Items = []escudo.DataRead{}
	} else if len(reads) == limit {
		out.NextBefore = reads[len(reads)-1].Seq
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// apiConsentList answers GET /api/v1/people/{id}/consents.
func (s *server) apiConsentList(w http.ResponseWriter, r *http.Request) {
	if err := web.NewQuery(r.URL.Query()).Err(); err != nil {
		s.APIError(w, r, err)
		return
	}
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

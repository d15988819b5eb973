package api

import (
	"net/http"
	"strconv"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/web"
)

// apiCaseCreate answers POST /api/v1/cases: a staff intake (hotline, e-mail,
// in person, referral) of a request and its petitioner, stored in one
// transaction.
func (s *server) apiCaseCreate(w http.ResponseWriter, r *http.Request) {
	var in caseCreateRequest
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
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(rc.CaseID, 10))
	web.WriteJSON(w, http.StatusCreated, caseCreated{ID: rc.CaseID, Reference: rc.Reference, FollowUpCode: rc.Code})
}

// caseFromPath loads the case named by the {id} path value, answering 404
// for ids that are not positive integers or name no case.
func (s *server) caseFromPath(w http.ResponseWriter, r *http.Request) (*escudo.Case, bool) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok {
		s.APINotFound(w, r)
		return nil, false
	}
	c, err := s.DB.FindCaseByID(r.Context(), id)
	if err != nil {
		s.APIError(w, r, err)
		return nil, false
	}
	return c, true
}

// caseIDFromPath reads the {id} path value, answering 404 when malformed.
func (s *server) caseIDFromPath(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok {
		s.APINotFound(w, r)
	}
	return id, ok
}

// writeCase answers with the current state of a case after an action,
// withheld exactly as GET /api/v1/cases/{id} withholds it from the caller:
// the decision to read it, not the decision to act on it, says what shows.
func (s *server) writeCase(w http.ResponseWriter, r *http.Request, id int64) {
	c, err := s.DB.FindCaseByID(r.Context(), id)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	o := access.Object{Kind: "case", ID: c.ID, CaseID: c.ID, PersonID: c.PersonID, Entity: c.Entity, AssignedTo: c.AssignedTo}
	d := s.Policy().Decide(r.Context(), escudo.UserFromContext(r.Context()), access.CaseRead, o)
	recent := s.RecentlyAuthenticated(r)
	web.RedactCase(c, d, recent)
	web.Withheld(w, d, recent)
	web.WriteJSON(w, http.StatusOK, detail(c))
}

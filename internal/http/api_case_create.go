package http

import (
	"net/http"
	"strconv"

	"escudo"
)

// apiCaseCreate answers POST /api/v1/cases: a staff intake (hotline, e-mail,
// in person, referral) of a request and its petitioner, stored in one
// transaction.
func (s *Server) apiCaseCreate(w http.ResponseWriter, r *http.Request) {
	var in caseCreateRequest
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
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(rc.CaseID, 10))
	writeJSON(w, http.StatusCreated, caseCreated{ID: rc.CaseID, Reference: rc.Reference, FollowUpCode: rc.Code})
}

// caseFromPath loads the case named by the {id} path value, answering 404
// for ids that are not positive integers or name no case.
func (s *Server) caseFromPath(w http.ResponseWriter, r *http.Request) (*escudo.Case, bool) {
	id, ok := pathID(r.PathValue("id"))
	if !ok {
		s.apiNotFound(w, r)
		return nil, false
	}
	c, err := s.db.FindCaseByID(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return nil, false
	}
	return c, true
}

// caseIDFromPath reads the {id} path value, answering 404 when malformed.
func (s *Server) caseIDFromPath(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := pathID(r.PathValue("id"))
	if !ok {
		s.apiNotFound(w, r)
	}
	return id, ok
}

// writeCase answers with the current state of a case after an action.
func (s *Server) writeCase(w http.ResponseWriter, r *http.Request, id int64) {
	c, err := s.db.FindCaseByID(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, detail(c))
}

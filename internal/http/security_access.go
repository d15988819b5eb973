package http

import (
	"fmt"
	"net/http"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/store"
)

// policy decides with the stored consent records and contractor tasks.
func (s *Server) policy() *access.Policy { return &access.Policy{Grants: s.db} }

func objectFromRef(kind string, id int64, r store.ObjectRef) access.Object {
	return access.Object{Kind: kind, ID: id, CaseID: r.CaseID, PersonID: r.PersonID, Entity: r.Entity, AssignedTo: r.AssignedTo}
}

// authorize decides an action on an object for the request's user. A denial
// is audited and answered here: 403 when the role may never do the action,
// 404 when the object lies outside the user's reach, so that changing ids in
// a URL tells nobody which cases exist.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, a access.Action, o access.Object) (access.Decision, bool) {
	u := escudo.UserFromContext(r.Context())
	d := s.policy().Decide(r.Context(), u, a, o)
	if d.Allowed {
		return d, true
	}
	if err := s.db.Audit(r.Context(), store.AuditEntry{Action: string(a), ObjectType: o.Kind, ObjectID: fmt.Sprint(o.ID),
		Fields: "reason:" + d.Reason, Outcome: store.OutcomeDenied}); err != nil {
		s.log.Error("audit denial", "err", err)
	}
	status, code, key := http.StatusNotFound, escudo.ENOTFOUND, "error.not_found"
	if d.Reason == "role" || d.Reason == "anonymous" || d.Reason == "disabled" || o.ID == 0 {
		status, code, key = http.StatusForbidden, escudo.EFORBIDDEN, "error.forbidden"
	}
	if wantsHTML(r) {
		s.renderError(w, r, status, key)
	} else {
		s.jsonError(w, r, status, code, key)
	}
	return d, false
}

// authorizeCase loads a case's access attributes and decides; an unknown
// case is 404 like one out of reach.
func (s *Server) authorizeCase(w http.ResponseWriter, r *http.Request, a access.Action, id int64) (access.Decision, bool) {
	ref, err := s.db.CaseRef(r.Context(), id)
	if err != nil {
		if wantsHTML(r) {
			s.errorPage(w, r, err)
		} else {
			s.apiError(w, r, err)
		}
		return access.Decision{}, false
	}
	return s.authorize(w, r, a, objectFromRef("case", id, ref))
}

// authorizePerson is authorizeCase for a person.
func (s *Server) authorizePerson(w http.ResponseWriter, r *http.Request, a access.Action, id int64) (access.Decision, bool) {
	ref, err := s.db.PersonRef(r.Context(), id)
	if err != nil {
		if wantsHTML(r) {
			s.errorPage(w, r, err)
		} else {
			s.apiError(w, r, err)
		}
		return access.Decision{}, false
	}
	return s.authorize(w, r, a, objectFromRef("person", id, ref))
}

// redactPerson withholds the fields of compartments the decision does not
// show. Addresses additionally need a recent sign-in (reauth.go).
func redactPerson(p *escudo.Person, d access.Decision, recent bool) {
	if p == nil {
		return
	}
	if !d.Sees(access.Identity) {
		p.Name, p.Alias, p.Phone, p.Email, p.Relatives, p.Members = "", "", "", "", nil, nil
	}
	if !d.Sees(access.Location) || !recent {
		p.Address = ""
	}
}

// redactCase withholds a case's fields the decision does not show.
func redactCase(c *escudo.Case, d access.Decision, recent bool) {
	if !d.Sees(access.Risk) {
		c.Narrative, c.Aggressors, c.AdmissionReason = "", "", ""
	}
	redactPerson(c.Person, d, recent)
}

// redactNotes withholds timeline notes (risk compartment) when the decision
// does not show them.
func redactNotes(ev []escudo.Event, d access.Decision) {
	if d.Sees(access.Risk) {
		return
	}
	for i := range ev {
		ev[i].Note = ""
	}
}

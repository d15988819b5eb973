package web

import (
	"fmt"
	"net/http"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/store"
)

// policy decides with the stored consent records and contractor tasks.
func (s *Core) Policy() *access.Policy { return &access.Policy{Grants: s.DB} }

func ObjectFromRef(kind string, id int64, r store.ObjectRef) access.Object {
	return access.Object{Kind: kind, ID: id, CaseID: r.CaseID, PersonID: r.PersonID, Entity: r.Entity, AssignedTo: r.AssignedTo,
		Agency: r.Agency, LiaisonID: r.LiaisonID}
}

// authorize decides an action on an object for the request's user. A denial
// is audited and answered here: 403 when the role may never do the action,
// 404 when the object lies outside the user's reach, so that changing ids in
// a URL tells nobody which cases exist.
func (s *Core) Authorize(w http.ResponseWriter, r *http.Request, a access.Action, o access.Object) (access.Decision, bool) {
	u := escudo.UserFromContext(r.Context())
	d := s.Policy().Decide(r.Context(), u, a, o)
	if d.Allowed {
		return d, true
	}
	if err := s.DB.Audit(r.Context(), store.AuditEntry{Action: string(a), ObjectType: o.Kind, ObjectID: fmt.Sprint(o.ID),
		Fields: "reason:" + d.Reason, Outcome: store.OutcomeDenied}); err != nil {
		s.Log.Error("audit denial", "err", err)
	}
	status, code, key := http.StatusNotFound, escudo.ENOTFOUND, "error.not_found"
	if d.Reason == "role" || d.Reason == "anonymous" || d.Reason == "disabled" || o.ID == 0 {
		status, code, key = http.StatusForbidden, escudo.EFORBIDDEN, "error.forbidden"
	}
	if WantsHTML(r) {
		s.RenderError(w, r, status, key)
	} else {
		s.JSONError(w, r, status, code, key)
	}
	return d, false
}

// authorizeRef loads the access attributes of the object kind names
// ("case", "person", "device", "evaluation", "measure", "letter", "alert")
// and decides; an unknown object is
// 404 like one out of reach.
func (s *Core) authorizeRef(w http.ResponseWriter, r *http.Request, a access.Action, kind string, id int64) (access.Decision, bool) {
	if !access.DecideRole(escudo.UserFromContext(r.Context()), a).Allowed {
		// A role that may never do this is refused before anything is
		// looked up, the same whether the object exists or not.
		return s.Authorize(w, r, a, access.Object{Kind: kind, ID: id})
	}
	var ref store.ObjectRef
	var err error
	switch kind {
	case "case":
		ref, err = s.DB.CaseRef(r.Context(), id)
	case "person":
		ref, err = s.DB.PersonRef(r.Context(), id)
	case "device":
		ref, err = s.DB.DeviceRef(r.Context(), id)
	case "evaluation":
		// An evaluation is decided on as its case.
		ref, err = s.DB.EvaluationRef(r.Context(), id)
	case "measure":
		ref, err = s.DB.MeasureRef(r.Context(), id)
	case "letter":
		// One of the case's letters, named in the path: decided as its
		// case, and an instruction also as addressed to its agency.
		ref, err = s.DB.LetterRef(r.Context(), id, r.PathValue("letter"))
	case "request":
		// An inter-agency request: decided as its case, and as addressed
		// to its agency.
		ref, err = s.DB.RequestRef(r.Context(), id)
	case "alert":
		if s.Opts.Alerts != nil {
			s.Opts.Alerts.AwaitStored(r.Context(), id) // paged before its commit ended
		}
		ref, err = s.DB.AlertRef(r.Context(), id)
	default:
		err = fmt.Errorf("web: no access attributes for %q", kind)
	}
	if err != nil {
		if WantsHTML(r) {
			s.ErrorPage(w, r, err)
		} else {
			s.APIError(w, r, err)
		}
		return access.Decision{}, false
	}
	return s.Authorize(w, r, a, ObjectFromRef(kind, id, ref))
}

// RedactPerson withholds the fields whose compartment (access.PersonFields)
// the decision does not show. Addresses additionally need a recent sign-in.
func RedactPerson(p *escudo.Person, d access.Decision, recent bool) {
	if p == nil {
		return
	}
	hide := func(field string) bool { return !d.Sees(access.PersonFields[field]) }
	if hide("name") {
		p.Name = ""
	}
	if hide("alias") {
		p.Alias = ""
	}
	if hide("gender") {
		p.Gender = ""
	}
	if hide("ethnicity") {
		p.Ethnicity = ""
	}
	if hide("language") {
		p.Language = ""
	}
	if hide("occupation") {
		p.Occupation = ""
	}
	if hide("organization") {
		p.Organization = ""
	}
	if hide("phone") {
		p.Phone = ""
	}
	if hide("email") {
		p.Email = ""
	}
	if hide("contact") {
		p.Contact = escudo.ContactPrefs{}
	}
	if hide("relatives") {
		p.Relatives = nil
	}
	if hide("members") {
		p.Members = nil
	}
	if hide("municipality") {
		p.Municipality = ""
	}
	if hide("address") || !recent {
		p.Address = ""
	}
}

// RedactCase withholds a case's fields the decision does not show.
func RedactCase(c *escudo.Case, d access.Decision, recent bool) {
	if !d.Sees(access.Risk) {
		c.Narrative, c.Aggressors, c.AdmissionReason = "", "", ""
	}
	RedactPerson(c.Person, d, recent)
}

// RedactNotes withholds timeline notes (risk compartment) when the decision
// does not show them.
func RedactNotes(ev []escudo.Event, d access.Decision) {
	if d.Sees(access.Risk) {
		return
	}
	for i := range ev {
		ev[i].Note = ""
	}
}

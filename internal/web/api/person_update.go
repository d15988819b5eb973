package api

import (
	"escudo"
	"net/http"

	"escudo/internal/access"
	"escudo/internal/web"
)

// apiPersonUpdate answers PUT /api/v1/people/{id}: the body replaces every
// field of the person.
func (s *server) apiPersonUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok {
		s.APINotFound(w, r)
		return
	}
	var in personInput
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	p := in.person()
	p.ID = id
	if err := p.Validate(); err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := s.DB.UpdatePerson(r.Context(), p); err != nil {
		s.APIError(w, r, err)
		return
	}
	p, err := s.DB.FindPersonByID(r.Context(), id)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	// Answered as GET /api/v1/people/{id} answers it to the caller.
	d := s.Policy().Decide(r.Context(), escudo.UserFromContext(r.Context()), access.PersonReadIdentity,
		access.Object{Kind: "person", ID: id, PersonID: id, Entity: p.Entity})
	recent := s.RecentlyAuthenticated(r)
	web.RedactPerson(p, d, recent)
	web.Withheld(w, d, recent)
	web.WriteJSON(w, http.StatusOK, p)
}

package http

import (
	"context"
	"net/http"
	"strings"

	"escudo"
	"escudo/internal/access"
)

type decisionKey struct{}

// decisionFrom returns the access decision the guard made for the request.
func decisionFrom(r *http.Request) access.Decision {
	d, _ := r.Context().Value(decisionKey{}).(access.Decision)
	return d
}

// guard decides an action for the signed-in user before the handler runs,
// on the object named by the {id} path value when kind is "case" or
// "person"; the handler finds the decision in the request context to
// withhold fields. A denial is audited and answered in authorize.
func (s *Server) guard(a access.Action, kind string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var d access.Decision
		var ok bool
		switch kind {
		case "case", "person":
			id, valid := pathID(r.PathValue("id"))
			if !valid {
				if wantsHTML(r) {
					s.renderError(w, r, http.StatusNotFound, "error.not_found")
				} else {
					s.apiNotFound(w, r)
				}
				return
			}
			if kind == "case" {
				d, ok = s.authorizeCase(w, r, a, id)
			} else {
				d, ok = s.authorizePerson(w, r, a, id)
			}
		default:
			d, ok = s.authorize(w, r, a, access.Object{Kind: "case"})
		}
		if !ok {
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), decisionKey{}, d)))
	}
}

// guardAPI adds the object-level decision to an API route whose path names
// a case or a person; the role-level decision is apiAllow's.
func (s *Server) guardAPI(rt apiRoute, next http.HandlerFunc) http.HandlerFunc {
	if rt.Action == "" {
		return next
	}
	switch {
	case strings.HasPrefix(rt.Path, "/api/v1/cases/{id}"):
		return s.guard(rt.Action, "case", next)
	case strings.HasPrefix(rt.Path, "/api/v1/people/{id}"):
		return s.guard(rt.Action, "person", next)
	}
	return s.guard(rt.Action, "", next)
}

// withheld tells API clients which fields were left out and why.
func withheld(w http.ResponseWriter, d access.Decision, recent bool) {
	if d.Sees(access.Location) && !recent {
		w.Header().Set("Escudo-Withheld", "address; reauth=/reauth")
	}
}

// apiAccount admits any signed-in account, by session cookie or by bearer
// token; the permission table decides the rest (apiAllow, guard). Only staff
// hold API tokens, so other roles come with a session.
func (s *Server) apiAccount(next http.HandlerFunc) http.HandlerFunc {
	inner := s.requireUser(next)
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.userFromBearer(r)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		if u != nil {
			r = r.WithContext(escudo.NewContextWithUser(r.Context(), u))
		}
		inner(w, r)
	}
}

package web

import (
	"context"
	"net/http"
	"strings"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/store"
)

type decisionKey struct{}

// DecisionFrom returns the access decision the guard made for the request.
func DecisionFrom(r *http.Request) access.Decision {
	d, _ := r.Context().Value(decisionKey{}).(access.Decision)
	return d
}

// guard decides an action for the signed-in user before the handler runs,
// on the object named by the {id} path value when kind is "case" or
// "person"; the handler finds the decision in the request context to
// withhold fields. A denial is audited and answered in authorize.
func (s *Core) Guard(a access.Action, kind string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var d access.Decision
		var ok bool
		switch kind {
		case "case", "person":
			id, valid := PathID(r.PathValue("id"))
			if !valid {
				if WantsHTML(r) {
					s.RenderError(w, r, http.StatusNotFound, "error.not_found")
				} else {
					s.APINotFound(w, r)
				}
				return
			}
			if kind == "case" {
				d, ok = s.AuthorizeCase(w, r, a, id)
			} else {
				d, ok = s.AuthorizePerson(w, r, a, id)
			}
		default:
			d, ok = s.Authorize(w, r, a, access.Object{Kind: "case"})
		}
		if !ok {
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), decisionKey{}, d)))
	}
}

// guardAPI adds the object-level decision to an API route whose path names
// a case or a person; the role-level decision is apiAllow's.
func (s *Core) GuardAPI(action access.Action, path string, next http.HandlerFunc) http.HandlerFunc {
	if action == "" {
		return next
	}
	switch {
	case strings.HasPrefix(path, "/api/v1/cases/{id}"):
		return s.Guard(action, "case", next)
	case strings.HasPrefix(path, "/api/v1/people/{id}"):
		return s.Guard(action, "person", next)
	}
	return s.Guard(action, "", next)
}

// Withheld tells API clients which fields were left out and why.
func Withheld(w http.ResponseWriter, d access.Decision, recent bool) {
	if d.Sees(access.Location) && !recent {
		w.Header().Set("Escudo-Withheld", "address; reauth=/reauth")
	}
}

// apiAccount admits any signed-in account, by session cookie or by bearer
// token; the permission table decides the rest (apiAllow, guard). Only staff
// hold API tokens, so other roles come with a session.
func (s *Core) APIAccount(next http.HandlerFunc) http.HandlerFunc {
	inner := s.RequireUser(next)
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.UserFromBearer(r)
		if err != nil {
			s.APIError(w, r, err)
			return
		}
		if u != nil {
			r = r.WithContext(escudo.NewContextWithUser(r.Context(), u))
		}
		inner(w, r)
	}
}

// apiStaff admits staff members by session cookie or by bearer token.
func (s *Core) APIStaff(next http.HandlerFunc) http.HandlerFunc {
	inner := s.RequireUser(next, StaffRoles...)
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.UserFromBearer(r)
		if err != nil {
			s.APIError(w, r, err)
			return
		}
		if u != nil {
			// requireUser takes a user already in the context as logged in.
			r = r.WithContext(escudo.NewContextWithUser(r.Context(), u))
		}
		inner(w, r)
	}
}

// apiAllow refuses, and audits, callers whose role the permission table
// never allows the action. Every staff rule of the table reaches all
// objects, so for staff this is the whole decision; routes opened to
// liaisons, contractors or reviewers must also decide on the object
// (entity, person, case) with access.Policy.
func (s *Core) APIAllow(action access.Action, next http.HandlerFunc) http.HandlerFunc {
	if action == "" {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		d := access.DecideRole(escudo.UserFromContext(r.Context()), action)
		if !d.Allowed {
			if err := s.DB.Audit(r.Context(), store.AuditEntry{Action: "access.denied", ObjectType: "api", ObjectID: r.Pattern,
				Fields: string(action), Outcome: store.OutcomeDenied}); err != nil {
				s.Log.Error("audit denial", "err", err)
			}
			s.APIError(w, r, access.Error(d))
			return
		}
		next(w, r)
	}
}

// userFromBearer authenticates a machine client by its personal API token
// ("Authorization: Bearer esc_..."). It returns no user and no error when
// the request has no Authorization header, so the session decides; a header
// that is present but wrong is refused rather than ignored.
func (s *Core) UserFromBearer(r *http.Request) (*escudo.User, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, escudo.Errorf(escudo.EUNAUTHORIZED, "error.unauthorized")
	}
	return s.DB.AuthenticateAPIToken(r.Context(), strings.TrimSpace(token))
}

package web

import (
	"context"
	"net/http"
	"strconv"
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

// Handle registers a route with its access record and puts the matching
// guard in front of h: nothing for public and device routes (devices
// authenticate inside their handlers), a signed-in account for account
// routes, and for every other route the permission table's decision on the
// action and, when the path names one, on the object. API routes (under
// /api/) also accept a personal API token.
func (s *Core) Handle(pattern string, a Access, h http.HandlerFunc) {
	s.Mux.HandleFunc(pattern, a, s.guarded(pattern, a, h))
}

func (s *Core) guarded(pattern string, a Access, h http.HandlerFunc) http.HandlerFunc {
	_, path, _ := strings.Cut(pattern, " ")
	api := strings.HasPrefix(path, "/api/")
	switch {
	case a.Public || a.Device:
		return h
	case a.Account && api:
		return s.APIAccount(h)
	case a.Account:
		return s.RequireUser(h)
	case api:
		return s.APIAccount(s.APIAllow(a.Action, s.GuardAccess(a, h)))
	}
	return s.RequireUser(s.GuardAccess(a, h))
}

// GuardAccess decides a route's action for the signed-in user before the
// handler runs, on the object named by the {id} path value when the access
// record names one; the handler finds the decision in the request context
// to withhold fields. A denial is audited and answered in Authorize.
func (s *Core) GuardAccess(a Access, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var d access.Decision
		var ok bool
		if a.Object != "" {
			if u := escudo.UserFromContext(r.Context()); u != nil && r.Method == http.MethodGet && !s.ReadsByUser.Allow("u:"+strconv.FormatInt(u.ID, 10)) {
				w.Header().Set("Retry-After", "60")
				if WantsHTML(r) {
					s.RenderError(w, r, http.StatusTooManyRequests, "error.too_many_reads")
				} else {
					s.APIError(w, r, escudo.Errorf(escudo.ETOOMANY, "error.too_many_reads"))
				}
				return
			}
			id, valid := PathID(r.PathValue("id"))
			if !valid {
				if WantsHTML(r) {
					s.RenderError(w, r, http.StatusNotFound, "error.not_found")
				} else {
					s.APINotFound(w, r)
				}
				return
			}
			d, ok = s.authorizeRef(w, r, a.Action, a.Object, id)
		} else {
			o := access.Object{Kind: "case"}
			if u := escudo.UserFromContext(r.Context()); a.Own && u != nil {
				o = access.Object{Kind: "person", ID: u.PersonID, PersonID: u.PersonID}
			} else if a.EntityList && u != nil {
				// The handler narrows the list to the caller's entity when
				// the rule is entity-scoped (ListEntity).
				switch rule, _ := access.RuleFor(u.Role, a.Action); rule.Scope {
				case access.Entity:
					o.Entity = u.Entity
				case access.Agency:
					// The handler narrows the list to the caller's agency.
					o.Kind, o.Agency = "measure", u.Agency
				}
			}
			d, ok = s.Authorize(w, r, a.Action, o)
		}
		if !ok {
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), decisionKey{}, d)))
	}
}

// ListEntity is the federal entity a collection must be narrowed to for
// the request's caller: the caller's own when the decision was entity
// scoped (ok true), "" when the caller reaches every object.
func ListEntity(r *http.Request) (entity string, scoped bool) {
	if DecisionFrom(r).Reason != access.Entity.String() {
		return "", false
	}
	u := escudo.UserFromContext(r.Context())
	if u == nil {
		return "", true
	}
	return u.Entity, true
}

// Withheld tells API clients which fields were left out and why.
func Withheld(w http.ResponseWriter, d access.Decision, recent bool) {
	if d.Sees(access.Location) && !recent {
		w.Header().Set("Escudo-Withheld", "address; reauth=/reauth")
	}
}

// apiAccount admits any signed-in account, by session cookie or by bearer
// token; the permission table decides the rest (APIAllow, GuardAccess). Only staff
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
			// Filed against the person or case the path names, so the
			// beneficiary's "who read my data" shows the attempt too.
			objType, objID := "api", r.Pattern
			if id := r.PathValue("id"); id != "" && (strings.HasPrefix(r.Pattern, "GET /api/v1/people/{id}") || strings.HasPrefix(r.Pattern, "GET /api/v1/cases/{id}")) {
				objType, objID = "case", id
				if strings.HasPrefix(r.Pattern, "GET /api/v1/people/") {
					objType = "person"
				}
			}
			if err := s.DB.Audit(r.Context(), store.AuditEntry{Action: "access.denied", ObjectType: objType, ObjectID: objID,
				Fields: string(action) + ";route:" + r.Pattern, Outcome: store.OutcomeDenied}); err != nil {
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

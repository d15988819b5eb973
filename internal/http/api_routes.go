package http

import (
	_ "embed"
	"net/http"
	"slices"
	"strings"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/store"
)

// openAPIDocument describes every /api/v1 route registered on the mux (this
// table and the device, alert and supervision routes); tests keep the two
// in step.
//
//go:embed openapi.json
var openAPIDocument []byte

// apiRoute is one route of the JSON API.
type apiRoute struct {
	Method  string
	Path    string        // ServeMux pattern path, written as in the OpenAPI document
	Public  bool          // no account needed; rate limited per address
	Action  access.Action // what the caller's role must be allowed; empty: any signed-in account
	Handler http.HandlerFunc
}

// apiPrefix is where the API lives; everything under it answers JSON.
const apiPrefix = "/api/v1/"

// apiRoutes is the table of the API's routes. Reads name the plain read
// action: the decision's compartments then withhold what the role may not
// see (security_access.go), so a liaison reads a case without its narrative.
func (s *Server) apiRoutes(publicLimit, statusLimit *addrLimiter) []apiRoute {
	return []apiRoute{
		{"GET", "/api/v1/openapi.json", true, "", s.apiOpenAPI},
		{"POST", "/api/v1/requests", true, "", s.rateLimited(publicLimit, s.apiPublicRequest)},
		{"POST", "/api/v1/requests/status", true, "", s.rateLimited(statusLimit, s.apiPublicStatus)},
		{"GET", "/api/v1/cases", false, access.CaseList, s.apiCaseList},
		{"POST", "/api/v1/cases", false, access.CaseCreate, s.apiCaseCreate},
		{"GET", "/api/v1/cases/{id}", false, access.CaseRead, s.apiCaseShow},
		{"POST", "/api/v1/cases/{id}/admission", false, access.CaseAdmission, s.apiCaseAdmission},
		{"POST", "/api/v1/cases/{id}/assignment", false, access.CaseAssign, s.apiCaseAssignment},
		{"POST", "/api/v1/cases/{id}/milestones", false, access.CaseMilestone, s.apiCaseMilestone},
		{"POST", "/api/v1/cases/{id}/notes", false, access.CaseNote, s.apiCaseNote},
		{"GET", "/api/v1/cases/{id}/timeline", false, access.CaseRead, s.apiCaseTimeline},
		{"GET", "/api/v1/backlog", false, access.CaseList, s.apiBacklog},
		{"GET", "/api/v1/people/{id}", false, access.PersonReadIdentity, s.apiPersonShow},
		{"PUT", "/api/v1/people/{id}", false, access.PersonUpdate, s.apiPersonUpdate},
		{"GET", "/api/v1/people/{id}/reads", false, access.AuditRead, s.apiPersonReads},
		{"GET", "/api/v1/people/{id}/consents", false, access.ConsentRead, s.apiConsentList},
		{"POST", "/api/v1/people/{id}/consents", false, access.ConsentManage, s.apiConsentGrant},
		{"POST", "/api/v1/people/{id}/consents/{consent}/revoke", false, access.ConsentManage, s.apiConsentRevoke},
		{"GET", "/api/v1/federal-entities", false, "", s.apiFederalEntities},
		{"GET", "/api/v1/clock-rules", false, "", s.apiClockRules},
	}
}

// registerAPI mounts the JSON API. Non-public routes need a session or a
// personal API token, a role the permission table allows the route's action
// (apiAllow) and, for a route naming a case or person, that object within
// the caller's reach (guardAPI).
func (s *Server) registerAPI() {
	// The status look-up gets a larger budget than filing: a petitioner may
	// check often, but filing many requests from one address is abuse.
	publicLimit := newAddrLimiter(s.opts.PublicRate, 10000, nil)
	statusLimit := newAddrLimiter(4*s.opts.PublicRate, 10000, nil)
	for _, rt := range s.apiRoutes(publicLimit, statusLimit) {
		h := rt.Handler
		if !rt.Public {
			h = s.apiAccount(s.apiAllow(rt.Action, s.guardAPI(rt, h)))
		}
		s.mux.HandleFunc(rt.Method+" "+rt.Path, h)
	}
	s.mux.HandleFunc(apiPrefix, s.apiUnmatched)
}

// apiStaff admits staff members by session cookie or by bearer token.
func (s *Server) apiStaff(next http.HandlerFunc) http.HandlerFunc {
	inner := s.requireUser(next, staffRoles...)
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.userFromBearer(r)
		if err != nil {
			s.apiError(w, r, err)
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
func (s *Server) apiAllow(action access.Action, next http.HandlerFunc) http.HandlerFunc {
	if action == "" {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		d := access.DecideRole(escudo.UserFromContext(r.Context()), action)
		if !d.Allowed {
			if err := s.db.Audit(r.Context(), store.AuditEntry{Action: "access.denied", ObjectType: "api", ObjectID: r.Pattern,
				Fields: string(action), Outcome: store.OutcomeDenied}); err != nil {
				s.log.Error("audit denial", "err", err)
			}
			s.apiError(w, r, access.Error(d))
			return
		}
		next(w, r)
	}
}

// userFromBearer authenticates a machine client by its personal API token
// ("Authorization: Bearer esc_..."). It returns no user and no error when
// the request has no Authorization header, so the session decides; a header
// that is present but wrong is refused rather than ignored.
func (s *Server) userFromBearer(r *http.Request) (*escudo.User, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, escudo.Errorf(escudo.EUNAUTHORIZED, "error.unauthorized")
	}
	return s.db.AuthenticateAPIToken(r.Context(), strings.TrimSpace(token))
}

// apiOpenAPI serves the OpenAPI document.
func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDocument)
}

// errMethodNotAllowed answers a known path with the wrong method (405).
var errMethodNotAllowed = &escudo.Error{Code: "method_not_allowed", Key: "error.method_not_allowed"}

// apiMethods are the methods the API may route.
var apiMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// apiUnmatched answers API paths no route serves: 405 with the allowed
// methods when the path exists for another method, otherwise 404, both in
// the API's error shape rather than the mux's plain text.
func (s *Server) apiUnmatched(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range apiMethods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != apiPrefix {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		if slices.Contains(allowed, http.MethodGet) {
			allowed = append(allowed, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.apiError(w, r, errMethodNotAllowed)
		return
	}
	s.apiError(w, r, escudo.Errorf(escudo.ENOTFOUND, "error.not_found"))
}

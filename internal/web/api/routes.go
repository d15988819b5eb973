// Package api serves escudo's JSON API under /api/v1, described by the
// OpenAPI document it serves: the public request and status routes, cases,
// people and consent, the device registry, alert handling, supervision and
// drills. Callers sign in with a session or a personal API token; the
// permission table decides every route.
package api

import (
	_ "embed"
	"net/http"
	"slices"
	"strings"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/web"
)

// openAPIDocument describes every /api/v1 route registered on the mux (this
// table and the device, alert and supervision routes); tests keep the two
// in step.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI document the server serves.
func OpenAPI() []byte { return append([]byte(nil), openAPIDocument...) }

// apiRoute is one route of the JSON API.
type apiRoute struct {
	Method  string
	Path    string        // ServeMux pattern path, written as in the OpenAPI document
	Public  bool          // no account needed; rate limited per address
	Action  access.Action // what the caller's role must be allowed; empty: any signed-in account
	Handler http.HandlerFunc
	Object  string // what {id} names ("case", "person", "device", "alert"); "" for collections
	Entity  bool   // a collection the handler narrows to an entity-scoped caller's entity
}

// DeviceCache is told of device changes made on this node, so a disabled
// device is refused at once here (the gateway's credential cache).
type DeviceCache interface{ Forget(id int64) }

// server is the API's handler set over the shared core.
type server struct {
	*web.Core
	devices DeviceCache
}

// Register mounts every /api/v1 route that staff and the public call and
// the API's answer to unmatched paths under /api/v1.
func Register(c *web.Core, devices DeviceCache) {
	s := &server{Core: c, devices: devices}
	s.registerAPI()
}

// Route is one route of the API's table as the permission table sees it:
// tests walk it to call every route as every role.
type Route struct {
	Method, Path string
	Public       bool
	Action       access.Action
	Object       string // what {id} names; "" for collections
	EntityList   bool   // narrowed to an entity-scoped caller's entity
}

// Routes lists the API's table of routes.
func Routes() []Route {
	s := &server{Core: &web.Core{}}
	var out []Route
	for _, rt := range s.apiRoutes(nil, nil) {
		out = append(out, Route{Method: rt.Method, Path: rt.Path, Public: rt.Public, Action: rt.Action, Object: rt.Object, EntityList: rt.Entity})
	}
	return out
}

// Prefix is where the API lives; everything under it answers JSON.
const Prefix = "/api/v1/"

// apiRoutes is the table of the API's routes. Reads name the plain read
// action: the decision's compartments then withhold what the role may not
// see (internal/web/access.go), so a liaison reads a case without its narrative.
func (s *server) apiRoutes(publicLimit, statusLimit *web.AddrLimiter) []apiRoute {
	return []apiRoute{
		{"GET", "/api/v1/openapi.json", true, "", s.apiOpenAPI, "", false},
		{"POST", "/api/v1/requests", true, "", s.RateLimited(publicLimit, s.apiPublicRequest), "", false},
		{"POST", "/api/v1/requests/status", true, "", s.RateLimited(statusLimit, s.apiPublicStatus), "", false},
		{"POST", "/api/v1/requests/status/answer", true, "", s.RateLimited(statusLimit, s.apiInfoAnswer), "", false},
		{"GET", "/api/v1/cases", false, access.CaseList, s.apiCaseList, "", false},
		{"POST", "/api/v1/cases", false, access.CaseCreate, s.apiCaseCreate, "", false},
		{"GET", "/api/v1/cases/{id}", false, access.CaseRead, s.apiCaseShow, "case", false},
		{"POST", "/api/v1/cases/{id}/admission", false, access.CaseAdmission, s.apiCaseAdmission, "case", false},
		{"POST", "/api/v1/cases/{id}/assignment", false, access.CaseAssign, s.apiCaseAssignment, "case", false},
		{"POST", "/api/v1/cases/{id}/milestones", false, access.CaseMilestone, s.apiCaseMilestone, "case", false},
		{"POST", "/api/v1/cases/{id}/notes", false, access.CaseNote, s.apiCaseNote, "case", false},
		{"GET", "/api/v1/cases/{id}/timeline", false, access.CaseRead, s.apiCaseTimeline, "case", false},
		{"GET", "/api/v1/backlog", false, access.CaseList, s.apiBacklog, "", false},
		{"GET", "/api/v1/people/{id}", false, access.PersonReadIdentity, s.apiPersonShow, "person", false},
		{"PUT", "/api/v1/people/{id}", false, access.PersonUpdate, s.apiPersonUpdate, "person", false},
		{"GET", "/api/v1/people/{id}/reads", false, access.AuditRead, s.apiPersonReads, "person", false},
		{"GET", "/api/v1/people/{id}/consents", false, access.ConsentRead, s.apiConsentList, "person", false},
		{"POST", "/api/v1/people/{id}/consents", false, access.ConsentManage, s.apiConsentGrant, "person", false},
		{"POST", "/api/v1/people/{id}/consents/{consent}/revoke", false, access.ConsentManage, s.apiConsentRevoke, "person", false},
		{"GET", "/api/v1/federal-entities", false, "", s.apiFederalEntities, "", false},
		{"GET", "/api/v1/clock-rules", false, "", s.apiClockRules, "", false},
		// Risk evaluation: the published instrument is public; recomputing
		// an evaluation reads its answers.
		{"GET", "/api/v1/risk/instrument", true, "", s.apiRiskInstrument, "", false},
		// The letter keys are published: with them anyone verifies a letter.
		{"GET", "/api/v1/letters/key", true, "", s.apiLetterKeys, "", false},
		{"GET", "/api/v1/evaluations/{id}/recompute", false, access.RiskRead, s.apiEvaluationRecompute, "evaluation", false},
		// The device registry: secrets and SIM numbers are logistics.
		{"POST", "/api/v1/devices", false, access.DeviceManage, s.apiDeviceCreate, "", false},
		{"GET", "/api/v1/devices", false, access.DeviceRead, s.apiDeviceList, "", true},
		{"GET", "/api/v1/devices/silent", false, access.DeviceRead, s.apiDevicesSilent, "", false},
		{"GET", "/api/v1/devices/untested", false, access.DeviceRead, s.apiDevicesUntested, "", false},
		{"GET", "/api/v1/devices/{id}", false, access.DeviceRead, s.apiDeviceShow, "device", false},
		{"GET", "/api/v1/devices/{id}/supervision", false, access.DeviceRead, s.apiDeviceSupervision, "device", false},
		{"POST", "/api/v1/devices/{id}/disable", false, access.DeviceManage, s.apiDeviceDisable, "device", false},
		// Alert handling: acknowledging stops escalation, so it is a response.
		{"GET", "/api/v1/alerts", false, access.AlertRead, s.apiAlertList, "", true},
		{"POST", "/api/v1/alerts", false, access.AlertRespond, s.apiAlertCreate, "", false},
		{"GET", "/api/v1/alerts/response-times", false, access.AlertRead, s.apiResponseTimes, "", false},
		{"GET", "/api/v1/alerts/{id}", false, access.AlertRead, s.apiAlertShow, "alert", false},
		{"POST", "/api/v1/alerts/{id}/acknowledge", false, access.AlertRespond, s.apiAlertAcknowledge, "alert", false},
		{"POST", "/api/v1/alerts/{id}/dispatch", false, access.AlertRespond, s.apiAlertDispatch, "alert", false},
		{"POST", "/api/v1/alerts/{id}/resolve", false, access.AlertRespond, s.apiAlertResolve, "alert", false},
		{"POST", "/api/v1/drills", false, access.DrillRun, s.apiDrillStart, "", false},
		{"GET", "/api/v1/drills", false, access.DrillRun, s.apiDrillList, "", false},
		{"GET", "/api/v1/drills/{id}", false, access.DrillRun, s.apiDrillShow, "", false},
	}
}

// registerAPI mounts the JSON API. Non-public routes need a session or a
// personal API token, a role the permission table allows the route's action
// (apiAllow) and, for a route naming a case or person, that object within
// the caller's reach (guardAPI).
func (s *server) registerAPI() {
	// The status look-up gets a larger budget than filing: a petitioner may
	// check often, but filing many requests from one address is abuse.
	publicLimit := web.NewAddrLimiter(s.Opts.PublicRate, 10000, nil)
	statusLimit := web.NewAddrLimiter(4*s.Opts.PublicRate, 10000, nil)
	for _, rt := range s.apiRoutes(publicLimit, statusLimit) {
		a := web.Access{Action: rt.Action, Object: rt.Object, EntityList: rt.Entity, Public: rt.Public, Account: !rt.Public && rt.Action == ""}
		s.Handle(rt.Method+" "+rt.Path, a, rt.Handler)
	}
	s.Mux.HandleFunc(Prefix, web.Access{Public: true}, s.apiUnmatched)
}

// apiOpenAPI serves the OpenAPI document.
func (s *server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDocument)
}

// apiMethods are the methods the API may route.
var apiMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// apiUnmatched answers API paths no route serves: 405 with the allowed
// methods when the path exists for another method, otherwise 404, both in
// the API's error shape rather than the mux's plain text.
func (s *server) apiUnmatched(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range apiMethods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.Mux.Handler(probe); pattern != "" && pattern != Prefix {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		if slices.Contains(allowed, http.MethodGet) {
			allowed = append(allowed, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.APIError(w, r, web.ErrMethodNotAllowed)
		return
	}
	s.APIError(w, r, escudo.Errorf(escudo.ENOTFOUND, "error.not_found"))
}

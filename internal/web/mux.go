package web

import (
	"net/http"
	"strings"

	"escudo"
	"escudo/internal/access"
)

// Access says how a route is decided. Every route is registered with one:
// the permission table's action (and the object its {id} names), or one of
// the few ways in that need no table entry. The role × route test walks
// these records, so a route cannot be added without saying who may call it.
type Access struct {
	// Action is the permission table's action the caller's role must be
	// allowed. Empty only together with Public, Device or Account.
	Action access.Action
	// Object is what the {id} path value names: "case", "person", "device"
	// or "alert"; the decision is then made on that object. Empty for
	// collections and forms, which only roles reaching every object may use,
	// unless EntityList.
	Object string
	// EntityList marks a collection whose handler narrows what it shows to
	// the caller's federal entity when the caller's rule is entity-scoped
	// (agency liaisons): the guard then lets such a caller through.
	EntityList bool
	// Own marks a collection of the caller's own objects (the portal's
	// first page): the guard decides on the caller's own person.
	Own bool
	// Public routes need no account: public pages and forms, sign-in,
	// static files, operational probes.
	Public bool
	// Device routes authenticate each request by the device's or the SMS
	// gateway's own secret, never by a session.
	Device bool
	// Account routes need a signed-in account of any role and decide nothing
	// else (re-authentication).
	Account bool
}

// Route is one registered route and how it is decided.
type Route struct {
	Method, Path string
	Access       Access
}

// Pattern is the ServeMux pattern of the route.
func (r Route) Pattern() string {
	if r.Method == "" {
		return r.Path
	}
	return r.Method + " " + r.Path
}

// RouteMux is the server's ServeMux, remembering every route registered
// through it and how it is decided: the role × route test and the OpenAPI
// test walk this list, whichever audience registered the route.
type RouteMux struct {
	*http.ServeMux
	routes []Route
	byKey  map[string]Access
}

// NewRouteMux returns an empty mux.
func NewRouteMux() *RouteMux {
	return &RouteMux{ServeMux: http.NewServeMux(), byKey: map[string]Access{}}
}

// Handle registers h for pattern with its access record. It panics on an
// access record that decides nothing, like ServeMux on a bad pattern: a
// programming error found at start-up.
func (m *RouteMux) Handle(pattern string, a Access, h http.Handler) {
	if a.Action == "" && !a.Public && !a.Device && !a.Account {
		panic("web: route " + pattern + " registered without an access rule")
	}
	m.ServeMux.Handle(pattern, h)
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	m.routes = append(m.routes, Route{Method: method, Path: path, Access: a})
	m.byKey[pattern] = a
}

// HandleFunc is Handle for a function.
func (m *RouteMux) HandleFunc(pattern string, a Access, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, a, http.HandlerFunc(h))
}

// Routes lists the registered routes in registration order.
func (m *RouteMux) Routes() []Route { return append([]Route(nil), m.routes...) }

// Patterns lists the registered patterns in registration order.
func (m *RouteMux) Patterns() []string {
	out := make([]Route, 0, len(m.routes))
	out = append(out, m.routes...)
	ps := make([]string, len(out))
	for i, r := range out {
		ps[i] = r.Pattern()
	}
	return ps
}

// Admits reports whether the route registered under pattern would let u in
// at the role level: the test behind every link and form a page shows, so
// that no menu leads to a refusal. Object-level rules still apply when the
// route is called.
func (m *RouteMux) Admits(u *escudo.User, pattern string) bool {
	a, ok := m.byKey[pattern]
	if !ok {
		return false
	}
	return admits(u, a)
}

// AdmitsNamed is Admits for a route whose rule for u's role is of scope
// Named (the safe-house registry): it lets u in when named reports that u
// is on the registry's list now. Other routes answer as Admits.
func (m *RouteMux) AdmitsNamed(u *escudo.User, pattern string, named func() bool) bool {
	a, ok := m.byKey[pattern]
	if !ok {
		return false
	}
	if rule, _ := access.RuleFor(roleOf(u), a.Action); a.Action != "" && rule.Scope == access.Named && u != nil && !u.Disabled {
		return named()
	}
	return admits(u, a)
}

// admits is the role-level part of a route's decision.
func admits(u *escudo.User, a Access) bool {
	switch {
	case a.Public || a.Device:
		return true
	case a.Account:
		return u != nil && !u.Disabled
	}
	rule, ok := access.RuleFor(roleOf(u), a.Action)
	if u == nil || u.Disabled || !ok || rule.Scope == access.None {
		return false
	}
	if a.Object != "" {
		return true
	}
	return rule.Scope == access.Any || rule.Scope == access.Own && a.Own && u.PersonID != 0 ||
		rule.Scope == access.Entity && a.EntityList && u.Entity != "" ||
		rule.Scope == access.Agency && a.EntityList && u.Agency != ""
}

func roleOf(u *escudo.User) escudo.Role {
	if u == nil {
		return ""
	}
	return u.Role
}

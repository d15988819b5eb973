package web

import "escudo"

// Place is a staff page a person may start from: its route, its address
// and the translation keys of its name and of what one does there.
type Place struct {
	Pattern string
	Href    string
	Name    string
	About   string
}

// Places lists the staff pages in the order a first page offers them.
var Places = []Place{
	{"GET /dashboard", "/dashboard", "nav.dashboard", "start.about_dashboard"},
	{"GET /console", "/console", "nav.console", "start.about_console"},
	{"GET /queue", "/queue", "nav.queue", "start.about_queue"},
	{"GET /backlog", "/backlog", "nav.backlog", "start.about_backlog"},
	{"GET /cases", "/cases", "nav.cases", "start.about_cases"},
	{"GET /cases/new", "/cases/new", "nav.intake", "start.about_intake"},
	{"GET /requests", "/requests", "nav.requests", "start.about_requests"},
	{"GET /devices", "/devices", "nav.devices", "start.about_devices"},
	{"GET /tasks", "/tasks", "nav.tasks", "start.about_tasks"},
	{"GET /admin/users", "/admin/users", "nav.users", "start.about_users"},
	{"GET /audit", "/audit", "nav.audit", "start.about_audit"},
	{"GET /portal", "/portal", "nav.portal", "start.about_portal"},
}

// landing is each role's first page after sign-in, most specific first;
// the first one the role is admitted to wins, and /start, which every
// account may open, is the last resort.
var landing = map[escudo.Role][]string{
	escudo.RoleCoordinator: {"/dashboard"},
	escudo.RoleDuty:        {"/console"},
	escudo.RoleAdmin:       {"/admin/users"},
	escudo.RoleAuditor:     {"/audit"},
	// A liaison starts from what the Mechanism asked their agency.
	escudo.RoleLiaison: {"/requests"},
	// A beneficiary starts from their own case.
	escudo.RoleBeneficiary: {"/portal"},
}

// Landing is where u starts after signing in: the role's own page, else
// the work queue, else the first page that says what the account can do.
func (s *Core) Landing(u *escudo.User) string {
	if u == nil {
		return "/"
	}
	for _, href := range append(landing[u.Role], "/queue") {
		for _, pl := range Places {
			if pl.Href == href && s.Mux.Admits(u, pl.Pattern) {
				return href
			}
		}
	}
	return "/start"
}

// Places is what the page's user may open among the staff pages.
func (p *Page) Places() []Place {
	var out []Place
	for _, pl := range Places {
		if p.Can(pl.Pattern) {
			out = append(out, pl)
		}
	}
	return out
}

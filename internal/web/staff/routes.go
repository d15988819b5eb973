// Package staff serves the mechanism staff's pages: the work queue, the
// backlog, case lists and search, intake of a request taken by phone or in
// person, the case page with its actions, and the duty operators' console.
package staff

import (
	"net/http"

	"escudo/internal/access"
	"escudo/internal/web"
)

// server is the staff pages' handler set over the shared core.
type server struct{ *web.Core }

// Register mounts the staff pages behind sign-in, each decided by the
// permission table through the guard, and the operator console.
func Register(c *web.Core) {
	s := &server{c}
	m := s.Mux
	staff := func(h http.HandlerFunc) http.HandlerFunc { return s.RequireUser(h, web.StaffRoles...) }
	m.HandleFunc("GET /queue", staff(s.Guard(access.CaseList, "", s.handleQueue)))
	m.HandleFunc("GET /backlog", staff(s.Guard(access.CaseList, "", s.handleBacklog)))
	m.HandleFunc("GET /cases", staff(s.Guard(access.CaseList, "", s.handleCases)))
	m.HandleFunc("GET /cases/new", staff(s.Guard(access.CaseCreate, "", s.handleIntakeForm)))
	m.HandleFunc("POST /cases", staff(s.Guard(access.CaseCreate, "", s.handleIntake)))
	m.HandleFunc("GET /cases/{id}", staff(s.Guard(access.CaseRead, "case", s.handleCase)))
	m.HandleFunc("POST /cases/{id}/admission", staff(s.Guard(access.CaseAdmission, "case", s.caseAction("admission", "case.done_admission", s.actAdmission))))
	m.HandleFunc("POST /cases/{id}/assign", staff(s.Guard(access.CaseAssign, "case", s.caseAction("assign", "case.done_assign", s.actAssign))))
	m.HandleFunc("POST /cases/{id}/milestones", staff(s.Guard(access.CaseMilestone, "case", s.caseAction("milestone", "case.done_milestone", s.actMilestone))))
	m.HandleFunc("POST /cases/{id}/notes", staff(s.Guard(access.CaseNote, "case", s.caseAction("note", "case.done_note", s.actNote))))
	s.registerConsole()
}

package http

import (
	"net/http"

	"escudo/internal/access"
)

// registerWeb sets up sessions, catalogues and templates and registers the
// server-rendered pages: public pages first, then staff pages behind login.
func (s *Server) registerWeb() error {
	if err := s.newWeb(); err != nil {
		return err
	}
	m := s.mux
	m.HandleFunc("GET /static/{file}", s.handleStatic)
	m.HandleFunc("GET /lang", s.handleLang)
	m.HandleFunc("/", s.handleNotFound)

	// Public pages, no account.
	m.HandleFunc("GET /{$}", s.handleHome)
	m.HandleFunc("GET /solicitar", s.handleRequestForm)
	m.HandleFunc("POST /solicitar", s.handleRequest)
	m.HandleFunc("GET /seguimiento", s.handleStatusForm)
	m.HandleFunc("POST /seguimiento", s.handleStatus)
	m.HandleFunc("GET /login", s.handleLoginForm)
	m.HandleFunc("POST /login", s.handleLogin)
	m.HandleFunc("POST /logout", s.handleLogout)

	// Staff pages.
	staff := func(h http.HandlerFunc) http.HandlerFunc { return s.requireUser(h, staffRoles...) }
	m.HandleFunc("GET /queue", staff(s.guard(access.CaseList, "", s.handleQueue)))
	m.HandleFunc("GET /backlog", staff(s.guard(access.CaseList, "", s.handleBacklog)))
	m.HandleFunc("GET /cases", staff(s.guard(access.CaseList, "", s.handleCases)))
	m.HandleFunc("GET /cases/new", staff(s.guard(access.CaseCreate, "", s.handleIntakeForm)))
	m.HandleFunc("POST /cases", staff(s.guard(access.CaseCreate, "", s.handleIntake)))
	m.HandleFunc("GET /cases/{id}", staff(s.guard(access.CaseRead, "case", s.handleCase)))
	m.HandleFunc("POST /cases/{id}/admission", staff(s.guard(access.CaseAdmission, "case", s.caseAction("admission", "case.done_admission", s.actAdmission))))
	m.HandleFunc("POST /cases/{id}/assign", staff(s.guard(access.CaseAssign, "case", s.caseAction("assign", "case.done_assign", s.actAssign))))
	m.HandleFunc("POST /cases/{id}/milestones", staff(s.guard(access.CaseMilestone, "case", s.caseAction("milestone", "case.done_milestone", s.actMilestone))))
	m.HandleFunc("POST /cases/{id}/notes", staff(s.guard(access.CaseNote, "case", s.caseAction("note", "case.done_note", s.actNote))))
	return nil
}

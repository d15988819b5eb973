// Package staff serves the mechanism staff's pages: the coordination's
// dashboard, the work queue, the backlog, case lists and search, intake of a
// request taken by phone or in person, the case page with its actions, and
// the duty operators' console.
package staff

import (
	"escudo/internal/access"
	"escudo/internal/web"
)

// server is the staff pages' handler set over the shared core.
type server struct{ *web.Core }

// Register mounts the staff pages behind sign-in, each decided by the
// permission table through the guard, and the operator console.
func Register(c *web.Core) {
	s := &server{c}
	s.Handle("GET /dashboard", web.Access{Action: access.DashboardRead, EntityList: true}, s.handleDashboard)
	s.Handle("GET /queue", web.Access{Action: access.CaseList}, s.handleQueue)
	s.Handle("GET /backlog", web.Access{Action: access.CaseList}, s.handleBacklog)
	s.Handle("GET /cases", web.Access{Action: access.CaseList}, s.handleCases)
	s.Handle("GET /cases/new", web.Access{Action: access.CaseCreate}, s.handleIntakeForm)
	s.Handle("POST /cases", web.Access{Action: access.CaseCreate}, s.handleIntake)
	s.Handle("GET /cases/{id}", web.Access{Action: access.CaseRead, Object: "case"}, s.handleCase)
	s.Handle("POST /cases/{id}/admission", web.Access{Action: access.CaseAdmission, Object: "case"}, s.caseAction("admission", "case.done_admission", s.actAdmission))
	s.Handle("POST /cases/{id}/assign", web.Access{Action: access.CaseAssign, Object: "case"}, s.caseAction("assign", "case.done_assign", s.actAssign))
	s.Handle("POST /cases/{id}/milestones", web.Access{Action: access.CaseMilestone, Object: "case"}, s.caseAction("milestone", "case.done_milestone", s.actMilestone))
	s.Handle("POST /cases/{id}/notes", web.Access{Action: access.CaseNote, Object: "case"}, s.caseAction("note", "case.done_note", s.actNote))
	s.registerAssessments()
	s.registerCompare()
	s.registerReevaluations()
	s.registerAppeals()
	s.registerConsole()
	s.registerEvaluations()
	s.registerMeasures()
	s.registerLetters()
	s.Handle("GET /notices", web.Access{Account: true}, s.handleNotices)
	s.Handle("POST /notices/read", web.Access{Account: true}, s.handleNoticesRead)
	s.Handle("GET /start", web.Access{Account: true}, s.handleStart)
	s.Handle("GET /audit", web.Access{Action: access.AuditVerify}, s.handleAudit)
}

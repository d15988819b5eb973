package http

import (
	"net/http"

	"escudo"
	"escudo/internal/store"
)

type queueData struct {
	Cases []caseRow
	Total int
	Inbox []store.Notification
}

// handleQueue is "Mi cola": the open cases assigned to me and my latest
// notifications (new assignments, breached clocks, urgent requests).
func (s *Server) handleQueue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := escudo.UserFromContext(ctx)
	cases, total, err := s.db.FindCases(ctx, escudo.CaseFilter{AssignedTo: u.ID, Open: true, Limit: 100})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	inbox, err := s.db.Inbox(ctx, u.ID, 30)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := &queueData{Total: total, Inbox: inbox}
	p := s.newPage(r, "queue.title", d)
	d.Cases = p.caseRows(cases)
	s.popFlash(r, p)
	s.render(w, r, http.StatusOK, "queue", p)
}

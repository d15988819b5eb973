package staff

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

// handleQueue is "Mi cola": the open cases assigned to me, the next deadline
// first, and my latest notifications (new assignments, breached clocks,
// urgent requests).
func (s *server) handleQueue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := escudo.UserFromContext(ctx)
	cases, err := s.DB.CasesByDeadline(ctx, escudo.CaseFilter{AssignedTo: u.ID, Limit: 100})
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	inbox, err := s.DB.Inbox(ctx, u.ID, 30)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	d := &queueData{Total: len(cases), Inbox: inbox}
	p := s.NewPage(r, "queue.title", d)
	d.Cases = backlogRows(p, cases)
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "queue", p)
}

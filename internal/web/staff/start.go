package staff

import (
	"errors"
	"net/http"

	"escudo"
	"escudo/internal/store"
)

type startData struct{ Tasks []*store.TaskRow }

// handleStart is the first page of an account whose role has no work page
// of its own yet: what the role may do in the Mechanism, and the pages it
// can open here.
func (s *server) handleStart(w http.ResponseWriter, r *http.Request) {
	p := s.NewPage(r, "start.title", nil)
	// A contractor or an agency's liaison works through tasks: their first
	// page lists the open ones, each with a link to the case it opens.
	if u := p.User; u.Role == escudo.RoleContractor || u.Role == escudo.RoleLiaison {
		tasks, err := s.DB.FindTasks(r.Context(), store.TaskFilter{UserID: u.ID, Open: true})
		if err != nil {
			s.ServerError(w, r, err)
			return
		}
		p.Data = &startData{Tasks: tasks}
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "start", p)
}

type auditData struct {
	Report      *store.VerifyReport
	BrokenAt    int64
	Checkpoints []store.Checkpoint
}

// handleAudit runs the audit log verification (`escudo audit verify`
// against the stored checkpoints) and shows the outcome and the latest
// signed checkpoints; no entry's content is shown.
func (s *server) handleAudit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := &auditData{}
	rep, err := s.DB.VerifyAudit(ctx, nil)
	var ce *store.ChainError
	switch {
	case errors.As(err, &ce):
		d.BrokenAt = ce.Seq
	case err != nil:
		s.ServerError(w, r, err)
		return
	default:
		d.Report = rep
	}
	cps, err := s.DB.Checkpoints(ctx)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	// Newest first, the last twenty.
	for i := len(cps) - 1; i >= 0 && len(d.Checkpoints) < 20; i-- {
		d.Checkpoints = append(d.Checkpoints, cps[i])
	}
	s.Render(w, r, http.StatusOK, "audit", s.NewPage(r, "audit.title", d))
}

package staff

import (
	"net/http"
	"net/url"
	"strconv"

	"escudo"
	"escudo/internal/web"
)

const backlogPageSize = 50

type backlogData struct {
	*escudo.Backlog
	Table                    []caseRow
	Assignees                []assigneeOption
	Stage, Entity, Procedure string
	Assignee                 string // a user id, "none" for unassigned cases, or empty
	Page                     int
	HasNext                  bool
	PrevURL, NextURL         string
}

// handleBacklog is the aging board: counts per stage, breached and soon-due
// cases, and open cases by most urgent clock.
func (s *server) handleBacklog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := escudo.CaseFilter{Open: true, Limit: backlogPageSize}
	d := &backlogData{Page: web.PageNumber(r)}
	if st := escudo.Stage(q.Get("stage")); isWebStage(st) && st != escudo.StageClosed {
		f.Stage, d.Stage = st, string(st)
	}
	if _, ok := escudo.LookupFederalEntity(q.Get("entity")); ok {
		f.Entity, d.Entity = q.Get("entity"), q.Get("entity")
	}
	if pr := escudo.Procedure(q.Get("procedure")); pr == escudo.ProcedureOrdinary || pr == escudo.ProcedureExtraordinary {
		f.Procedure, d.Procedure = pr, string(pr)
	}
	if a := q.Get("assignee"); a == "none" {
		f.Unassigned, d.Assignee = true, a
	} else if id, err := strconv.ParseInt(a, 10, 64); err == nil && id > 0 {
		f.AssignedTo, d.Assignee = id, a
	}
	f.Offset = (d.Page - 1) * backlogPageSize
	b, err := s.DB.Backlog(r.Context(), f)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	d.Backlog = b
	users, err := s.DB.FindUsers(r.Context())
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	for _, u := range users {
		if u.Role.Staff() && !u.Disabled {
			d.Assignees = append(d.Assignees, assigneeOption{ID: strconv.FormatInt(u.ID, 10), Name: u.DisplayName, Workload: b.Workload[u.ID]})
		}
	}
	d.HasNext = len(b.Rows) == backlogPageSize
	link := func(page int) string {
		v := url.Values{}
		for k, x := range map[string]string{"stage": d.Stage, "entity": d.Entity, "procedure": d.Procedure, "assignee": d.Assignee} {
			if x != "" {
				v.Set(k, x)
			}
		}
		if page > 1 {
			v.Set("page", itoa(page))
		}
		if len(v) == 0 {
			return "/backlog"
		}
		return "/backlog?" + v.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = link(d.Page - 1)
	}
	if d.HasNext {
		d.NextURL = link(d.Page + 1)
	}
	p := s.NewPage(r, "backlog.title", d)
	d.Table = backlogRows(p, b.Rows)
	// A case whose latest evaluation raised a Board flag is marked.
	ids := make([]int64, len(b.Rows))
	for i, row := range b.Rows {
		ids[i] = row.Case.ID
	}
	board, err := s.DB.ForBoard(r.Context(), ids)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	for i := range d.Table {
		d.Table[i].ForBoard = board[d.Table[i].ID]
	}
	s.Render(w, r, http.StatusOK, "backlog", p)
}

// assigneeOption is a person in an assignee menu (the backlog's filter, the
// case page's assignment), with the open and overdue cases they hold.
type assigneeOption struct {
	ID, Name string
	Role     string // translated; empty where the menu does not show it
	Workload escudo.Workload
}

func isWebStage(st escudo.Stage) bool {
	for _, x := range escudo.Stages {
		if x == st {
			return true
		}
	}
	return false
}

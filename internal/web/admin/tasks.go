package admin

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/store"
	"escudo/internal/web"
)

type tasksData struct {
	Tasks    []*store.TaskRow
	Holders  []*escudo.User // active contractor and liaison accounts
	Scopes   []string
	Expiries []int // days a task may last; 0 until closed
}

// taskExpiries are the lengths a task may be given, in days.
var taskExpiries = []int{1, 7, 30, 90, 0}

// handleTasks lists the open tasks and the form that gives one; ?case=FOLIO
// (the case page's link) fills the folio in.
func (s *server) handleTasks(w http.ResponseWriter, r *http.Request) {
	p := s.NewPage(r, "tasks.title", nil)
	p.Form = map[string][]string{"scope": {access.Location, access.Logistics}, "expires": {"30"}}
	if ref := strings.TrimSpace(r.URL.Query().Get("case")); ref != "" && len(ref) <= 20 {
		p.Form.Set("reference", ref)
	}
	s.renderTasks(w, r, http.StatusOK, p)
}

func (s *server) renderTasks(w http.ResponseWriter, r *http.Request, status int, p *web.Page) {
	ctx := r.Context()
	tasks, err := s.DB.FindTasks(ctx, store.TaskFilter{Open: true})
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	users, err := s.DB.FindUsers(ctx)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	d := &tasksData{Tasks: tasks, Scopes: access.AllCompartments, Expiries: taskExpiries}
	for _, u := range users {
		if !u.Disabled && (u.Role == escudo.RoleContractor || u.Role == escudo.RoleLiaison) {
			d.Holders = append(d.Holders, u)
		}
	}
	p.Data = d
	s.PopFlash(r, p)
	s.Render(w, r, status, "tasks", p)
}

// handleTaskAssign gives a contractor or a liaison a task on the case with
// the folio typed: the compartments ticked are all they reach on it, until
// the task expires or is closed.
func (s *server) handleTaskAssign(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	var verrs escudo.ValidationErrors
	t := &escudo.ContractorTask{Description: strings.TrimSpace(f.Get("description")), Scope: f["scope"]}
	_, caseID, err := s.DB.PersonByReference(r.Context(), f.Get("reference"))
	if v, ok := escudo.AsValidation(err); ok {
		verrs = append(verrs, v...)
	} else if err != nil {
		s.ServerError(w, r, err)
		return
	}
	t.CaseID = caseID
	t.UserID, _ = strconv.ParseInt(f.Get("user"), 10, 64)
	days, err := strconv.Atoi(f.Get("expires"))
	if err != nil || days < 0 || days > 366 {
		verrs.Add("expires", "validation.choice", nil)
	} else if days > 0 {
		at := s.DB.Now().Add(time.Duration(days) * 24 * time.Hour)
		t.Expires = &at
	}
	if len(verrs) == 0 {
		err = s.DB.AssignTask(r.Context(), t)
		if v, ok := escudo.AsValidation(err); ok {
			verrs = append(verrs, v...)
		} else if err != nil {
			s.ServerError(w, r, err)
			return
		}
	}
	if len(verrs) > 0 {
		// The form's field for the account is "user"; the store names it user_id.
		for i := range verrs {
			switch verrs[i].Field {
			case "user_id":
				verrs[i].Field = "user"
			case "case_id":
				verrs[i].Field = "reference"
			}
		}
		p := s.NewPage(r, "tasks.title", nil)
		p.Form = f
		p.SetErrors("", verrs.Err())
		s.renderTasks(w, r, http.StatusBadRequest, p)
		return
	}
	s.Flash(r, "tasks.done_assign")
	http.Redirect(w, r, "/tasks", http.StatusSeeOther)
}

// handleTaskClose ends a task: its holder loses access at once.
func (s *server) handleTaskClose(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PostForm.Get("task"), 10, 64)
	if err != nil || id <= 0 {
		s.RenderError(w, r, http.StatusBadRequest, "error.bad_form")
		return
	}
	if err := s.DB.CloseTask(r.Context(), id); err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.Flash(r, "tasks.done_close")
	http.Redirect(w, r, "/tasks", http.StatusSeeOther)
}

package staff

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
)

// handleStart is the first page of an account whose role has no work page
// of its own yet: what the role may do in the Mechanism, and the pages it
// can open here.
func (s *server) handleStart(w http.ResponseWriter, r *http.Request) {
	p := s.NewPage(r, "start.title", nil)
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

type usersData struct {
	Users []*escudo.User
	Roles []escudo.Role
}

// handleUsers lists the accounts with their role and state, and the form
// that creates one.
func (s *server) handleUsers(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, s.NewPage(r, "users.title", nil))
}

func (s *server) renderUsers(w http.ResponseWriter, r *http.Request, status int, p *web.Page) {
	users, err := s.DB.FindUsers(r.Context())
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	p.Data = &usersData{Users: users, Roles: escudo.Roles}
	s.PopFlash(r, p)
	s.Render(w, r, status, "users", p)
}

// handleUserCreate adds an account; invalid input comes back with what was
// typed (never the password) and the message next to each field.
func (s *server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	u := &escudo.User{
		Username:     strings.ToLower(strings.TrimSpace(f.Get("username"))),
		DisplayName:  strings.TrimSpace(f.Get("display_name")),
		Role:         escudo.Role(f.Get("role")),
		Organization: strings.TrimSpace(f.Get("organization")),
		Entity:       f.Get("federal_entity"),
		Locale:       "es-MX",
	}
	err := s.DB.CreateUser(r.Context(), u, f.Get("password"))
	if _, ok := escudo.AsValidation(err); ok {
		p := s.NewPage(r, "users.title", nil)
		f.Del("password")
		p.Form = f
		p.SetErrors("", err)
		s.renderUsers(w, r, http.StatusBadRequest, p)
		return
	}
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.Flash(r, "users.done_create")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// userState disables or enables an account; disabling ends its sessions.
func (s *server) userState(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.ParseForm(w, r) {
			return
		}
		id, err := strconv.ParseInt(r.PostForm.Get("user"), 10, 64)
		if err != nil || id <= 0 {
			s.RenderError(w, r, http.StatusBadRequest, "error.bad_form")
			return
		}
		if u := escudo.UserFromContext(r.Context()); u != nil && u.ID == id && disabled {
			s.RenderError(w, r, http.StatusConflict, "error.disable_self")
			return
		}
		if err := s.DB.SetUserDisabled(r.Context(), id, disabled); err != nil {
			s.ErrorPage(w, r, err)
			return
		}
		key := "users.done_enable"
		if disabled {
			key = "users.done_disable"
		}
		s.Flash(r, key)
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	}
}

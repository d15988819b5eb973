package signin

import (
	"net/http"

	"escudo"
)

// Every account chooses its own password here; an account whose password
// an administrator set is sent here before any other page (web.RequireUser).

type passwordData struct {
	Temporary bool
	Min       int
}

func (s *server) handlePasswordForm(w http.ResponseWriter, r *http.Request) {
	s.passwordPage(w, r, http.StatusOK, nil)
}

func (s *server) passwordPage(w http.ResponseWriter, r *http.Request, status int, err error) {
	u := escudo.UserFromContext(r.Context())
	p := s.NewPage(r, "password.title", &passwordData{Temporary: u.MustChangePassword, Min: escudo.MinPasswordLength})
	if err != nil {
		p.SetErrors("", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, status, "account_password", p)
}

// handlePassword changes the signed-in account's password. The current
// password is asked again, the new one twice; a refused form comes back
// without any password typed. Every session of the account ends, this one
// too, and the person signs in with the new password.
func (s *server) handlePassword(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		s.RenderError(w, r, http.StatusBadRequest, "error.bad_form")
		return
	}
	u := escudo.UserFromContext(r.Context())
	if s.loginLocked(r, u.Username) {
		s.passwordPage(w, r, http.StatusTooManyRequests, escudo.FieldError("current", "error.login_failed", nil))
		return
	}
	f := r.PostForm
	if f.Get("password") != f.Get("confirm") {
		s.passwordPage(w, r, http.StatusBadRequest, escudo.FieldError("confirm", "validation.password_mismatch", nil))
		return
	}
	err := s.DB.ChangeOwnPassword(r.Context(), u.ID, f.Get("current"), f.Get("password"))
	if v, ok := escudo.AsValidation(err); ok {
		for _, e := range v {
			if e.Field == "current" {
				s.loginFailed(r, u.Username)
			}
		}
		s.passwordPage(w, r, http.StatusBadRequest, err)
		return
	}
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	if err := s.Sessions.Destroy(r.Context()); err != nil {
		s.ServerError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login?changed=1", http.StatusSeeOther)
}

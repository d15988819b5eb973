package signin

import (
	"net/http"
	"strings"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
)

func (s *server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if u := s.CurrentUser(r); u != nil {
		http.Redirect(w, r, web.SafeNext(r.URL.Query().Get("next"), s.Landing(u)), http.StatusSeeOther) // #nosec G710 -- web.SafeNext admits only local paths
		return
	}
	p := s.NewPage(r, "login.title", nil)
	p.Public = true
	p.Form = map[string][]string{"next": {r.URL.Query().Get("next")}}
	if r.URL.Query().Get("bye") == "1" {
		p.Flash = p.L.T("login.logged_out")
	}
	if r.URL.Query().Get("changed") == "1" {
		p.Flash = p.L.T("login.password_changed")
	}
	s.Render(w, r, http.StatusOK, "login", p)
}

// handleLogin checks a password. Every failure, including a refused rate,
// shows the same message, so the form tells nobody whether an account
// exists or is being guessed.
func (s *server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		s.RenderError(w, r, http.StatusBadRequest, "error.bad_form")
		return
	}
	username := strings.ToLower(strings.TrimSpace(r.PostForm.Get("username")))
	pw := r.PostForm.Get("password")
	fail := func(status int) {
		p := s.NewPage(r, "login.title", nil)
		p.Public = true
		p.Form = map[string][]string{"username": {username}, "next": {r.PostForm.Get("next")}}
		p.Error = p.L.T("error.login_failed")
		s.Render(w, r, status, "login", p)
	}
	addrOK := s.LoginByAddr.Allow(web.ClientAddr(r))
	nameOK := s.LoginByName.Allow(username)
	if !addrOK || !nameOK {
		s.Log.Warn("login rate limited", "addr", store.RemoteFromContext(r.Context()))
		fail(http.StatusTooManyRequests)
		return
	}
	if s.loginLocked(r, username) {
		fail(http.StatusTooManyRequests)
		return
	}
	u, err := s.DB.Authenticate(r.Context(), username, pw)
	if err != nil {
		if escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			s.ServerError(w, r, err)
			return
		}
		s.loginFailed(r, username)
		fail(http.StatusUnauthorized)
		return
	}
	s.afterPassword(w, r, u)
}

func (s *server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.Sessions.Destroy(r.Context()); err != nil {
		s.ServerError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login?bye=1", http.StatusSeeOther)
}

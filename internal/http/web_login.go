package http

import (
	"net/http"
	"strings"

	"escudo"
	"escudo/internal/store"
)

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if u := s.currentUser(r); u != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next"), "/queue"), http.StatusSeeOther) // #nosec G710 -- safeNext admits only local paths
		return
	}
	p := s.newPage(r, "login.title", nil)
	p.Public = true
	p.Form = map[string][]string{"next": {r.URL.Query().Get("next")}}
	if r.URL.Query().Get("bye") == "1" {
		p.Flash = p.L.T("login.logged_out")
	}
	s.render(w, r, http.StatusOK, "login", p)
}

// handleLogin checks a password. Every failure, including a refused rate,
// shows the same message, so the form tells nobody whether an account
// exists or is being guessed.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "error.bad_form")
		return
	}
	username := strings.ToLower(strings.TrimSpace(r.PostForm.Get("username")))
	pw := r.PostForm.Get("password")
	fail := func(status int) {
		p := s.newPage(r, "login.title", nil)
		p.Public = true
		p.Form = map[string][]string{"username": {username}, "next": {r.PostForm.Get("next")}}
		p.Error = p.L.T("error.login_failed")
		s.render(w, r, status, "login", p)
	}
	addrOK := s.web.loginByAddr.allow(store.RemoteFromContext(r.Context()))
	nameOK := s.web.loginByName.allow(username)
	if !addrOK || !nameOK {
		s.log.Warn("login rate limited", "addr", store.RemoteFromContext(r.Context()))
		fail(http.StatusTooManyRequests)
		return
	}
	if s.loginLocked(r, username) {
		fail(http.StatusTooManyRequests)
		return
	}
	u, err := s.db.Authenticate(r.Context(), username, pw)
	if err != nil {
		if escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			s.serverError(w, r, err)
			return
		}
		s.loginFailed(r, username)
		fail(http.StatusUnauthorized)
		return
	}
	s.afterPassword(w, r, u)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.web.sessions.Destroy(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login?bye=1", http.StatusSeeOther)
}

package http

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"escudo"
	"escudo/internal/store"
)

// Second factor. After a correct password the session holds only a pending
// user; the account is signed in when the second factor is also correct.
// Accounts without a confirmed authenticator enrol on that first sign-in.

const (
	sessionPendingKey   = "pending_uid"
	sessionPendingAtKey = "pending_at"
	pendingTTL          = 5 * time.Minute
	reauthWindow        = 5 * time.Minute
)

// secondFactorRequired: every role but beneficiaries, who may sign in from
// whatever phone they have.
func (s *Server) secondFactorRequired(u *escudo.User) bool {
	return !s.opts.AllowPasswordOnly && u.Role != escudo.RoleBeneficiary
}

// registerSecurity mounts the second-factor and re-authentication pages.
func (s *Server) registerSecurity() {
	m := s.mux
	m.HandleFunc("GET /login/second-factor", s.handleSecondFactorForm)
	m.HandleFunc("POST /login/second-factor", s.handleSecondFactor)
	m.HandleFunc("GET /login/enrol", s.handleEnrolForm)
	m.HandleFunc("POST /login/enrol", s.handleEnrol)
	m.HandleFunc("GET /reauth", s.requireUser(s.handleReauthForm))
	m.HandleFunc("POST /reauth", s.requireUser(s.handleReauth))
	s.registerSecurityKeys()
}

// loginLocked reports whether the account name or the address is locked
// out. Unknown names lock exactly like real ones, so nothing is revealed.
func (s *Server) loginLocked(r *http.Request, username string) bool {
	for _, subj := range []string{s.db.AccountSubject(username), store.AddressSubject(store.RemoteFromContext(r.Context()))} {
		locked, err := s.db.Locked(r.Context(), subj)
		if err != nil {
			s.log.Error("lockout check", "err", err)
			return true // fail closed
		}
		if locked {
			return true
		}
	}
	return false
}

// loginFailed counts a failed password or code against the account name and
// the address.
func (s *Server) loginFailed(r *http.Request, username string) {
	if _, err := s.db.RecordFailure(r.Context(), s.db.AccountSubject(username), store.AccountLockout); err != nil {
		s.log.Error("record login failure", "err", err)
	}
	if _, err := s.db.RecordFailure(r.Context(), store.AddressSubject(store.RemoteFromContext(r.Context())), store.AddressLockout); err != nil {
		s.log.Error("record login failure", "err", err)
	}
}

// afterPassword continues a sign-in whose password was right.
func (s *Server) afterPassword(w http.ResponseWriter, r *http.Request, u *escudo.User) {
	ctx := r.Context()
	if err := s.db.ClearFailures(ctx, s.db.AccountSubject(u.Username)); err != nil {
		s.log.Error("clear login failures", "err", err)
	}
	if !s.secondFactorRequired(u) {
		s.completeLogin(w, r, u)
		return
	}
	state, err := s.db.TOTPStatus(ctx, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// A new token here too: the pending state must not ride on a token an
	// attacker planted.
	if err := s.web.sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.web.sessions.Remove(ctx, sessionUserKey)
	s.web.sessions.Put(ctx, sessionPendingKey, u.ID)
	s.web.sessions.Put(ctx, sessionPendingAtKey, time.Now().Unix())
	next := "?next=" + url.QueryEscape(safeNext(r.FormValue("next"), "/queue"))
	if state == store.TOTPConfirmed {
		http.Redirect(w, r, "/login/second-factor"+next, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login/enrol"+next, http.StatusSeeOther)
}

// pendingUser returns the user whose password was checked within the last
// few minutes in this session, or nil.
func (s *Server) pendingUser(r *http.Request) *escudo.User {
	if !hasSession(r) {
		return nil
	}
	ctx := r.Context()
	id := s.web.sessions.GetInt64(ctx, sessionPendingKey)
	at := s.web.sessions.GetInt64(ctx, sessionPendingAtKey)
	if id == 0 || time.Since(time.Unix(at, 0)) > pendingTTL {
		return nil
	}
	u, err := s.db.FindUserByID(ctx, id)
	if err != nil || u.Disabled {
		return nil
	}
	return u
}

type totpData struct {
	Secret string // grouped for reading aloud or typing
	URI    string
}

func (s *Server) totpPage(w http.ResponseWriter, r *http.Request, status int, tmpl, title string, data any, errKey string) {
	p := s.newPage(r, title, data)
	p.Public = true
	p.Form = map[string][]string{"next": {safeNext(r.FormValue("next"), "/queue")}}
	if errKey != "" {
		p.Error = p.L.T(errKey)
	}
	s.render(w, r, status, tmpl, p)
}

func (s *Server) handleSecondFactorForm(w http.ResponseWriter, r *http.Request) {
	if s.pendingUser(r) == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.totpPage(w, r, http.StatusOK, "totp", "totp.title", nil, "")
}

func (s *Server) handleSecondFactor(w http.ResponseWriter, r *http.Request) {
	u, ok := s.postedCode(w, r)
	if !ok {
		return
	}
	if err := s.db.VerifyTOTP(r.Context(), u, r.PostForm.Get("code")); err != nil {
		if escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			s.serverError(w, r, err)
			return
		}
		s.loginFailed(r, u.Username)
		s.totpPage(w, r, http.StatusUnauthorized, "totp", "totp.title", nil, "error.totp_invalid")
		return
	}
	s.finishSecondFactor(w, r, u)
}

// postedCode reads a posted authenticator code form and returns the user
// who passed the password step, unless the form is bad, there is no such
// user or the account is locked; then the answer is written and ok is false.
func (s *Server) postedCode(w http.ResponseWriter, r *http.Request) (*escudo.User, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "error.bad_form")
		return nil, false
	}
	u := s.pendingUser(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil, false
	}
	if s.loginLocked(r, u.Username) {
		s.totpPage(w, r, http.StatusTooManyRequests, "totp", "totp.title", nil, "error.totp_invalid")
		return nil, false
	}
	return u, true
}

func (s *Server) finishSecondFactor(w http.ResponseWriter, r *http.Request, u *escudo.User) {
	if err := s.db.ClearFailures(r.Context(), s.db.AccountSubject(u.Username)); err != nil {
		s.log.Error("clear login failures", "err", err)
	}
	if s.securityKeyRequired(u) {
		// The password and the code were right; the security key is next,
		// still without a signed-in session.
		s.web.sessions.Put(r.Context(), sessionTOTPOKKey, u.ID)
		s.web.sessions.Put(r.Context(), sessionPendingAtKey, time.Now().Unix())
		http.Redirect(w, r, "/login/security-key?next="+url.QueryEscape(safeNext(r.FormValue("next"), "/queue")), http.StatusSeeOther)
		return
	}
	s.web.sessions.Remove(r.Context(), sessionPendingKey)
	s.web.sessions.Remove(r.Context(), sessionPendingAtKey)
	s.completeLogin(w, r, u)
}

func groupSecret(secret string) string {
	var b strings.Builder
	for i, c := range secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (s *Server) enrolData(w http.ResponseWriter, r *http.Request, u *escudo.User) (*totpData, bool) {
	secret, uri, err := s.db.BeginTOTP(r.Context(), u)
	if escudo.ErrorCode(err) == escudo.ECONFLICT {
		http.Redirect(w, r, "/login/second-factor?next="+url.QueryEscape(safeNext(r.FormValue("next"), "/queue")), http.StatusSeeOther)
		return nil, false
	} else if err != nil {
		s.serverError(w, r, err)
		return nil, false
	}
	return &totpData{Secret: groupSecret(secret), URI: uri}, true
}

func (s *Server) handleEnrolForm(w http.ResponseWriter, r *http.Request) {
	u := s.pendingUser(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	d, ok := s.enrolData(w, r, u)
	if !ok {
		return
	}
	s.totpPage(w, r, http.StatusOK, "totp_enrol", "totp.enrol_title", d, "")
}

func (s *Server) handleEnrol(w http.ResponseWriter, r *http.Request) {
	u, ok := s.postedCode(w, r)
	if !ok {
		return
	}
	if err := s.db.ConfirmTOTP(r.Context(), u, r.PostForm.Get("code")); err != nil {
		if escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			s.serverError(w, r, err)
			return
		}
		s.loginFailed(r, u.Username)
		d, ok := s.enrolData(w, r, u)
		if !ok {
			return
		}
		s.totpPage(w, r, http.StatusUnauthorized, "totp_enrol", "totp.enrol_title", d, "error.totp_invalid")
		return
	}
	s.finishSecondFactor(w, r, u)
}

// recentlyAuthenticated reports whether the session's user proved who they
// are (password or second factor) within the last few minutes: needed
// before exports and before an address or safe-house data is shown.
func (s *Server) recentlyAuthenticated(r *http.Request) bool {
	if !hasSession(r) {
		return false
	}
	at := s.web.sessions.GetInt64(r.Context(), sessionAuthKey)
	return at != 0 && time.Since(time.Unix(at, 0)) <= reauthWindow
}

type reauthData struct{ TOTP bool }

func (s *Server) reauthData(r *http.Request) *reauthData {
	state, err := s.db.TOTPStatus(r.Context(), escudo.UserIDFromContext(r.Context()))
	return &reauthData{TOTP: err == nil && state == store.TOTPConfirmed}
}

func (s *Server) handleReauthForm(w http.ResponseWriter, r *http.Request) {
	s.totpPage(w, r, http.StatusOK, "reauth", "reauth.title", s.reauthData(r), "")
}

// handleReauth accepts the account's second factor or, for accounts that
// sign in without one, the password.
func (s *Server) handleReauth(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "error.bad_form")
		return
	}
	u := escudo.UserFromContext(r.Context())
	if s.loginLocked(r, u.Username) {
		s.totpPage(w, r, http.StatusTooManyRequests, "reauth", "reauth.title", s.reauthData(r), "error.login_failed")
		return
	}
	var err error
	state, serr := s.db.TOTPStatus(r.Context(), u.ID)
	if serr != nil {
		s.serverError(w, r, serr)
		return
	}
	if state == store.TOTPConfirmed {
		err = s.db.VerifyTOTP(r.Context(), u, r.PostForm.Get("code"))
	} else {
		_, err = s.db.Authenticate(r.Context(), u.Username, r.PostForm.Get("password"))
	}
	if err != nil {
		if escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			s.serverError(w, r, err)
			return
		}
		s.loginFailed(r, u.Username)
		s.totpPage(w, r, http.StatusUnauthorized, "reauth", "reauth.title", s.reauthData(r), "error.login_failed")
		return
	}
	s.web.sessions.Put(r.Context(), sessionAuthKey, time.Now().Unix())
	// #nosec G710 -- safeNext keeps the redirect on this site.
	http.Redirect(w, r, safeNext(r.PostForm.Get("next"), "/queue"), http.StatusSeeOther)
}

// Package signin serves signing in and out: password, the second factor
// (TOTP or a security key through WebAuthn), enrolment of a second factor at
// the first sign-in, re-authentication before sensitive data is shown, and
// the start of a session once every check has passed.
package signin

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"escudo"
	"escudo/internal/i18n"
	"escudo/internal/store"
	"escudo/internal/web"
)

// Second factor. After a correct password the session holds only a pending
// user; the account is signed in when the second factor is also correct.
// Accounts without a confirmed authenticator enrol on that first sign-in.

const (
	sessionPendingKey   = "pending_uid"
	sessionPendingAtKey = "pending_at"
	pendingTTL          = 5 * time.Minute
)

// secondFactorRequired: every account, beneficiaries too (a passphrase
// and an authenticator app or a security key), unless the installation
// allows the password alone (tests, the demo).
func (s *server) secondFactorRequired(*escudo.User) bool {
	return !s.Opts.AllowPasswordOnly
}

// open is the access record of the sign-in pages: they are how one gets
// an account's session, so nobody needs one to reach them.
var open = web.Access{Public: true}

// server is the sign-in pages' handler set over the shared core.
type server struct{ *web.Core }

// Register mounts sign-in and sign-out, the second factor (TOTP and
// security keys), enrolment at first sign-in and re-authentication.
func Register(c *web.Core) {
	s := &server{c}
	s.Handle("GET /login", open, s.handleLoginForm)
	s.Handle("POST /login", open, s.handleLogin)
	s.Handle("POST /logout", open, s.handleLogout)
	s.Handle("GET /login/second-factor", open, s.handleSecondFactorForm)
	s.Handle("POST /login/second-factor", open, s.handleSecondFactor)
	s.Handle("GET /login/enrol", open, s.handleEnrolForm)
	s.Handle("POST /login/enrol", open, s.handleEnrol)
	s.registerInvitations()
	s.Handle("GET /account/password", web.Access{Account: true}, s.handlePasswordForm)
	s.Handle("POST /account/password", web.Access{Account: true}, s.handlePassword)
	s.Handle("GET /reauth", web.Access{Account: true}, s.handleReauthForm)
	s.Handle("POST /reauth", web.Access{Account: true}, s.handleReauth)
	s.registerSecurityKeys()
}

// loginLocked reports whether the account name or the address is locked
// out. Unknown names lock exactly like real ones, so nothing is revealed.
func (s *server) loginLocked(r *http.Request, username string) bool {
	for _, subj := range []string{s.DB.AccountSubject(username), store.AddressSubject(store.RemoteFromContext(r.Context()))} {
		locked, err := s.DB.Locked(r.Context(), subj)
		if err != nil {
			s.Log.Error("lockout check", "err", err)
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
func (s *server) loginFailed(r *http.Request, username string) {
	if _, err := s.DB.RecordFailure(r.Context(), s.DB.AccountSubject(username), store.AccountLockout); err != nil {
		s.Log.Error("record login failure", "err", err)
	}
	if _, err := s.DB.RecordFailure(r.Context(), store.AddressSubject(store.RemoteFromContext(r.Context())), store.AddressLockout); err != nil {
		s.Log.Error("record login failure", "err", err)
	}
}

// factorFailed records a wrong code or refused key for the account's
// second-factor count (already counted by factorAttempt) and audits the
// lock it may have set.
func (s *server) factorFailed(r *http.Request, u *escudo.User) {
	if err := s.DB.FactorFailed(r.Context(), u.ID, store.FactorLockout); err != nil {
		s.Log.Error("record second-factor failure", "err", err)
	}
}

// afterPassword continues a sign-in whose password was right.
func (s *server) afterPassword(w http.ResponseWriter, r *http.Request, u *escudo.User) {
	ctx := r.Context()
	if err := s.DB.ClearFailures(ctx, s.DB.AccountSubject(u.Username)); err != nil {
		s.Log.Error("clear login failures", "err", err)
	}
	if !s.secondFactorRequired(u) {
		s.completeLogin(w, r, u)
		return
	}
	state, err := s.DB.TOTPStatus(ctx, u.ID)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	// A new token here too: the pending state must not ride on a token an
	// attacker planted.
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.ServerError(w, r, err)
		return
	}
	s.Sessions.Remove(ctx, web.SessionUserKey)
	s.Sessions.Put(ctx, sessionPendingKey, u.ID)
	s.Sessions.Put(ctx, sessionPendingAtKey, time.Now().Unix())
	s.Sessions.Put(ctx, sessionSharedKey, sharedDevice(r))
	next := "?next=" + url.QueryEscape(web.SafeNext(r.FormValue("next"), ""))
	if state == store.TOTPConfirmed {
		http.Redirect(w, r, "/login/second-factor"+next, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login/enrol"+next, http.StatusSeeOther)
}

// pendingUser returns the user whose password was checked within the last
// few minutes in this session, or nil.
func (s *server) pendingUser(r *http.Request) *escudo.User {
	if !web.HasSession(r) {
		return nil
	}
	ctx := r.Context()
	id := s.Sessions.GetInt64(ctx, sessionPendingKey)
	at := s.Sessions.GetInt64(ctx, sessionPendingAtKey)
	if id == 0 || time.Since(time.Unix(at, 0)) > pendingTTL {
		return nil
	}
	u, err := s.DB.FindUserByID(ctx, id)
	if err != nil || u.Disabled {
		return nil
	}
	return u
}

type totpData struct {
	Beneficiary bool   // plain words for a person protected, not staff
	Secret      string // grouped for reading aloud or typing
	URI         string
	QR          template.URL // PNG data URI of the URI as a QR code
	Link        template.URL // the URI, clickable
}

func (s *server) totpPage(w http.ResponseWriter, r *http.Request, status int, tmpl, title string, data any, errKey string) {
	p := s.NewPage(r, title, data)
	p.Public = true
	p.Form = map[string][]string{"next": {web.SafeNext(r.FormValue("next"), "")}}
	if errKey != "" {
		p.Error = p.L.T(errKey)
	}
	// These pages show an authenticator's secret or act for a pending
	// sign-in: never in any cache.
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, status, tmpl, p)
}

func (s *server) handleSecondFactorForm(w http.ResponseWriter, r *http.Request) {
	if s.pendingUser(r) == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.totpPage(w, r, http.StatusOK, "totp", "totp.title", nil, "")
}

func (s *server) handleSecondFactor(w http.ResponseWriter, r *http.Request) {
	u, ok := s.postedCode(w, r)
	if !ok {
		return
	}
	check, failKey := func() error { return s.DB.VerifyTOTP(r.Context(), u, r.PostForm.Get("code")) }, "error.totp_invalid"
	if rc := r.PostForm.Get("recovery"); rc != "" {
		// A lost phone: one of the codes given at enrolment, once.
		check, failKey = func() error { return s.DB.UseRecoveryCode(r.Context(), u, rc) }, "error.recovery_invalid"
	}
	if err := check(); err != nil {
		if escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			s.ServerError(w, r, err)
			return
		}
		s.loginFailed(r, u.Username)
		s.factorFailed(r, u)
		s.totpPage(w, r, http.StatusUnauthorized, "totp", "totp.title", nil, failKey)
		return
	}
	s.finishSecondFactor(w, r, u)
}

// postedCode reads a posted authenticator code form and returns the user
// who passed the password step, unless the form is bad, there is no such
// user or the account is locked; then the answer is written and ok is false.
func (s *server) postedCode(w http.ResponseWriter, r *http.Request) (*escudo.User, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		s.RenderError(w, r, http.StatusBadRequest, "error.bad_form")
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
	if !s.factorAttempt(w, r, u, func() { s.totpPage(w, r, http.StatusTooManyRequests, "totp", "totp.title", nil, "error.factor_locked") }) {
		return nil, false
	}
	return u, true
}

// factorAttempt counts a second-factor attempt of the account before it is
// checked (store.BeginFactorAttempt). When the account's code step is
// locked it calls locked, which writes the answer, and reports false.
func (s *server) factorAttempt(w http.ResponseWriter, r *http.Request, u *escudo.User, locked func()) bool {
	ok, until, err := s.DB.BeginFactorAttempt(r.Context(), u.ID, store.FactorLockout)
	if err != nil {
		s.ServerError(w, r, err)
		return false
	}
	if !ok {
		s.Log.Warn("second factor locked", "user", u.ID, "until", until)
		locked()
		return false
	}
	return true
}

func (s *server) finishSecondFactor(w http.ResponseWriter, r *http.Request, u *escudo.User) {
	s.finishSecondFactorThen(w, r, u, func(target string) {
		http.Redirect(w, r, target, http.StatusSeeOther) // #nosec G710 -- targets are local paths (web.SafeNext, web.Landing)
	})
}

// finishSecondFactorThen is finishSecondFactor with the answer left to
// respond, given the page to go on to.
func (s *server) finishSecondFactorThen(w http.ResponseWriter, r *http.Request, u *escudo.User, respond func(target string)) {
	if err := s.DB.ClearFailures(r.Context(), s.DB.AccountSubject(u.Username)); err != nil {
		s.Log.Error("clear login failures", "err", err)
	}
	if err := s.DB.ClearFactorFailures(r.Context(), u.ID); err != nil {
		s.Log.Error("clear second-factor failures", "err", err)
	}
	if s.securityKeyRequired(u) {
		// The password and the code were right; the security key is next,
		// still without a signed-in session.
		s.Sessions.Put(r.Context(), sessionTOTPOKKey, u.ID)
		s.Sessions.Put(r.Context(), sessionPendingAtKey, time.Now().Unix())
		respond("/login/security-key?next=" + url.QueryEscape(web.SafeNext(r.FormValue("next"), "")))
		return
	}
	s.Sessions.Remove(r.Context(), sessionPendingKey)
	s.Sessions.Remove(r.Context(), sessionPendingAtKey)
	s.completeLoginThen(w, r, u, respond)
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

func (s *server) enrolData(w http.ResponseWriter, r *http.Request, u *escudo.User) (*totpData, bool) {
	secret, uri, err := s.DB.BeginTOTP(r.Context(), u)
	if escudo.ErrorCode(err) == escudo.ECONFLICT {
		http.Redirect(w, r, "/login/second-factor?next="+url.QueryEscape(web.SafeNext(r.FormValue("next"), "")), http.StatusSeeOther)
		return nil, false
	} else if err != nil {
		s.ServerError(w, r, err)
		return nil, false
	}
	d := &totpData{Secret: groupSecret(secret), URI: uri, Beneficiary: u.Role == escudo.RoleBeneficiary}
	if d.QR, d.Link, err = enrolLinks(uri); err != nil {
		s.ServerError(w, r, err)
		return nil, false
	}
	return d, true
}

func (s *server) handleEnrolForm(w http.ResponseWriter, r *http.Request) {
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

func (s *server) handleEnrol(w http.ResponseWriter, r *http.Request) {
	u, ok := s.postedCode(w, r)
	if !ok {
		return
	}
	if err := s.DB.ConfirmTOTP(r.Context(), u, r.PostForm.Get("code")); err != nil {
		if escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			s.ServerError(w, r, err)
			return
		}
		s.loginFailed(r, u.Username)
		s.factorFailed(r, u)
		d, ok := s.enrolData(w, r, u)
		if !ok {
			return
		}
		s.totpPage(w, r, http.StatusUnauthorized, "totp_enrol", "totp.enrol_title", d, "error.totp_invalid")
		return
	}
	// The new factor comes with one-time recovery codes, shown this once
	// in place of the redirect, with the way on as a link.
	codes, err := s.DB.NewRecoveryCodes(r.Context(), u)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	s.finishSecondFactorThen(w, r, u, func(target string) {
		s.totpPage(w, r, http.StatusOK, "recovery_codes", "recovery.title", &recoveryData{Codes: codes, Next: target}, "")
	})
}

type recoveryData struct {
	Codes []string
	Next  string
}

type reauthData struct{ TOTP bool }

func (s *server) reauthData(r *http.Request) *reauthData {
	state, err := s.DB.TOTPStatus(r.Context(), escudo.UserIDFromContext(r.Context()))
	return &reauthData{TOTP: err == nil && state == store.TOTPConfirmed}
}

func (s *server) handleReauthForm(w http.ResponseWriter, r *http.Request) {
	s.totpPage(w, r, http.StatusOK, "reauth", "reauth.title", s.reauthData(r), "")
}

// handleReauth accepts the account's second factor or, for accounts that
// sign in without one, the password.
func (s *server) handleReauth(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		s.RenderError(w, r, http.StatusBadRequest, "error.bad_form")
		return
	}
	u := escudo.UserFromContext(r.Context())
	if s.loginLocked(r, u.Username) {
		s.totpPage(w, r, http.StatusTooManyRequests, "reauth", "reauth.title", s.reauthData(r), "error.login_failed")
		return
	}
	var err error
	state, serr := s.DB.TOTPStatus(r.Context(), u.ID)
	if serr != nil {
		s.ServerError(w, r, serr)
		return
	}
	if state == store.TOTPConfirmed {
		if !s.factorAttempt(w, r, u, func() {
			s.totpPage(w, r, http.StatusTooManyRequests, "reauth", "reauth.title", s.reauthData(r), "error.factor_locked")
		}) {
			return
		}
		if err = s.DB.VerifyTOTP(r.Context(), u, r.PostForm.Get("code")); err == nil {
			if cerr := s.DB.ClearFactorFailures(r.Context(), u.ID); cerr != nil {
				s.Log.Error("clear second-factor failures", "err", cerr)
			}
		}
	} else {
		_, err = s.DB.Authenticate(r.Context(), u.Username, r.PostForm.Get("password"))
	}
	if err != nil {
		if escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			s.ServerError(w, r, err)
			return
		}
		s.loginFailed(r, u.Username)
		if state == store.TOTPConfirmed {
			s.factorFailed(r, u)
		}
		s.totpPage(w, r, http.StatusUnauthorized, "reauth", "reauth.title", s.reauthData(r), "error.login_failed")
		return
	}
	s.Sessions.Put(r.Context(), web.SessionAuthKey, time.Now().Unix())
	// #nosec G710 -- web.SafeNext keeps the redirect on this site.
	http.Redirect(w, r, web.SafeNext(r.PostForm.Get("next"), s.Landing(s.CurrentUser(r))), http.StatusSeeOther)
}

// completeLogin starts the session of a user whose credentials have been
// checked. A second factor, when required, is checked before this call.
// The token is renewed so a session fixed before login is worthless.
func (s *server) completeLogin(w http.ResponseWriter, r *http.Request, u *escudo.User) {
	s.completeLoginThen(w, r, u, func(target string) {
		http.Redirect(w, r, target, http.StatusSeeOther) // #nosec G710 -- web.SafeNext admits only local paths
	})
}

func (s *server) completeLoginThen(w http.ResponseWriter, r *http.Request, u *escudo.User, respond func(target string)) {
	ctx := r.Context()
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.ServerError(w, r, err)
		return
	}
	shared := sharedDevice(r) || s.Sessions.GetBool(ctx, sessionSharedKey)
	s.Sessions.Remove(ctx, sessionSharedKey)
	s.Sessions.Put(ctx, web.SessionUserKey, u.ID)
	s.Sessions.Put(ctx, web.SessionAuthKey, time.Now().Unix())
	// A shared device's session ends after a short idle time; every
	// beneficiary's after half an hour (the cookie ends with the browser
	// for every session).
	switch {
	case shared:
		s.SetIdleLimit(ctx, web.SharedDeviceIdle)
	case u.Role == escudo.RoleBeneficiary:
		s.SetIdleLimit(ctx, web.BeneficiaryIdle)
	}
	if u.Locale != "" && s.I18n.Supported(u.Locale) {
		if _, err := r.Cookie(i18n.CookieName); err != nil {
			web.SetLangCookie(w, u.Locale, s.Opts.SecureCookies)
		}
	}
	// Without a page asked for, each role starts on the page of its
	// work (web.Landing), never on a refusal.
	target := web.SafeNext(r.FormValue("next"), "")
	if target == "" || target == "/queue" && !s.Mux.Admits(u, "GET /queue") {
		target = s.Landing(u)
	}
	respond(target)
}

package signin

import (
	"embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
)

// Security keys (WebAuthn) for administrators and coordinators, after the
// password and the TOTP code. The first sign-in registers a key; later ones
// assert with it. The ceremonies need the browser's WebAuthn API, so this
// step, alone in escudo, needs JavaScript (security_static/webauthn.js).

//go:embed security_static/webauthn.js
var securityStatic embed.FS

const (
	sessionTOTPOKKey      = "totp_ok_uid"
	sessionWebAuthnKey    = "webauthn_session"
	sessionWebAuthnRegKey = "webauthn_register"
)

// securityKeyRequired: administrators and coordinators hold the keys to
// accounts and to every case; a phishable code is not enough for them.
func (s *server) securityKeyRequired(u *escudo.User) bool {
	return !s.Opts.AllowPasswordOnly && (u.Role == escudo.RoleAdmin || u.Role == escudo.RoleCoordinator)
}

type webauthnUser struct {
	u     *escudo.User
	creds []webauthn.Credential
}

func (w *webauthnUser) WebAuthnID() []byte {
	return binary.BigEndian.AppendUint64([]byte("escudo:"), uint64(w.u.ID)) // #nosec G115 -- ids are positive
}
func (w *webauthnUser) WebAuthnName() string                       { return w.u.Username }
func (w *webauthnUser) WebAuthnDisplayName() string                { return w.u.DisplayName }
func (w *webauthnUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

// errNoPublicURL: without a configured public address there is no origin
// to bind security keys to.
var errNoPublicURL = errors.New("signin: security keys need Options.PublicURL (escudo serve --public-url)")

// relyingParty configures WebAuthn for the configured public address. The
// relying-party id and the one allowed origin come from it, never from the
// request's Host header: a key registered or used through a request that
// names another host answers for an origin the check refuses.
func (s *server) relyingParty() (*webauthn.WebAuthn, error) {
	u := s.Opts.PublicURL
	if u == nil || u.Hostname() == "" {
		return nil, errNoPublicURL
	}
	return webauthn.New(&webauthn.Config{RPID: u.Hostname(), RPDisplayName: "escudo", RPOrigins: []string{u.Scheme + "://" + u.Host}})
}

func (s *server) loadWebauthnUser(r *http.Request, u *escudo.User) (*webauthnUser, error) {
	raw, err := s.DB.SecurityKeys(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	wu := &webauthnUser{u: u}
	for _, b := range raw {
		var c webauthn.Credential
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, err
		}
		wu.creds = append(wu.creds, c)
	}
	return wu, nil
}

// keyPendingUser is the pending user whose password and TOTP code were both
// right in this session.
func (s *server) keyPendingUser(r *http.Request) *escudo.User {
	u := s.pendingUser(r)
	if u == nil || s.Sessions.GetInt64(r.Context(), sessionTOTPOKKey) != u.ID {
		return nil
	}
	return u
}

func (s *server) registerSecurityKeys() {
	s.Handle("GET /static/webauthn.js", open, func(w http.ResponseWriter, r *http.Request) {
		b, _ := securityStatic.ReadFile("security_static/webauthn.js")
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(b)
	})
	s.Handle("GET /login/security-key", open, s.handleSecurityKeyPage)
	s.Handle("POST /login/security-key/begin", open, s.handleSecurityKeyBegin)
	s.Handle("POST /login/security-key/finish", open, s.handleSecurityKeyFinish)
}

type securityKeyData struct{ Register bool }

func (s *server) handleSecurityKeyPage(w http.ResponseWriter, r *http.Request) {
	u := s.keyPendingUser(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	raw, err := s.DB.SecurityKeys(r.Context(), u.ID)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	s.totpPage(w, r, http.StatusOK, "security_key", "security_key.title", &securityKeyData{Register: len(raw) == 0}, "")
}

// handleSecurityKeyBegin starts a registration (no key yet) or an assertion.
func (s *server) handleSecurityKeyBegin(w http.ResponseWriter, r *http.Request) {
	u := s.keyPendingUser(r)
	if u == nil {
		s.JSONError(w, r, http.StatusUnauthorized, escudo.EUNAUTHORIZED, "error.unauthorized")
		return
	}
	rp, err := s.relyingParty()
	if err != nil {
		s.Log.Error("security key", "err", err)
		s.JSONError(w, r, http.StatusServiceUnavailable, escudo.EINTERNAL, "error.security_key_unconfigured")
		return
	}
	wu, err := s.loadWebauthnUser(r, u)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	var options any
	var session *webauthn.SessionData
	register := len(wu.creds) == 0
	if register {
		options, session, err = rp.BeginRegistration(wu)
	} else {
		options, session, err = rp.BeginLogin(wu)
	}
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	sb, err := json.Marshal(session)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), sessionWebAuthnKey, sb)
	s.Sessions.Put(r.Context(), sessionWebAuthnRegKey, register)
	web.WriteJSON(w, http.StatusOK, options)
}

// handleSecurityKeyFinish checks the browser's answer to the challenge and
// signs the user in.
func (s *server) handleSecurityKeyFinish(w http.ResponseWriter, r *http.Request) {
	u := s.keyPendingUser(r)
	if u == nil {
		s.JSONError(w, r, http.StatusUnauthorized, escudo.EUNAUTHORIZED, "error.unauthorized")
		return
	}
	if !s.factorAttempt(w, r, u, func() {
		s.JSONError(w, r, http.StatusTooManyRequests, escudo.ETOOMANY, "error.factor_locked")
	}) {
		return
	}
	ctx := r.Context()
	sb := s.Sessions.PopBytes(ctx, sessionWebAuthnKey) // a challenge answers once
	register := s.Sessions.PopBool(ctx, sessionWebAuthnRegKey)
	var session webauthn.SessionData
	if len(sb) == 0 || json.Unmarshal(sb, &session) != nil || time.Now().After(session.Expires) && !session.Expires.IsZero() {
		s.JSONError(w, r, http.StatusUnauthorized, escudo.EUNAUTHORIZED, "error.security_key_failed")
		return
	}
	rp, err := s.relyingParty()
	if err != nil {
		s.Log.Error("security key", "err", err)
		s.JSONError(w, r, http.StatusServiceUnavailable, escudo.EINTERNAL, "error.security_key_unconfigured")
		return
	}
	wu, err := s.loadWebauthnUser(r, u)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	var cred *webauthn.Credential
	if register {
		cred, err = rp.FinishRegistration(wu, session, r)
	} else {
		cred, err = rp.FinishLogin(wu, session, r)
	}
	if err != nil {
		s.Log.Warn("security key refused", "user", u.ID, "err", err)
		if aerr := s.DB.Audit(ctx, store.AuditEntry{ActorID: u.ID, ActorRole: string(u.Role), Action: "security_key.verify", ObjectType: "user",
			ObjectID: strconv.FormatInt(u.ID, 10), Outcome: store.OutcomeFailed}); aerr != nil {
			s.Log.Error("audit", "err", aerr)
		}
		s.loginFailed(r, u.Username)
		s.factorFailed(r, u)
		s.JSONError(w, r, http.StatusUnauthorized, escudo.EUNAUTHORIZED, "error.security_key_failed")
		return
	}
	data, err := json.Marshal(cred)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	if register {
		err = s.DB.AddSecurityKey(ctx, u.ID, cred.ID, data)
	} else {
		err = s.DB.UseSecurityKey(ctx, u.ID, cred.ID, data)
	}
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	if err := s.DB.ClearFactorFailures(ctx, u.ID); err != nil {
		s.Log.Error("clear second-factor failures", "err", err)
	}
	s.Sessions.Remove(ctx, sessionTOTPOKKey)
	next := web.SafeNext(r.URL.Query().Get("next"), s.Landing(u))
	if err := s.startSession(r, u); err != nil {
		s.ServerError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]string{"next": next})
}

// startSession is completeLogin without the redirect, for the JSON step.
func (s *server) startSession(r *http.Request, u *escudo.User) error {
	ctx := r.Context()
	if err := s.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.Sessions.Remove(ctx, sessionPendingKey)
	s.Sessions.Remove(ctx, sessionPendingAtKey)
	s.Sessions.Put(ctx, web.SessionUserKey, u.ID)
	s.Sessions.Put(ctx, web.SessionAuthKey, time.Now().Unix())
	return nil
}

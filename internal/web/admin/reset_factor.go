package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
)

type resetData struct {
	Recent bool // the administrator proved who they are a moment ago
	Next   string
}

// handleResetForm is the web form of `escudo user reset-factor`: the
// account, the factors, the sealed reason, and the witness's own
// credentials typed on the same form.
func (s *server) handleResetForm(w http.ResponseWriter, r *http.Request) {
	p := s.NewPage(r, "reset.title", nil)
	p.Form = map[string][]string{"factors": {"both"}}
	if name := strings.TrimSpace(r.URL.Query().Get("username")); name != "" && len(name) <= 64 {
		p.Form.Set("username", name)
	}
	s.renderReset(w, r, http.StatusOK, p)
}

func (s *server) renderReset(w http.ResponseWriter, r *http.Request, status int, p *web.Page) {
	d := &resetData{Recent: s.RecentlyAuthenticated(r), Next: "/admin/users/reset-factor"}
	if name := p.V("username"); name != "" {
		d.Next += "?username=" + url.QueryEscape(name)
	}
	p.Data = d
	s.Render(w, r, status, "reset_factor", p)
}

// resetRefused shows the form again with its message and what was typed,
// never the witness's password or code.
func (s *server) resetRefused(w http.ResponseWriter, r *http.Request, status int, err error) {
	p := s.NewPage(r, "reset.title", nil)
	f := r.PostForm
	f.Del("witness_password")
	f.Del("witness_code")
	p.Form = f
	if _, ok := escudo.AsValidation(err); ok {
		p.SetErrors("", err)
	} else {
		p.Error = p.L.T(escudo.ErrorKey(err))
	}
	s.renderReset(w, r, status, p)
}

// handleReset removes a lost second factor. The administrator is the one
// who checked the person's identity and must have re-authenticated a moment
// ago; the witness proves presence with their own password and current
// app code, checked here. Wrong witness credentials change nothing, count
// against the witness account's lock and are audited.
func (s *server) handleReset(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	me := escudo.UserFromContext(ctx)
	f := r.PostForm
	if !s.RecentlyAuthenticated(r) {
		s.resetRefused(w, r, http.StatusForbidden, escudo.Errorf(escudo.EFORBIDDEN, "reset.reauth_needed"))
		return
	}
	var v escudo.ValidationErrors
	var target *escudo.User
	if name := strings.TrimSpace(f.Get("username")); name != "" {
		u, err := s.DB.FindUserByUsername(ctx, name)
		if err != nil && escudo.ErrorCode(err) != escudo.ENOTFOUND {
			s.ServerError(w, r, err)
			return
		}
		target = u
		if target == nil {
			v.Add("username", "validation.account_unknown", nil)
		}
	} else {
		v.Add("username", "validation.required", nil)
	}
	if target != nil && target.ID == me.ID {
		v.Add("username", "validation.not_self", nil)
	}
	var factors []string
	switch f.Get("factors") {
	case "totp":
		factors = []string{store.FactorTOTP}
	case "keys":
		factors = []string{store.FactorSecurityKeys}
	case "both":
		factors = []string{store.FactorTOTP, store.FactorSecurityKeys}
	default:
		v.Add("factors", "validation.choice", nil)
	}
	reason := strings.TrimSpace(f.Get("reason"))
	if reason == "" {
		v.Add("reason", "validation.required", nil)
	} else if len([]rune(reason)) > escudo.MaxLongText {
		v.Add("reason", "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	wname := strings.ToLower(strings.TrimSpace(f.Get("witness_username")))
	switch {
	case wname == "":
		v.Add("witness_username", "validation.required", nil)
	case wname == me.Username || target != nil && wname == target.Username:
		v.Add("witness_username", "validation.witness_other", nil)
	}
	if len(v) > 0 {
		s.resetRefused(w, r, http.StatusBadRequest, v.Err())
		return
	}
	witness, ok := s.checkWitness(w, r, wname, f.Get("witness_password"), f.Get("witness_code"), target)
	if !ok {
		return
	}
	if err := s.DB.ResetFactors(ctx, store.FactorReset{UserID: target.ID, By: me, Witness: witness, Factors: factors, Reason: reason}); err != nil {
		if _, ok := escudo.AsValidation(err); ok {
			s.resetRefused(w, r, http.StatusBadRequest, err)
			return
		}
		s.ServerError(w, r, err)
		return
	}
	s.Flash(r, "reset.done")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// checkWitness verifies the witness's own password and current app code.
// Every refusal looks the same to the person at the form (which part was
// wrong is not said), is audited under the administrator, and counts
// against the witness account as a failed sign-in would.
func (s *server) checkWitness(w http.ResponseWriter, r *http.Request, name, pw, code string, target *escudo.User) (*escudo.User, bool) {
	ctx := r.Context()
	me := escudo.UserFromContext(ctx)
	refuse := func(status int, key string) (*escudo.User, bool) {
		if err := s.DB.Audit(ctx, store.AuditEntry{Action: "user.reset_factor.witness", ObjectType: "user",
			ObjectID: fmt.Sprint(target.ID), Outcome: store.OutcomeDenied}); err != nil {
			s.Log.Error("audit witness refusal", "err", err)
		}
		s.resetRefused(w, r, status, escudo.FieldError("witness_username", key, nil))
		return nil, false
	}
	if !s.witnessTries.Allow(strconv.FormatInt(me.ID, 10)) {
		return refuse(http.StatusTooManyRequests, "reset.witness_too_many")
	}
	subject := s.DB.AccountSubject(name)
	if locked, err := s.DB.Locked(ctx, subject); err != nil || locked {
		if err != nil {
			s.Log.Error("witness lock check", "err", err)
		}
		return refuse(http.StatusTooManyRequests, "reset.witness_too_many")
	}
	failed := func() (*escudo.User, bool) {
		if _, err := s.DB.RecordFailure(ctx, subject, store.AccountLockout); err != nil {
			s.Log.Error("record witness failure", "err", err)
		}
		return refuse(http.StatusUnauthorized, "reset.witness_refused")
	}
	witness, err := s.DB.Authenticate(ctx, name, pw)
	if err != nil {
		if escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			s.ServerError(w, r, err)
			return nil, false
		}
		return failed()
	}
	if witness.Disabled || !witness.Role.Staff() || witness.ID == me.ID || witness.ID == target.ID {
		return refuse(http.StatusForbidden, "validation.witness_other")
	}
	state, err := s.DB.TOTPStatus(ctx, witness.ID)
	if err != nil {
		s.ServerError(w, r, err)
		return nil, false
	}
	if state != store.TOTPConfirmed {
		return refuse(http.StatusForbidden, "reset.witness_no_app")
	}
	ok, _, err := s.DB.BeginFactorAttempt(ctx, witness.ID, store.FactorLockout)
	if err != nil {
		s.ServerError(w, r, err)
		return nil, false
	}
	if !ok {
		return refuse(http.StatusTooManyRequests, "reset.witness_too_many")
	}
	if err := s.DB.VerifyTOTP(ctx, witness, code); err != nil {
		if escudo.ErrorCode(err) != escudo.EUNAUTHORIZED && escudo.ErrorCode(err) != escudo.EINVALID {
			s.ServerError(w, r, err)
			return nil, false
		}
		if ferr := s.DB.FactorFailed(ctx, witness.ID, store.FactorLockout); ferr != nil {
			s.Log.Error("record witness code failure", "err", ferr)
		}
		return failed()
	}
	if err := s.DB.ClearFactorFailures(ctx, witness.ID); err != nil {
		s.Log.Error("clear witness failures", "err", err)
	}
	return witness, true
}

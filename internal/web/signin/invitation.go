package signin

import (
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"escudo"
	"escudo/internal/invitation"
	"escudo/internal/store"
	"escudo/internal/web"
)

// Accepting a portal invitation (docs/accounts.md): the link of the
// e-mail or SMS opens a form to choose a passphrase, without an account.
// Opening the page changes nothing (message scanners open links); only
// the form does, once. Every refused link is audited, so one address's
// tries are limited.

const sessionSharedKey = "shared_device"

// quickExitTarget is the neutral page the quick exit leads to, the same
// as the public pages' quick-exit link (templates/layout.html).
const quickExitTarget = "https://www.google.com/search?q=clima"

type invitationData struct {
	Username  string
	Expires   string
	Recovery  bool
	MinWords  int
	MinChars  int
	Completed bool
}

func (s *server) registerInvitations() {
	tries := web.NewLimiterSet(rate.Every(time.Minute/20), 20)
	limited := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Referrer-Policy", "no-referrer")
			w.Header().Set("Cache-Control", "no-store")
			if !tries.Allow(web.ClientAddr(r)) {
				s.RenderError(w, r, http.StatusTooManyRequests, "error.too_many")
				return
			}
			h(w, r)
		}
	}
	s.Handle("GET /invitacion/{token}", open, limited(s.handleInvitation))
	s.Handle("POST /invitacion/{token}", open, limited(s.handleAcceptInvitation))
	s.Handle("GET /salida", open, s.handleQuickExit)
}

func (s *server) invitationPage(r *http.Request) (*web.Page, error) {
	inv, username, err := s.DB.InvitationFor(r.Context(), r.PathValue("token"))
	if err != nil {
		return nil, err
	}
	d := &invitationData{Username: username, Recovery: inv.Recovery, MinWords: invitation.MinWords, MinChars: invitation.MinChars}
	p := s.NewPage(r, "invitation.title", d)
	p.Public = true
	d.Expires = p.Time(inv.ExpiresAt)
	return p, nil
}

func (s *server) handleInvitation(w http.ResponseWriter, r *http.Request) {
	p, err := s.invitationPage(r)
	if err != nil {
		s.invitationRefused(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "invitation", p)
}

// handleAcceptInvitation sets the passphrase, then goes on as a sign-in
// whose password was right: to the second factor's enrolment.
func (s *server) handleAcceptInvitation(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	var err error
	if f.Get("password") != f.Get("confirm") {
		err = escudo.FieldError("confirm", "validation.password_mismatch", nil)
	}
	var u *escudo.User
	if err == nil {
		u, err = s.DB.AcceptInvitation(r.Context(), r.PathValue("token"), f.Get("password"))
	}
	if _, invalid := escudo.AsValidation(err); invalid {
		p, perr := s.invitationPage(r)
		if perr != nil {
			s.invitationRefused(w, r, perr)
			return
		}
		p.SetErrors("", err)
		s.Render(w, r, http.StatusBadRequest, "invitation", p)
		return
	}
	if err != nil {
		s.invitationRefused(w, r, err)
		return
	}
	s.afterPassword(w, r, u)
}

// invitationRefused answers a forged, expired, used or revoked link with
// its reason in words; nothing has changed.
func (s *server) invitationRefused(w http.ResponseWriter, r *http.Request, err error) {
	code := escudo.ErrorCode(err)
	if r.Method == http.MethodGet && (code == escudo.ENOTFOUND || code == escudo.ECONFLICT) {
		// The form's refusals are audited by the store; the page's here.
		s.DB.AuditRefusal(r.Context(), store.AuditEntry{Action: "portal.invitation.open", ObjectType: "invitation", Fields: escudo.ErrorKey(err), Outcome: store.OutcomeDenied})
	}
	switch code {
	case escudo.ENOTFOUND:
		s.RenderError(w, r, http.StatusNotFound, "invitation.unknown")
	case escudo.ECONFLICT:
		s.RenderError(w, r, http.StatusGone, escudo.ErrorKey(err))
	default:
		s.ErrorPage(w, r, err)
	}
}

// handleQuickExit ends any session, asks the browser to forget this
// site's cookies, storage and cache, and leaves for a neutral page.
func (s *server) handleQuickExit(w http.ResponseWriter, r *http.Request) {
	if web.HasSession(r) {
		if err := s.Sessions.Destroy(r.Context()); err != nil {
			s.Log.Error("quick exit", "err", err)
		}
	}
	w.Header().Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, quickExitTarget, http.StatusSeeOther)
}

// sharedDevice: the sign-in form's "I am on a shared device" box.
func sharedDevice(r *http.Request) bool { return r.FormValue("shared") == "1" }

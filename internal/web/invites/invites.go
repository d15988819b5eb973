// Package invites serves a case's portal accounts to the staff who speak
// with its beneficiary (/cases/{id}/portal): the beneficiary's account and
// a collective's representatives', each invitation with its state in words,
// and the forms that invite (or recover an account, with a witness),
// revoke an invitation and disable an account (docs/accounts.md). Who may
// is the permission table's answer (access.PortalInvite).
package invites

import (
	"net/http"
	"strconv"
	"strings"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/invitation"
	"escudo/internal/store"
	"escudo/internal/web"
)

type server struct{ *web.Core }

// Register mounts the page and its forms.
func Register(c *web.Core) {
	s := &server{c}
	a := web.Access{Action: access.PortalInvite, Object: "case"}
	s.Handle("GET /cases/{id}/portal", a, s.handlePage)
	s.Handle("POST /cases/{id}/portal", a, s.action(s.actInvite, "portal.done_invite"))
	s.Handle("POST /cases/{id}/portal/revoke", a, s.action(s.actRevoke, "invites.done_revoke"))
	s.Handle("POST /cases/{id}/portal/disable", a, s.action(s.actDisable, "portal.done_disable"))
}

type pageData struct {
	Case       *escudo.Case
	Collective bool
	Accounts   []accountRow
	Channels   []string
}

type accountRow struct {
	store.PortalAccount
	State string // translation key
	Rows  []inviteRow
}

type inviteRow struct {
	store.PortalInvitation
	Created, Expires string
}

func pathCase(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *server) page(r *http.Request, id int64) (*web.Page, error) {
	c, err := s.DB.FindCaseByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	web.RedactCase(c, web.DecisionFrom(r), false)
	collective, err := s.DB.PortalCollective(r.Context(), id)
	if err != nil {
		return nil, err
	}
	accounts, err := s.DB.PortalAccounts(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &pageData{Case: c, Collective: collective, Channels: []string{invitation.Email, invitation.SMS}}
	p := s.NewPage(r, "portal.staff_title", d)
	for _, a := range accounts {
		row := accountRow{PortalAccount: a, State: "portal.account_pending"}
		switch {
		case a.User.Disabled:
			row.State = "portal.account_disabled"
		case a.Active:
			row.State = "portal.account_active"
		}
		for _, inv := range a.Invitations {
			row.Rows = append(row.Rows, inviteRow{PortalInvitation: inv, Created: p.Time(inv.CreatedAt), Expires: p.Time(inv.ExpiresAt)})
		}
		d.Accounts = append(d.Accounts, row)
	}
	return p, nil
}

func (s *server) handlePage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathCase(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.page(r, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, http.StatusOK, "case_portal", p)
}

// action runs a form of the page: done, back to the page with a message;
// refused for its content, the page again with the messages beside the
// fields and nothing changed.
func (s *server) action(act func(r *http.Request, caseID int64) error, done string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathCase(r)
		if !ok {
			s.RenderError(w, r, http.StatusNotFound, "error.not_found")
			return
		}
		if !s.ParseForm(w, r) {
			return
		}
		err := act(r, id)
		if _, invalid := escudo.AsValidation(err); invalid {
			p, perr := s.page(r, id)
			if perr != nil {
				s.ErrorPage(w, r, perr)
				return
			}
			p.Form = r.PostForm
			p.SetErrors("", err)
			w.Header().Set("Cache-Control", "no-store")
			s.Render(w, r, http.StatusBadRequest, "case_portal", p)
			return
		}
		if err != nil {
			s.ErrorPage(w, r, err)
			return
		}
		s.Flash(r, done)
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"/portal", http.StatusSeeOther)
	}
}

func formID(r *http.Request, field string) (int64, error) {
	v := strings.TrimSpace(r.PostForm.Get(field))
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, escudo.FieldError(field, "validation.choice", nil)
	}
	return id, nil
}

func (s *server) actInvite(r *http.Request, caseID int64) error {
	f := r.PostForm
	in := store.PortalInvite{Channel: f.Get("channel"), Address: f.Get("destination"), Reason: f.Get("reason")}
	var v escudo.ValidationErrors
	account := f.Get("account")
	switch account {
	case "", "new":
	case "representative":
		in.Representative = strings.TrimSpace(f.Get("representative"))
		if in.Representative == "" {
			v.Add("representative", "validation.required", nil)
		}
	default:
		id, err := formID(r, "account")
		if err != nil {
			return err
		}
		in.UserID = id
	}
	if in.Channel != invitation.Email && in.Channel != invitation.SMS {
		v.Add("channel", "validation.choice", nil)
	}
	if name := strings.TrimSpace(f.Get("witness")); name != "" {
		wu, err := s.DB.FindUserByUsername(r.Context(), name)
		if err != nil {
			v.Add("witness", "invitation.witness_staff", nil)
		} else {
			in.Witness = wu.ID
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	_, _, err := s.DB.InviteToPortal(r.Context(), caseID, in)
	return err
}

func (s *server) actRevoke(r *http.Request, caseID int64) error {
	id, err := formID(r, "invitation")
	if err != nil || id == 0 {
		return escudo.FieldError("invitation", "validation.choice", nil)
	}
	return s.DB.RevokeInvitation(r.Context(), caseID, id)
}

func (s *server) actDisable(r *http.Request, caseID int64) error {
	id, err := formID(r, "account")
	if err != nil || id == 0 {
		return escudo.FieldError("account", "validation.choice", nil)
	}
	return s.DB.DisablePortalAccount(r.Context(), caseID, id)
}

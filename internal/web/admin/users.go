package admin

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
)

type usersData struct {
	Users []*userRow // this page of the list
	Total int
	// Page of the list, its number of pages and the links between them.
	Page, Pages      int
	PrevURL, NextURL string
	Roles            []escudo.Role
	// Beneficiaries reports whether any beneficiary account exists, for
	// the form that links one to its person.
	Beneficiaries bool
}

// usersPageSize is how many accounts one page of the list shows.
const usersPageSize = 50

// userRow is one account as the list shows it.
type userRow struct {
	*escudo.User
	Factor    store.FactorState
	Reference string // the linked person's folio, for beneficiaries
	Named     bool   // on the safe-house registry's list
}

// TOTP reports whether the authenticator app is in use.
func (u *userRow) TOTP() bool { return u.Factor.TOTP == store.TOTPConfirmed }

// handleUsers lists the accounts with their role, state and second factors,
// and the forms that change them.
func (s *server) handleUsers(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, s.NewPage(r, "users.title", nil))
}

func (s *server) renderUsers(w http.ResponseWriter, r *http.Request, status int, p *web.Page) {
	ctx := r.Context()
	users, err := s.DB.FindUsers(ctx)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	factors, err := s.DB.FactorStates(ctx)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	var people []int64
	for _, u := range users {
		if u.PersonID != 0 {
			people = append(people, u.PersonID)
		}
	}
	refs, err := s.DB.References(ctx, people)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	var named map[int64]bool
	if p.Can("POST /admin/users/safe-houses") {
		if named, err = s.DB.NamedForSafeHouses(ctx); err != nil {
			s.ServerError(w, r, err)
			return
		}
	}
	d := &usersData{Roles: escudo.Roles, Total: len(users), Page: web.PageNumber(r)}
	for _, u := range users {
		if u.Role == escudo.RoleBeneficiary {
			d.Beneficiaries = true
		}
	}
	// Staff accounts come first, by name whatever its capitals, then the
	// beneficiaries' (an installation may hold thousands of those); the
	// list goes by pages, so it stays light.
	slices.SortStableFunc(users, func(a, b *escudo.User) int {
		if ab, bb := a.Role == escudo.RoleBeneficiary, b.Role == escudo.RoleBeneficiary; ab != bb {
			if ab {
				return 1
			}
			return -1
		}
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	d.Pages = max(1, (len(users)+usersPageSize-1)/usersPageSize)
	d.Page = min(d.Page, d.Pages)
	if d.Page > 1 {
		d.PrevURL = fmt.Sprintf("/admin/users?page=%d", d.Page-1)
	}
	if d.Page < d.Pages {
		d.NextURL = fmt.Sprintf("/admin/users?page=%d", d.Page+1)
	}
	users = users[(d.Page-1)*usersPageSize : min(len(users), d.Page*usersPageSize)]
	for _, u := range users {
		row := &userRow{User: u, Factor: factors[u.ID], Reference: refs[u.PersonID], Named: named[u.ID]}
		d.Users = append(d.Users, row)
	}
	p.Data = d
	s.PopFlash(r, p)
	s.Render(w, r, status, "users", p)
}

// refused shows the accounts page again with the form's messages and what
// was typed, never a password.
func (s *server) refused(w http.ResponseWriter, r *http.Request, form string, err error) {
	p := s.NewPage(r, "users.title", nil)
	f := r.PostForm
	f.Del("password")
	p.Form = f
	p.SetErrors(form, err)
	s.renderUsers(w, r, http.StatusBadRequest, p)
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
		// The administrator knows this first password: the person
		// chooses their own at the first sign-in.
		MustChangePassword: true,
	}
	err := s.DB.CreateUser(r.Context(), u, f.Get("password"))
	if _, ok := escudo.AsValidation(err); ok {
		s.refused(w, r, "", err)
		return
	}
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.Flash(r, "users.done_create")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// formUser reads the account a form names by its username, as people
// know it, never by an internal number.
func (s *server) formUser(w http.ResponseWriter, r *http.Request, form string) (*escudo.User, bool) {
	name := strings.TrimSpace(r.PostForm.Get("username"))
	if name == "" {
		s.refused(w, r, form, escudo.FieldError("username", "validation.required", nil))
		return nil, false
	}
	u, err := s.DB.FindUserByUsername(r.Context(), name)
	if escudo.ErrorCode(err) == escudo.ENOTFOUND {
		s.refused(w, r, form, escudo.FieldError("username", "validation.account_unknown", nil))
		return nil, false
	} else if err != nil {
		s.ServerError(w, r, err)
		return nil, false
	}
	return u, true
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

// userAction runs one of the accounts page's forms on the account it names:
// a refusal for its input comes back on the page with what was typed (never
// a password), a success returns to the list with done.
func (s *server) userAction(form, done string, act func(r *http.Request, u *escudo.User) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.ParseForm(w, r) {
			return
		}
		u, ok := s.formUser(w, r, form)
		if !ok {
			return
		}
		if err := act(r, u); err != nil {
			if _, ok := escudo.AsValidation(err); ok {
				s.refused(w, r, form, err)
				return
			}
			s.ErrorPage(w, r, err)
			return
		}
		s.Flash(r, done)
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	}
}

// setRole changes an account's role; its sessions end, so the new role
// applies from the next sign-in. An administrator does not change their own
// role: the last one could lock everyone out of accounts.
func (s *server) setRole(r *http.Request, u *escudo.User) error {
	if me := escudo.UserFromContext(r.Context()); me != nil && me.ID == u.ID {
		return escudo.FieldError("username", "validation.not_self", nil)
	}
	return s.DB.SetUserRole(r.Context(), u.ID, escudo.Role(r.PostForm.Get("role")))
}

// setPassword sets a temporary password, handed to the person in person;
// the account's sessions end.
func (s *server) setPassword(r *http.Request, u *escudo.User) error {
	return s.DB.SetTemporaryPassword(r.Context(), u.ID, r.PostForm.Get("password"))
}

// linkPerson links a beneficiary's account to their person, named by the
// folio of their case.
func (s *server) linkPerson(r *http.Request, u *escudo.User) error {
	personID, _, err := s.DB.PersonByReference(r.Context(), r.PostForm.Get("reference"))
	if err != nil {
		return err
	}
	return s.DB.SetUserPerson(r.Context(), u.ID, personID)
}

// setSafeHouseNamed names an account for the safe-house registry or takes
// it off the list ("named" is "1" or "0"); the administrator never sees
// the registry itself.
func (s *server) setSafeHouseNamed(r *http.Request, u *escudo.User) error {
	v := r.PostForm.Get("named")
	if v != "1" && v != "0" {
		return escudo.FieldError("named", "validation.choice", nil)
	}
	return s.DB.SetSafeHouseNamed(r.Context(), u.ID, v == "1")
}

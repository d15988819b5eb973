package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/directory"
	"escudo/internal/store"
	"escudo/internal/web"
)

var agreementClass = map[directory.AgreementStatus]string{directory.AgreementInForce: "ok", directory.AgreementExpired: "bad",
	directory.AgreementNegotiation: "", directory.AgreementNone: "muted"}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(web.DisplayZone).Format("2006-01-02")
}

// formDay reads a date field (a day) at noon in the display zone, so it
// reads as the same day all over Mexico; ok is false for a malformed one.
func formDay(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation("2006-01-02", s, web.DisplayZone)
	return t.Add(12 * time.Hour), err == nil
}

// handleAgreement records a federal entity's cooperation agreement as it
// now stands; the previous record joins its history. A refusal comes
// back with what was typed and the messages by each field.
func (s *server) handleAgreement(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	a := &directory.Agreement{Entity: f.Get("federal_entity"), Status: directory.AgreementStatus(f.Get("status")),
		Document: f.Get("document"), Notes: f.Get("notes")}
	var signedOK, untilOK bool
	a.SignedOn, signedOK = formDay(f.Get("signed_on"))
	a.ValidUntil, untilOK = formDay(f.Get("valid_until"))
	var err error
	switch {
	case !signedOK:
		err = escudo.FieldError("signed_on", "validation.date", nil)
	case !untilOK:
		err = escudo.FieldError("valid_until", "validation.date", nil)
	default:
		_, err = s.DB.RecordAgreement(r.Context(), a)
	}
	if err != nil {
		if _, ok := escudo.AsValidation(err); ok {
			p := s.NewPage(r, "agencies.title", nil)
			p.Form = f
			p.SetErrors("agreement", formErr(err))
			s.renderAgencies(w, r, http.StatusBadRequest, p, nil)
			return
		}
		s.ErrorPage(w, r, err)
		return
	}
	s.Flash(r, "agreement.done")
	http.Redirect(w, r, "/admin/agencies#agreements", http.StatusSeeOther)
}

// agenciesData is the implementing agencies' page: the list, the agency
// being edited (if any) and the liaison accounts for the form that names
// the agency each acts for.
type agenciesData struct {
	Agencies   []store.AgencyRow
	Levels     []escudo.AgencyLevel
	Kinds      []directory.Kind
	Statuses   []directory.AgreementStatus
	Agreements []agreementRow // each federal entity's current agreement
	Liaisons   []liaisonChoice
	Edit       *agencyForm
	Today      string
}

// agreementRow is a federal entity with its current agreement, if any.
type agreementRow struct {
	Code, Name    string
	Status, Class string
	Signed, Until string
	Document      string
}

// agencyForm is what the edit form shows: the stored agency, or what was
// typed when it was refused. The code is not among them: it never changes.
type agencyForm struct {
	ID                  int64
	Name, Level, Entity string
	Police              bool
	Title               string // the agency's name as stored, for the heading
	Kind                string
	Contact             directory.Contact
}

// liaisonChoice is a liaison account in the form's list, named with the
// agency it acts for now.
type liaisonChoice struct {
	ID    int64
	Label string
}

// agencyFields renames the store's fields to the form's where the general
// label would mislead ("code" is a follow-up code elsewhere, "level" a
// risk level).
var agencyFields = map[string]string{"code": "agency_code", "level": "agency_level", "agency": "liaison_agency", "kind": "agency_kind",
	"status": "agreement_status", "document": "agreement_document"}

// formErr is err with the form's field names.
func formErr(err error) error {
	v, ok := escudo.AsValidation(err)
	if !ok {
		return err
	}
	out := make(escudo.ValidationErrors, len(v))
	for i, e := range v {
		c := *e
		if f, ok := agencyFields[c.Field]; ok {
			c.Field = f
		}
		out[i] = &c
	}
	return out.Err()
}

// handleAgencies lists the implementing agencies with their liaisons and
// open measures, and the forms that add one, edit one (?edit=ID, the
// list's link) and name a liaison's agency.
func (s *server) handleAgencies(w http.ResponseWriter, r *http.Request) {
	p := s.NewPage(r, "agencies.title", nil)
	var edit *agencyForm
	if v := r.URL.Query().Get("edit"); v != "" {
		id, ok := web.PathID(v)
		if !ok {
			s.RenderError(w, r, http.StatusNotFound, "agencies.not_found")
			return
		}
		a, err := s.DB.DirectoryEntry(r.Context(), id)
		if err != nil {
			s.ErrorPage(w, r, err)
			return
		}
		edit = &agencyForm{ID: a.ID, Name: a.Name, Level: string(a.Level), Entity: a.Entity, Police: a.Police, Title: a.Name,
			Kind: string(a.Kind), Contact: a.Contact}
	}
	s.renderAgencies(w, r, http.StatusOK, p, edit)
}

func (s *server) renderAgencies(w http.ResponseWriter, r *http.Request, status int, p *web.Page, edit *agencyForm) {
	ctx := r.Context()
	list, err := s.DB.AgencyList(ctx)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	users, err := s.DB.FindUsers(ctx)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	names := map[string]string{}
	for _, a := range list {
		names[a.Code] = a.Name
		if edit != nil && a.ID == edit.ID && edit.Title == "" {
			edit.Title = a.Name
		}
	}
	d := &agenciesData{Agencies: list, Levels: escudo.AgencyLevels, Kinds: directory.Kinds, Statuses: directory.AgreementStatuses, Edit: edit,
		Today: s.DB.Now().In(web.DisplayZone).Format("2006-01-02")}
	current, err := s.DB.CurrentAgreements(ctx)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	for _, e := range escudo.FederalEntities {
		row := agreementRow{Code: e.Code, Name: e.Name, Status: p.T("agreement.status.unrecorded"), Class: "muted"}
		if a, ok := current[e.Code]; ok {
			st := a.StatusAt(s.DB.Now())
			row.Status, row.Document, row.Class = p.T("agreement.status."+string(st)), a.Document, agreementClass[st]
			row.Signed, row.Until = day(a.SignedOn), day(a.ValidUntil)
		}
		d.Agreements = append(d.Agreements, row)
	}
	for _, u := range users {
		if u.Role != escudo.RoleLiaison {
			continue
		}
		label := p.T("agencies.liaison_without", "Name", u.DisplayName)
		if u.Agency != "" {
			agency, ok := names[u.Agency]
			if !ok {
				agency = p.T("agencies.agency_unknown")
			}
			label = p.T("agencies.liaison_of", "Name", u.DisplayName, "Agency", agency)
		}
		if u.Disabled {
			label += " · " + p.T("users.disabled")
		}
		d.Liaisons = append(d.Liaisons, liaisonChoice{ID: u.ID, Label: label})
	}
	p.Data = d
	s.PopFlash(r, p)
	s.Render(w, r, status, "agencies", p)
}

// agencyFromForm reads the fields an agency's forms share.
func agencyFromForm(f url.Values) directory.Entry {
	return directory.Entry{Agency: escudo.Agency{Name: strings.TrimSpace(f.Get("name")), Level: escudo.AgencyLevel(f.Get("level")),
		Entity: f.Get("federal_entity"), Police: f.Get("police") == "1"}, Kind: directory.Kind(f.Get("kind")),
		Contact: directory.Contact{Email: f.Get("email"), Phone: f.Get("phone"), Address: f.Get("address"), Person: f.Get("contact_person"), Notes: f.Get("notes")}}
}

func formOf(id int64, a directory.Entry) *agencyForm {
	return &agencyForm{ID: id, Name: a.Name, Level: string(a.Level), Entity: a.Entity, Police: a.Police, Kind: string(a.Kind), Contact: a.Contact}
}

// handleAgencyAdd adds an agency; a refusal comes back with what was typed
// and the message next to each field, and nothing is written.
func (s *server) handleAgencyAdd(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	a := agencyFromForm(r.PostForm)
	a.Code = strings.ToLower(strings.TrimSpace(r.PostForm.Get("code")))
	if _, err := s.DB.AddDirectoryEntry(r.Context(), a); err != nil {
		if _, ok := escudo.AsValidation(err); ok {
			p := s.NewPage(r, "agencies.title", nil)
			p.Form = r.PostForm
			p.SetErrors("", formErr(err))
			s.renderAgencies(w, r, http.StatusBadRequest, p, nil)
			return
		}
		s.ErrorPage(w, r, err)
		return
	}
	s.Flash(r, "agencies.done_add")
	http.Redirect(w, r, "/admin/agencies", http.StatusSeeOther)
}

// handleAgencyEdit changes an agency's name, level, entity and police
// flag; its code stays.
func (s *server) handleAgencyEdit(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	id, ok := web.PathID(r.PostForm.Get("agency"))
	if !ok {
		s.RenderError(w, r, http.StatusBadRequest, "error.bad_form")
		return
	}
	a := agencyFromForm(r.PostForm)
	a.ID = id
	if err := s.DB.UpdateDirectoryEntry(r.Context(), a); err != nil {
		if _, ok := escudo.AsValidation(err); ok {
			p := s.NewPage(r, "agencies.title", nil)
			p.SetErrors("edit", formErr(err))
			s.renderAgencies(w, r, http.StatusBadRequest, p, formOf(id, agencyFromForm(r.PostForm)))
			return
		}
		s.ErrorPage(w, r, err)
		return
	}
	s.Flash(r, "agencies.done_edit")
	http.Redirect(w, r, "/admin/agencies", http.StatusSeeOther)
}

// handleAgencyLiaison names the agency a liaison account acts for, or
// none. The account is read afresh on every request, so the liaison's next
// page already has the new agency's measures; no session ends.
func (s *server) handleAgencyLiaison(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	var err error
	if id, perr := strconv.ParseInt(f.Get("user"), 10, 64); perr != nil || id <= 0 {
		err = escudo.FieldError("user", "agencies.choose_liaison", nil)
	} else {
		err = s.DB.SetUserAgency(r.Context(), id, f.Get("agency"))
	}
	if err != nil {
		if _, ok := escudo.AsValidation(err); ok {
			p := s.NewPage(r, "agencies.title", nil)
			p.Form = f
			p.SetErrors("liaison", formErr(err))
			s.renderAgencies(w, r, http.StatusBadRequest, p, nil)
			return
		}
		s.ErrorPage(w, r, err)
		return
	}
	s.Flash(r, "agencies.done_liaison")
	http.Redirect(w, r, "/admin/agencies", http.StatusSeeOther)
}

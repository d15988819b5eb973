package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"escudo"
)

// MaxFormBytes bounds a form body: the longest form carries two narrative
// fields of escudo.MaxLongText characters of up to four bytes each.
const MaxFormBytes = 256 << 10

// parseForm reads a bounded urlencoded body. Oversized or unreadable bodies
// get a 400 page and false.
func (s *Core) ParseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.RenderError(w, r, http.StatusBadRequest, "error.bad_form")
		return false
	}
	return true
}

// PersonFromForm reads the petitioner fields shared by the public and the
// staff intake forms. Names of inputs are the validation field names, so
// errors land next to the right input.
func PersonFromForm(f url.Values) *escudo.Person {
	p := &escudo.Person{
		Kind:         escudo.PersonKind(f.Get("kind")),
		Profile:      escudo.Profile(f.Get("profile")),
		Name:         f.Get("name"),
		Alias:        strings.TrimSpace(f.Get("alias")),
		Gender:       strings.TrimSpace(f.Get("gender")),
		Ethnicity:    strings.TrimSpace(f.Get("ethnicity")),
		Language:     strings.TrimSpace(f.Get("language")),
		Entity:       f.Get("federal_entity"),
		Municipality: strings.TrimSpace(f.Get("municipality")),
		Occupation:   strings.TrimSpace(f.Get("occupation")),
		Organization: strings.TrimSpace(f.Get("organization")),
		Phone:        strings.TrimSpace(f.Get("phone")),
		Email:        strings.TrimSpace(f.Get("email")),
		Contact: escudo.ContactPrefs{
			Channel:   escudo.ContactChannel(f.Get("contact.channel")),
			SafeFrom:  strings.TrimSpace(f.Get("contact.safe_from")),
			SafeUntil: strings.TrimSpace(f.Get("contact.safe_until")),
			NeverSMS:  f.Get("contact.never_sms") == "1",
		},
	}
	// Staff intake lists covered relatives and collective members in
	// numbered rows (relatives.0.name ...), which work without JavaScript;
	// empty rows are left out.
	for i := range IntakeRows {
		name := strings.TrimSpace(f.Get(fmt.Sprintf("relatives.%d.name", i)))
		rel := strings.TrimSpace(f.Get(fmt.Sprintf("relatives.%d.relationship", i)))
		if name != "" || rel != "" {
			p.Relatives = append(p.Relatives, escudo.Relative{Name: name, Relationship: rel})
		}
		name = strings.TrimSpace(f.Get(fmt.Sprintf("members.%d.name", i)))
		role := strings.TrimSpace(f.Get(fmt.Sprintf("members.%d.role", i)))
		if name != "" || role != "" {
			p.Members = append(p.Members, escudo.Member{Name: name, Role: role})
		}
	}
	return p
}

// IntakeRows is how many relatives and members the staff intake form
// offers at once; more are added on the case afterwards.
const IntakeRows = 5

// ParseLocalTime reads an <input type=datetime-local> value in the display zone.
func ParseLocalTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, DisplayZone); err == nil {
			// Case dates lie in the mechanism's lifetime; far years are
			// typing mistakes (and zone history makes them ambiguous).
			if t.Year() < 1990 || t.Year() > 2200 {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// formErrors joins validation errors for a page: translated messages per
// field, prefixed with the form name when a page holds several forms.
func (p *Page) SetErrors(form string, err error) {
	p.Active = form
	p.Errors = map[string][]string{}
	v, _ := escudo.AsValidation(err)
	seen := map[string]bool{}
	for _, e := range v {
		key := e.Field
		if form != "" {
			key = form + "." + e.Field
		}
		msg := p.L.T(e.Key, e.Args)
		if seen[key+"\x00"+msg] {
			continue
		}
		seen[key+"\x00"+msg] = true
		p.Errors[key] = append(p.Errors[key], msg)
		// The summary at the top names each field in the person's language
		// and links to it, so a screen reader user can jump there.
		id, ok := inputIDs[key]
		if !ok {
			id = key
		}
		p.Summary = append(p.Summary, SummaryItem{Href: "#" + id, Text: p.L.Field(e.Field) + ": " + msg})
	}
	p.Error = p.L.T("error.form_invalid")
}

// SummaryItem is one line of a form's error summary.
type SummaryItem struct{ Href, Text string }

// inputIDs maps the fields of the case page's and the alert page's forms to
// their inputs' ids;
// on single-form pages the id is the field name.
var inputIDs = map[string]string{
	"admission.admission": "admission-h", "admission.procedure": "adm-procedure", "admission.reason": "adm-reason",
	"assign.assignee": "assignee", "assign.note": "assign-note",
	"milestone.milestone": "ms", "milestone.at": "ms-at", "milestone.note": "ms-note",
	"note.note":       "note-text",
	"dispatch.agency": "dispatch-agency", "dispatch.unit": "dispatch-unit", "dispatch.note": "dispatch-note",
	"resolve.outcome": "close", "resolve.note": "close-note",
	// The accounts page's forms.
	"role.username": "role-user", "role.role": "role-role",
	"password.username": "pw-user", "password.password": "temp-pw",
	"person.username": "link-user", "person.reference": "link-ref",
	"kind": "name", "profile": "name",
}

// PageNumber reads ?page=N (1-based).
func PageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

// flash keeps a one-time message for the next page of this session.
func (s *Core) Flash(r *http.Request, key string) {
	s.Sessions.Put(r.Context(), "flash", key)
}

func (s *Core) PopFlash(r *http.Request, p *Page) {
	if !HasSession(r) {
		return
	}
	if key := s.Sessions.PopString(r.Context(), "flash"); key != "" {
		p.Flash = p.L.T(key)
	}
}

// FormAction is a form's POST handler: it parses the form and runs act; on
// success it flashes done and redirects (303) to the address act returns.
// A validation error renders the page again (400) with what was typed and
// each message beside its field, a conflict with its message for the whole
// form (409); anything else is the error page. page builds the page to
// render again and names its template.
func (s *Core) FormAction(act func(r *http.Request) (string, error), done string, page func(r *http.Request) (*Page, string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.ParseForm(w, r) {
			return
		}
		next, err := act(r)
		if err == nil {
			s.Flash(r, done)
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		_, invalid := escudo.AsValidation(err)
		if !invalid && escudo.ErrorCode(err) != escudo.ECONFLICT {
			s.ErrorPage(w, r, err)
			return
		}
		p, name, perr := page(r)
		if perr != nil {
			s.ErrorPage(w, r, perr)
			return
		}
		status := http.StatusConflict
		if invalid {
			p.Form = r.PostForm
			p.SetErrors(r.PostForm.Get("form"), err)
			status = http.StatusBadRequest
		} else {
			p.Error = p.T(escudo.ErrorKey(err))
		}
		s.Render(w, r, status, name, p)
	}
}

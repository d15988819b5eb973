package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // staff read times in Mexico's zones even on hosts without tzdata

	"escudo"
	"escudo/internal/i18n"
	"escudo/internal/measures"
	"escudo/internal/store"
)

//go:embed templates/*.html static
var webFS embed.FS

// DisplayZone is the zone times are shown in; the mechanism works on
// central Mexico time.
var DisplayZone = func() *time.Location {
	loc, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// templates holds one parsed template set per page, each with the layout.
type Templates struct {
	pages    map[string]*template.Template
	cssPath  string // versioned URL of the style sheet
	cssBytes []byte
}

var templateFuncs = template.FuncMap{
	"add":   func(a, b int) int { return a + b },
	"sub":   func(a, b int) int { return a - b },
	"str":   func(v any) string { return fmt.Sprint(v) },
	"lower": strings.ToLower,
	"list":  func(xs ...string) []string { return xs },
	"pair":  func(a, b any) []any { return []any{a, b} },
	"stage": func(s string) escudo.Stage { return escudo.Stage(s) },
	// tel is a dialable tel: link for a number as people write it: digits
	// and a leading +, nothing that could make it another kind of URL.
	"tel": func(number string) template.URL {
		var b strings.Builder
		for i, r := range number {
			if r >= '0' && r <= '9' || r == '+' && i == 0 {
				b.WriteRune(r)
			}
		}
		return template.URL("tel:" + b.String()) // #nosec G203 -- digits and a leading + only
	},
	// cardArgs passes a page, an alert and the way back to the console's
	// shared card (part_console.html).
	"cardArgs": func(p *Page, a any, back string) []any { return []any{p, a, back} },
	"derefInt": func(n *int) int {
		if n == nil {
			return 0
		}
		return *n
	},
	"deref": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
}

func parseTemplates() (*Templates, error) {
	css, err := fs.ReadFile(webFS, "static/style.css")
	if err != nil {
		return nil, fmt.Errorf("http: style sheet: %w", err)
	}
	sum := sha256.Sum256(css)
	t := &Templates{pages: map[string]*template.Template{}, cssBytes: css,
		cssPath: "/static/style.css?v=" + hex.EncodeToString(sum[:6])}
	// Shared pieces (part_*.html) join the layout in every page's set.
	base, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(webFS, "templates/layout.html", "templates/part_*.html")
	if err != nil {
		return nil, fmt.Errorf("http: layout: %w", err)
	}
	files, err := fs.Glob(webFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := path.Base(f)
		if name == "layout.html" || strings.HasPrefix(name, "part_") {
			continue
		}
		pt, err := template.Must(base.Clone()).ParseFS(webFS, f)
		if err != nil {
			return nil, fmt.Errorf("http: template %s: %w", name, err)
		}
		t.pages[strings.TrimSuffix(name, ".html")] = pt
	}
	return t, nil
}

// Page is what every template receives.
type Page struct {
	L       *i18n.Localizer
	User    *escudo.User
	Path    string
	Query   string
	Title   string // translation key of the page title
	CSS     string
	Langs   []i18n.Language
	Flash   string
	Form    url.Values
	Errors  map[string][]string
	Error   string // a message for the whole form
	Summary []SummaryItem
	Data    any
	Now     time.Time
	Status  int
	Public  bool   // public page: public navigation, no staff menu
	Active  string // the form that was submitted, on pages with several

	admits func(pattern string) bool // the route table's answer for User

	// Contact is how the public reaches the Mechanism (configuration).
	Contact *escudo.PublicContact
	unread  func() int // the user's unread notices, counted when the menu asks
	// measures names the catalogue's measures on the timeline.
	measures *measures.Catalogue
}

// Can reports whether the signed-in user may use the route registered under
// pattern ("POST /cases/{id}/notes"): menus and forms come from the same
// table as the decisions, so no link leads to a refusal.
func (p *Page) Can(pattern string) bool { return p.admits != nil && p.admits(pattern) }

// T translates key; args come in name, value pairs: {{.T "k" "Max" 200}}.
func (p *Page) T(key string, args ...any) string {
	if len(args) == 0 {
		return p.L.T(key)
	}
	m := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		m[fmt.Sprint(args[i])] = args[i+1]
	}
	return p.L.T(key, m)
}

// V is the submitted value of a form field, to re-fill a form.
func (p *Page) V(name string) string {
	if p.Form == nil {
		return ""
	}
	return p.Form.Get(name)
}

// Checked reports whether a checkbox or radio had value.
func (p *Page) Checked(name, value string) bool {
	if p.Form == nil {
		return false
	}
	for _, v := range p.Form[name] {
		if v == value {
			return true
		}
	}
	return false
}

// FV is the submitted value of a field of one form among several.
func (p *Page) FV(form, name string) string {
	if p.Active != form {
		return ""
	}
	return p.V(name)
}

// E lists the translated errors of a field.
func (p *Page) E(name string) []string { return p.Errors[name] }

// Invalid reports whether a field has errors, for aria-invalid.
func (p *Page) Invalid(name string) bool { return len(p.Errors[name]) > 0 }

// Time formats t in the display zone.
func (p *Page) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(DisplayZone).Format("2006-01-02 15:04")
}

// Date is t's day in the display zone.
func (p *Page) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(DisplayZone).Format("2006-01-02")
}

// ISO is t for <time datetime>.
func (p *Page) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Dur writes a duration as days and hours, or hours and minutes.
func (p *Page) Dur(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	switch {
	case days > 0:
		return p.T("dur.days_hours", "D", days, "H", hours)
	case hours > 0:
		return p.T("dur.hours_minutes", "H", hours, "M", mins)
	default:
		return p.T("dur.minutes", "M", mins)
	}
}

// Entity is the name of a federal entity code.
func (p *Page) Entity(code string) string {
	if e, ok := escudo.LookupFederalEntity(code); ok {
		return e.Name
	}
	return code
}

// Entities lists the federal entities for selects.
func (p *Page) Entities() []escudo.FederalEntity { return escudo.FederalEntities }

// LangURL is the link that switches to lang and comes back here.
func (p *Page) LangURL(lang string) string {
	back := p.Path
	if p.Query != "" {
		back += "?" + p.Query
	}
	return "/lang?to=" + url.QueryEscape(lang) + "&next=" + url.QueryEscape(back)
}

// Lang is the language of the page.
func (p *Page) Lang() string { return p.L.Lang }

// StaffUser reports whether a mechanism staff member is signed in, for the
// staff navigation.
func (p *Page) StaffUser() bool { return p.User != nil && p.User.Role.Staff() }

// Has reports whether the user holds one of the roles.
func (p *Page) Has(roles ...string) bool {
	if p.User == nil {
		return false
	}
	for _, r := range roles {
		if string(p.User.Role) == r {
			return true
		}
	}
	return false
}

func (s *Core) NewPage(r *http.Request, title string, data any) *Page {
	u := s.CurrentUser(r)
	var unread func() int
	if u != nil {
		unread = func() int {
			n, err := s.DB.UnreadCount(r.Context(), u.ID)
			if err != nil {
				s.Log.Error("unread notices", "err", err)
			}
			return n
		}
	}
	// Whether the user is on the safe-house registry's list is asked once
	// per page, and only when a link to the registry is considered.
	var named func() bool
	if u != nil {
		var once sync.Once
		var yes bool
		named = func() bool {
			once.Do(func() {
				var err error
				if yes, err = s.DB.Named(r.Context(), u); err != nil {
					s.Log.Error("safe-house list", "err", err)
				}
			})
			return yes
		}
	}
	return &Page{
		measures: s.DB.Measures(),
		unread:   unread,
		admits:   func(pattern string) bool { return s.Mux.AdmitsNamed(u, pattern, named) },
		Contact:  &s.Opts.Contact,
		L:        s.I18n.ForRequest(r),
		User:     u,
		Path:     r.URL.Path,
		Query:    r.URL.RawQuery,
		Title:    title,
		CSS:      s.Tmpl.cssPath,
		Langs:    i18n.Languages,
		Data:     data,
		Now:      s.DB.Now(),
	}
}

// render executes a page template into a buffer first, so a template error
// becomes a clean 500 rather than half a page.
func (s *Core) Render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	t, ok := s.Tmpl.pages[name]
	if !ok {
		s.ServerError(w, r, fmt.Errorf("http: no template %q", name))
		return
	}
	p.Status = status
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.ServerError(w, r, fmt.Errorf("http: render %s: %w", name, err))
		return
	}
	// The reads of a handler that deferred its audit entries
	// (store.DeferAudits) are made durable before anything is shown.
	if err := s.DB.FlushAudits(r.Context()); err != nil {
		s.ServerError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Content-Language", p.L.Lang)
	h.Add("Vary", "Cookie, Accept-Language")
	if p.User != nil || !p.Public {
		// Staff pages carry case data: never in any cache.
		h.Set("Cache-Control", "no-store")
	} else if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// renderError shows an error page with a translated message.
func (s *Core) RenderError(w http.ResponseWriter, r *http.Request, status int, key string) {
	title := "error.title"
	switch status {
	case http.StatusForbidden:
		title = "error.forbidden_title"
	case http.StatusNotFound:
		title = "error.not_found_title"
	case http.StatusTooManyRequests:
		title = "error.too_many_title"
	}
	p := s.NewPage(r, title, nil)
	p.Status = status
	p.Error = p.L.T(key)
	p.Public = p.User == nil
	s.Render(w, r, status, "error", p)
}

// ClientGone reports whether the request's client has gone away, which
// cancels its context and with it every query the request makes.
func ClientGone(r *http.Request) bool { return errors.Is(r.Context().Err(), context.Canceled) }

// serverError logs err and shows the generic error page; internals never
// reach the user.
func (s *Core) ServerError(w http.ResponseWriter, r *http.Request, err error) {
	if ClientGone(r) {
		// The browser left (a live list's request cut by the next one, a
		// page closed): nobody reads an answer, and its failure is no fault.
		s.Log.Debug("client went away", "path", r.URL.Path, "err", err)
		return
	}
	if store.IsUnavailable(err) && s.I18n != nil {
		// The database is away: "try again", not "our fault".
		s.logUnavailable(r, err)
		w.Header().Set("Retry-After", "1")
		s.RenderError(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	s.Log.Error("request failed", "path", r.URL.Path, "err", err)
	if s.I18n == nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	t, ok := s.Tmpl.pages["error"]
	if !ok {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	p := &Page{L: s.I18n.ForRequest(r), Title: "error.title", CSS: s.Tmpl.cssPath, Langs: i18n.Languages, Path: r.URL.Path, Public: true}
	p.Error = p.L.T("error.internal")
	var buf bytes.Buffer
	if t.ExecuteTemplate(&buf, "layout.html", p) != nil {
		http.Error(w, p.Error, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write(buf.Bytes())
}

// errorPage renders the page that suits err: not found, forbidden, or the
// generic internal error.
func (s *Core) ErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	switch code := escudo.ErrorCode(err); code {
	case escudo.EINTERNAL:
		s.ServerError(w, r, err)
	default:
		s.RenderError(w, r, HTTPStatus(code), escudo.ErrorKey(err))
	}
}

func (s *Core) HandleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if name != "style.css" {
		http.NotFound(w, r)
		return
	}
	// The URL carries the content hash, so the file may be cached for good.
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(s.Tmpl.cssBytes))
}

// handleLang switches the interface language with a plain link, so it works
// without JavaScript, then returns to the page.
func (s *Core) HandleLang(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	if !s.I18n.Supported(to) {
		to = i18n.Default
	}
	SetLangCookie(w, to, s.Opts.SecureCookies)
	http.Redirect(w, r, SafeNext(r.URL.Query().Get("next"), "/"), http.StatusSeeOther) // #nosec G710 -- SafeNext admits only local paths
}

func SetLangCookie(w http.ResponseWriter, lang string, secure bool) {
	// #nosec G124 -- Secure follows Options.SecureCookies, off only when served without TLS.
	http.SetCookie(w, &http.Cookie{Name: i18n.CookieName, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// RenderFragment executes one named template of a page without the layout.
func (s *Core) RenderFragment(w http.ResponseWriter, r *http.Request, pageName, tmpl string, p *Page) {
	t, ok := s.Tmpl.pages[pageName]
	if !ok {
		s.ServerError(w, r, fmt.Errorf("http: no template %q", pageName))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, p); err != nil {
		s.ServerError(w, r, fmt.Errorf("http: render %s: %w", tmpl, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// Lookup returns a page's parsed template set (layout included), for
// benchmarks of rendering alone.
func (t *Templates) Lookup(name string) *template.Template { return t.pages[name] }

// CSS returns the style sheet every page links to.
func (t *Templates) CSS() []byte { return t.cssBytes }

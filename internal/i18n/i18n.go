// Package i18n holds escudo's translation catalogues (Mexican Spanish first,
// English second) and picks the language of each request.
package i18n

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"escudo"
)

//go:embed locales/*.json
var localeFS embed.FS

// Default is the language used when the request states none we have.
const Default = "es-MX"

// CookieName is the cookie that keeps the language a person chose.
const CookieName = "lang"

// Language is one available catalogue.
type Language struct {
	Tag  string // BCP 47, as in the file name
	Name string // the language's own name, for the switch
}

// Languages lists the catalogues in preference order.
var Languages = []Language{{"es-MX", "Español"}, {"en", "English"}}

// Bundle is the set of loaded catalogues.
type Bundle struct {
	b       *goi18n.Bundle
	matcher language.Matcher
	tags    []language.Tag
	locs    map[string]*Localizer
}

// New loads the embedded catalogues.
func New() (*Bundle, error) {
	b := goi18n.NewBundle(language.MustParse(Default))
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	bd := &Bundle{b: b, locs: map[string]*Localizer{}}
	for _, l := range Languages {
		if _, err := b.LoadMessageFileFS(localeFS, "locales/"+l.Tag+".json"); err != nil {
			return nil, fmt.Errorf("i18n: load %s: %w", l.Tag, err)
		}
		bd.tags = append(bd.tags, language.MustParse(l.Tag))
	}
	bd.matcher = language.NewMatcher(bd.tags)
	for _, l := range Languages {
		loc := &Localizer{Lang: l.Tag, l: goi18n.NewLocalizer(b, l.Tag), plain: map[string]string{}, simple: map[string][]string{}}
		// Messages without placeholders are looked up once here: pages ask
		// for hundreds of them per request, and the library's lookup runs
		// language matching and template checks on every call.
		raw, err := rawMessages(l.Tag)
		if err != nil {
			return nil, err
		}
		for k, v := range raw {
			if !strings.Contains(v, "{{") {
				loc.plain[k] = loc.localize(k, nil)
			} else if parts, ok := splitSimple(v); ok {
				loc.simple[k] = parts
			}
		}
		bd.locs[l.Tag] = loc
	}
	return bd, nil
}

// MustNew is New for program start-up, where a broken embedded catalogue is
// a build defect.
func MustNew() *Bundle {
	b, err := New()
	if err != nil {
		panic(err)
	}
	return b
}

// Supported reports whether tag names an available catalogue exactly.
func (b *Bundle) Supported(tag string) bool { _, ok := b.locs[tag]; return ok }

// Localizer returns the localizer for the first of prefs that matches a
// catalogue; prefs may be tags or Accept-Language values.
func (b *Bundle) Localizer(prefs ...string) *Localizer {
	for _, p := range prefs {
		if l, ok := b.locs[p]; ok {
			return l
		}
	}
	var nonEmpty []string
	for _, p := range prefs {
		if p != "" {
			nonEmpty = append(nonEmpty, p)
		}
	}
	if len(nonEmpty) > 0 {
		_, idx, conf := b.matcher.Match(parseAll(nonEmpty)...)
		if conf != language.No {
			return b.locs[Languages[idx].Tag]
		}
	}
	return b.locs[Default]
}

func parseAll(prefs []string) []language.Tag {
	var out []language.Tag
	for _, p := range prefs {
		tags, _, err := language.ParseAcceptLanguage(p)
		if err == nil {
			out = append(out, tags...)
		}
	}
	return out
}

// ForRequest picks the language of a request: the "lang" cookie, then the
// Accept-Language header, then Mexican Spanish.
func (b *Bundle) ForRequest(r *http.Request) *Localizer {
	var cookie string
	if c, err := r.Cookie(CookieName); err == nil {
		cookie = c.Value
	}
	if cookie != "" {
		if l, ok := b.locs[cookie]; ok {
			return l
		}
	}
	return b.Localizer(r.Header.Get("Accept-Language"))
}

// Localizer translates into one language.
type Localizer struct {
	Lang  string
	l     *goi18n.Localizer
	plain map[string]string // messages without placeholders, ready
	// simple holds messages whose only template actions are {{.Name}}
	// substitutions, split into text and names alternately: durations and
	// counts in tables are filled without running a template each time.
	simple map[string][]string
}

var simplePlaceholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z][A-Za-z0-9_]*)\s*\}\}`)

// splitSimple splits "quedan {{.D}}" into ["quedan ", "D", ""] when every
// action is a plain field reference.
func splitSimple(msg string) ([]string, bool) {
	idx := simplePlaceholder.FindAllStringSubmatchIndex(msg, -1)
	var parts []string
	last := 0
	for _, m := range idx {
		parts = append(parts, msg[last:m[0]], msg[m[2]:m[3]])
		last = m[1]
	}
	parts = append(parts, msg[last:])
	for i := 0; i < len(parts); i += 2 {
		if strings.Contains(parts[i], "{{") || strings.Contains(parts[i], "}}") {
			return nil, false
		}
	}
	return parts, true
}

// T translates key, filling {{.Name}} placeholders from args. A missing key
// returns the key itself, so a gap shows up instead of a blank; the
// catalogue test keeps gaps from shipping.
func (l *Localizer) T(key string, args ...map[string]any) string {
	var data map[string]any
	if len(args) > 0 {
		data = args[0]
	}
	if s, ok := l.plain[key]; ok {
		return s
	}
	if parts, ok := l.simple[key]; ok {
		var b strings.Builder
		for i, p := range parts {
			if i%2 == 0 {
				b.WriteString(p)
			} else if v, ok := data[p]; ok {
				fmt.Fprint(&b, v)
			} else {
				b.WriteString("<no value>") // as text/template would show it
			}
		}
		return b.String()
	}
	return l.localize(key, data)
}

func (l *Localizer) localize(key string, data map[string]any) string {
	cfg := &goi18n.LocalizeConfig{MessageID: key, TemplateData: data}
	if n, ok := data["Count"]; ok {
		cfg.PluralCount = n
	}
	s, err := l.l.Localize(cfg)
	if err != nil && s == "" {
		return key
	}
	return s
}

// Has reports whether key exists in this language.
func (l *Localizer) Has(key string) bool {
	_, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: key})
	var nf *goi18n.MessageNotFoundErr
	return !errors.As(err, &nf)
}

// Field translates a form field name ("contact.safe_from").
func (l *Localizer) Field(name string) string { return l.T("field." + name) }

// Error translates an error for a person: an escudo.Error by its key with
// the field named in the person's language; anything else as the generic
// internal error, never its text.
func (l *Localizer) Error(err error) string {
	var e *escudo.Error
	if errors.As(err, &e) {
		msg := l.T(e.Key, e.Args)
		if e.Field != "" {
			return l.Field(e.Field) + ": " + msg
		}
		return msg
	}
	return l.T("error.internal")
}

// FieldErrors maps each invalid field to its translated messages.
func (l *Localizer) FieldErrors(err error) map[string][]string {
	v, ok := escudo.AsValidation(err)
	if !ok {
		return nil
	}
	out := map[string][]string{}
	for _, e := range v {
		msg := l.T(e.Key, e.Args)
		if !contains(out[e.Field], msg) {
			out[e.Field] = append(out[e.Field], msg)
		}
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// rawMessages reads the untranslated text of every plain (non-plural)
// message of a catalogue.
func rawMessages(tag string) (map[string]string, error) {
	b, err := fs.ReadFile(localeFS, path.Join("locales", tag+".json"))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("i18n: %s: %w", tag, err)
	}
	out := map[string]string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			id := k
			if prefix != "" {
				id = prefix + "." + k
			}
			switch v := v.(type) {
			case string:
				out[id] = v
			case map[string]any:
				if !isPlural(v) {
					walk(id, v)
				}
			}
		}
	}
	walk("", m)
	return out, nil
}

// Keys returns the message keys of the catalogue of tag, sorted; for tests
// and tools that check the catalogues agree.
func Keys(tag string) ([]string, error) {
	b, err := fs.ReadFile(localeFS, path.Join("locales", tag+".json"))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("i18n: %s: %w", tag, err)
	}
	var keys []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			id := k
			if prefix != "" {
				id = prefix + "." + k
			}
			if sub, ok := v.(map[string]any); ok && !isPlural(sub) {
				walk(id, sub)
				continue
			}
			keys = append(keys, id)
		}
	}
	walk("", m)
	sort.Strings(keys)
	return keys, nil
}

func isPlural(m map[string]any) bool {
	for k := range m {
		switch strings.ToLower(k) {
		case "zero", "one", "two", "few", "many", "other":
		default:
			return false
		}
	}
	return len(m) > 0
}

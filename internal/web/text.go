package web

import (
	"net/http"
	"regexp"
	"strings"

	"escudo"
	"escudo/internal/i18n"
)

// apiLocalizer picks the caller's language: Accept-Language (or the
// language cookie of a browser session), Mexican Spanish by default.
func (s *Core) APILocalizer(r *http.Request) *i18n.Localizer {
	if s.I18n == nil {
		return nil
	}
	return s.I18n.ForRequest(r)
}

// apiText translates a message key for the caller.
func (s *Core) APIText(r *http.Request, key string, args map[string]any) string {
	l := s.APILocalizer(r)
	if l == nil {
		return key
	}
	return l.T(key, args)
}

// apiFieldText translates a field error, naming the field in the caller's
// language: "Nombre: Este dato es obligatorio."
func (s *Core) APIFieldText(r *http.Request, e *escudo.Error) string {
	l := s.APILocalizer(r)
	if l == nil {
		return e.Key
	}
	args := e.Args
	if t, ok := args["Type"].(string); ok {
		// JSON type names are shown in the caller's words.
		args = map[string]any{"Type": l.T("type." + t)}
	}
	return FieldLabel(l, e.Field) + ": " + l.T(e.Key, args)
}

var ListIndex = regexp.MustCompile(`\[\d+\]`)

// FieldLabel finds the most specific label of a JSON path: person.contact.channel
// is labelled as contact.channel, relatives[2].name as relatives. A path
// without a label is shown as it was sent.
func FieldLabel(l *i18n.Localizer, path string) string {
	p := path
	if i := strings.IndexByte(p, '['); i >= 0 {
		p = p[:i]
	}
	p = ListIndex.ReplaceAllString(p, "")
	for cand := p; cand != ""; {
		if l.Has("field." + cand) {
			return l.Field(cand)
		}
		_, rest, ok := strings.Cut(cand, ".")
		if !ok {
			break
		}
		cand = rest
	}
	return path
}

package web

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"escudo"
)

// Query reads the query parameters of a list route strictly, as
// docs/api.md promises: a name the route does not know, a name given
// twice, or a value of the wrong kind is a field error, so a typo
// ("?stauts=all", "?person=22") is refused instead of silently listing
// everything. Read the parameters, then check Err.
type Query struct {
	values url.Values
	errs   escudo.ValidationErrors
}

// NewQuery checks q against the names the route accepts.
func NewQuery(q url.Values, names ...string) *Query {
	p := &Query{values: q}
	for name, vals := range q {
		switch {
		case !containsName(names, name):
			p.errs.Add(name, "validation.unknown_field", nil)
		case len(vals) > 1:
			p.errs.Add(name, "validation.duplicate_field", nil)
		}
	}
	return p
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// text is the parameter's value, checked for encoding; "" when absent.
func (p *Query) text(name string) string {
	s := p.values.Get(name)
	if strings.ContainsRune(s, 0) || !ValidText(s, escudo.MaxShortText) {
		p.errs.Add(name, "validation.encoding", nil)
		return ""
	}
	return strings.TrimSpace(s)
}

// Choice is one of choices, or def when absent.
func (p *Query) Choice(name, def string, choices ...string) string {
	s := p.text(name)
	if s == "" {
		return def
	}
	if !containsName(choices, s) {
		p.errs.Add(name, "validation.choice", nil)
		return def
	}
	return s
}

// Int is an integer within [min, max], or def when absent.
func (p *Query) Int(name string, def, min, max int) int {
	s := p.text(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		p.errs.Add(name, "validation.type", map[string]any{"Type": "integer"})
		return def
	case n < min || n > max:
		p.errs.Add(name, "validation.range", map[string]any{"Min": min, "Max": max})
		return def
	}
	return n
}

// ID is a positive id, or 0 when absent.
func (p *Query) ID(name string) int64 {
	s := p.text(name)
	if s == "" {
		return 0
	}
	id, ok := PathID(s)
	if !ok {
		p.errs.Add(name, "validation.type", map[string]any{"Type": "integer"})
	}
	return id
}

// Bool is true or false ("1", "0", "true", "false"), or false when absent.
func (p *Query) Bool(name string) bool {
	s := p.text(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		p.errs.Add(name, "validation.type", map[string]any{"Type": "boolean"})
	}
	return b
}

// Entity is a federal entity code, or "" when absent.
func (p *Query) Entity(name string) string {
	s := strings.ToUpper(p.text(name))
	if s == "" {
		return ""
	}
	if _, ok := escudo.LookupFederalEntity(s); !ok {
		p.errs.Add(name, "validation.choice", nil)
		return ""
	}
	return s
}

// Time is an RFC 3339 time or a date (YYYY-MM-DD, midnight UTC), or the
// zero time when absent.
func (p *Query) Time(name string) time.Time {
	s := p.text(name)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t
	}
	p.errs.Add(name, "validation.date", nil)
	return time.Time{}
}

// Err returns the field errors found, or nil.
func (p *Query) Err() error { return p.errs.Err() }

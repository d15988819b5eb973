package web

import (
	"testing"

	"escudo/internal/i18n"
)

// The alert timeline's stored details are codes; a person reads words.
func TestStepDetailIsTranslated(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ lang, kind, detail, want string }{
		{"es-MX", "resolved", "attended", "Atendida: llegó la ayuda"},
		{"en", "resolved", "attended", "Attended: help arrived"},
		{"es-MX", "escalated", "1:supervisor", "al nivel 2: supervisión"},
		{"en", "escalated", "0:duty", "to tier 1: duty desk"},
		{"es-MX", "escalated", "2:custom_tier", "al nivel 3"},
		{"es-MX", "repeat", "test", "Prueba"},
		{"es-MX", "dispatched", "Policía Estatal Unidad 12 ", "Policía Estatal Unidad 12"},
		{"es-MX", "resolved", "no_such_outcome", ""},
		{"es-MX", "acknowledged", "", ""},
	}
	for _, c := range cases {
		p := &Page{L: b.Localizer(c.lang)}
		if got := p.StepDetail(c.kind, c.detail); got != c.want {
			t.Errorf("%s %s %q: %q, want %q", c.lang, c.kind, c.detail, got, c.want)
		}
	}
}

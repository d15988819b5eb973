package measures_test

import (
	"strings"
	"testing"

	"escudo"
	"escudo/internal/measures"
)

func TestDefaultCatalogueHasEveryKind(t *testing.T) {
	c := measures.Default()
	by := c.ByKind()
	for _, k := range measures.Kinds {
		if len(by[k]) == 0 {
			t.Errorf("no %s measure in the default catalogue", k)
		}
	}
	if m, ok := c.Find("safe_house"); !ok || m.Kind != measures.SafeHouse || m.Label.In("en") != "Safe house" || m.Label.In("es-MX") != "Casa de refugio" {
		t.Errorf("safe_house: %+v %v", m, ok)
	}
	if _, ok := c.Find("nope"); ok {
		t.Error("found an unknown measure")
	}
}

func TestParseRefusesABadCatalogue(t *testing.T) {
	good := `{"id":"a","kind":"urgent","label":{"es-MX":"A","en":"A"},"description":{"es-MX":"d","en":"d"}}`
	cases := []struct{ name, json, field, key string }{
		{"no version", `{"measures":[` + good + `]}`, "version", "measures.version"},
		{"empty", `{"version":1,"measures":[]}`, "measures", "measures.count"},
		{"bad id", `{"version":1,"measures":[` + strings.Replace(good, `"a"`, `"A b"`, 1) + `]}`, "measures[0].id", "measures.id"},
		{"repeated", `{"version":1,"measures":[` + good + `,` + good + `]}`, "measures[1].id", "measures.duplicate"},
		{"kind", `{"version":1,"measures":[` + strings.Replace(good, `urgent`, `magic`, 1) + `]}`, "measures[0].kind", "measures.kind"},
		{"no english", `{"version":1,"measures":[` + strings.Replace(good, `"en":"A"`, `"en":""`, 1) + `]}`, "measures[0].label.en", "measures.text_missing"},
		{"unknown field", `{"version":1,"extra":1,"measures":[` + good + `]}`, "measures", "measures.invalid_json"},
		{"trailing", `{"version":1,"measures":[` + good + `]} {}`, "measures", "measures.trailing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := measures.Parse([]byte(tc.json))
			if !hasField(err, tc.field, tc.key) {
				t.Fatalf("err = %v, want %s on %s", err, tc.key, tc.field)
			}
		})
	}
	if _, err := measures.Parse([]byte(`{"version":1,"measures":[` + good + `]}`)); err != nil {
		t.Fatalf("a good catalogue refused: %v", err)
	}
}

func TestCheckProposals(t *testing.T) {
	c := measures.Default()
	ok := []escudo.MeasureProposal{{Measure: "panic_button", Reason: "Amenazas en la calle"}, {Measure: "psychosocial_support", Reason: "Duelo"}}
	if err := c.CheckProposals(ok); err != nil {
		t.Fatalf("good proposals refused: %v", err)
	}
	cases := []struct {
		name  string
		ps    []escudo.MeasureProposal
		field string
		key   string
	}{
		{"unknown", []escudo.MeasureProposal{{Measure: "tank", Reason: "x"}}, "proposals[0].measure", "measures.unknown"},
		{"repeated", []escudo.MeasureProposal{{Measure: "escort", Reason: "x"}, {Measure: "escort", Reason: "y"}}, "proposals[1].measure", "measures.repeated"},
		{"no reason", []escudo.MeasureProposal{{Measure: "escort", Reason: "  "}}, "proposals[0].reason", "measures.reason_missing"},
		{"long reason", []escudo.MeasureProposal{{Measure: "escort", Reason: strings.Repeat("x", measures.ReasonMaxLen+1)}}, "proposals[0].reason", "validation.too_long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.CheckProposals(tc.ps); !hasField(err, tc.field, tc.key) {
				t.Fatalf("err = %v, want %s on %s", err, tc.key, tc.field)
			}
		})
	}
}

func TestRetiredMeasureIsNotProposed(t *testing.T) {
	c, err := measures.Parse([]byte(`{"version":2,"measures":[
		{"id":"a","kind":"urgent","label":{"es-MX":"A","en":"A"},"description":{"es-MX":"d","en":"d"},"retired":true},
		{"id":"b","kind":"urgent","label":{"es-MX":"B","en":"B"},"description":{"es-MX":"d","en":"d"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ByKind()[measures.Urgent]; len(got) != 1 || got[0].ID != "b" {
		t.Errorf("ByKind = %+v", got)
	}
	if err := c.CheckProposals([]escudo.MeasureProposal{{Measure: "a", Reason: "x"}}); !hasField(err, "proposals[0].measure", "measures.unknown") {
		t.Errorf("retired proposal: %v", err)
	}
	if _, ok := c.Find("a"); !ok {
		t.Error("a retired measure must still be found for old records")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"version":1,"measures":[{"id":"a","kind":"urgent","label":{"es-MX":"A","en":"A"},"description":{"es-MX":"d","en":"d"}}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := measures.Parse(b)
		if err != nil {
			if _, ok := escudo.AsValidation(err); !ok {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		for _, m := range c.Measures {
			if got, ok := c.Find(m.ID); !ok || got.ID != m.ID {
				t.Fatalf("accepted catalogue cannot find %q", m.ID)
			}
		}
	})
}

func hasField(err error, field, key string) bool {
	v, ok := escudo.AsValidation(err)
	if !ok {
		return false
	}
	for _, e := range v {
		if e.Field == field && e.Key == key {
			return true
		}
	}
	return false
}

package risk

import (
	"bytes"
	"testing"

	"escudo"
)

// FuzzParse feeds the parser arbitrary bytes: it never panics, refuses with
// field errors only, and what it accepts is valid, has a canonical form
// that parses back to the same version, and can be evaluated and explained.
func FuzzParse(f *testing.F) {
	f.Add(DefaultJSON())
	f.Add(Default().Canonical())
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"x","version":1,"levels":[{"id":"ordinario"},{"id":"extremo","from":"0.5"}]}`))
	f.Add(bytes.Replace(DefaultJSON(), []byte(`"from": "2"`), []byte(`"from": "2.5"`), 1))
	f.Add(bytes.Replace(DefaultJSON(), []byte(`"value": 3`), []byte(`"value": 1`), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		inst, err := Parse(data)
		if err != nil {
			if inst != nil {
				t.Fatal("an instrument with an error")
			}
			if _, ok := escudo.AsValidation(err); !ok {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		if err := inst.Validate(); err != nil {
			t.Fatalf("accepted but invalid: %v", err)
		}
		again, err := Parse(inst.Canonical())
		if err != nil {
			t.Fatalf("canonical form refused: %v", err)
		}
		if !bytes.Equal(again.Canonical(), inst.Canonical()) || again.Hash() != inst.Hash() {
			t.Fatal("canonical form does not round-trip")
		}
		a := Answers{Instrument: inst.ID, Version: inst.Version, Factors: map[string]int64{}, Context: map[string]string{}}
		for _, g := range inst.Groups {
			for i, fa := range g.Factors {
				a.Factors[fa.ID] = fa.Scale[i%len(fa.Scale)].Value
			}
		}
		for _, q := range inst.Context {
			a.Context[q.ID] = "x"
			if q.Kind == KindChoice {
				a.Context[q.ID] = q.Options[0].ID
			}
		}
		res, err := Evaluate(inst, a)
		if err != nil {
			t.Fatalf("answers on the scales refused: %v", err)
		}
		if _, ok := inst.Level(res.Level); !ok {
			t.Fatalf("level %q is not the instrument's", res.Level)
		}
		ex := Explain(inst, res)
		for _, w := range []Way{ex.Up, ex.Down} {
			if w.Status == Found && len(w.Changes) == 0 {
				t.Fatal("found without changes")
			}
		}
		_ = ex.Sentences(inst, "en")
	})
}

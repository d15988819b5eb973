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
	// Small seeds: with the 35 KB default instrument as a seed the fuzzing
	// engine runs a few inputs a second; the default is parsed by the
	// table tests.
	small := smallInstrument()
	f.Add(small)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"x","version":1,"levels":[{"id":"ordinario"},{"id":"extremo","from":"0.5"}]}`))
	f.Add(bytes.Replace(small, []byte(`"from":"0.5"`), []byte(`"from":"0.25"`), 1))
	f.Add(bytes.Replace(small, []byte(`{"value":2`), []byte(`{"value":1`), 1))
	f.Add(bytes.Replace(small, []byte(`"kind":"text","required":true,"label":{"es-MX":"x","en":"y"}}`),
		[]byte(`"kind":"choice","required":true,"label":{"es-MX":"x","en":"y"},"options":[{"id":"a","label":{"es-MX":"x","en":"y"}},{"id":"b","label":{"es-MX":"x","en":"y"}}]}`), 1))
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

// smallInstrument is a valid instrument of one two-step factor per group,
// cheap for the fuzzer to vary.
func smallInstrument() []byte {
	tx := Text{ES: "x", EN: "y"}
	step := func(v int64) Step { return Step{Value: v, Meaning: tx} }
	inst := &Instrument{ID: "s", Version: 1, Title: tx, Description: tx,
		Levels: []Level{{ID: escudo.RiskOrdinary, Label: tx}, {ID: escudo.RiskExtreme, From: "0.5", Label: tx}}}
	for _, g := range Groups {
		inst.Groups = append(inst.Groups, FactorGroup{ID: g, Label: tx, Factors: []Factor{{ID: string(g), Label: tx, Weight: 1, Evidence: tx, Scale: []Step{step(1), step(2)}}}})
	}
	for _, id := range RequiredContext {
		inst.Context = append(inst.Context, ContextQuestion{ID: id, Kind: KindText, Required: true, Label: tx})
	}
	return inst.Canonical()
}

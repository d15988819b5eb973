package risk

import (
	"slices"
	"testing"
)

func TestCheckDraftAllowsGapsNotErrors(t *testing.T) {
	inst := Default()
	a := Answers{Instrument: "escudo", Version: 1, Factors: map[string]int64{"threat_type": 2}, Context: map[string]string{"narrative": "Amenazas."}}
	if err := CheckDraft(inst, a); err != nil {
		t.Fatalf("a partial draft refused: %v", errs(t, err))
	}
	if _, err := Evaluate(inst, a); err == nil {
		t.Fatal("a partial draft evaluated")
	}
	cases := []struct {
		name string
		edit func(a *Answers)
		want string
	}{
		{"off scale", func(a *Answers) { a.Factors["threat_type"] = 99 }, "factors.threat_type risk.answer.off_scale"},
		{"unknown factor", func(a *Answers) { a.Factors["luck"] = 1 }, "factors.luck risk.answer.unknown_factor"},
		{"bad option", func(a *Answers) { a.Context["gender"] = "robot" }, "context.gender risk.answer.context_choice"},
		{"other version", func(a *Answers) { a.Version = 7 }, "instrument risk.answer.instrument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := Answers{Instrument: a.Instrument, Version: a.Version, Factors: map[string]int64{"threat_type": 2}, Context: map[string]string{"narrative": "x"}}
			tc.edit(&b)
			if got := errs(t, CheckDraft(inst, b)); !slices.Equal(got, []string{tc.want}) {
				t.Fatalf("errors = %v, want [%s]", got, tc.want)
			}
		})
	}
}

func TestMissingListsWhatSubmissionNeeds(t *testing.T) {
	inst := Default()
	full := workedExample()
	if m := Missing(inst, full); len(m) != 0 {
		t.Fatalf("complete answers miss %v", m)
	}
	delete(full.Factors, "networks")
	full.Context["sogi"] = " "
	if m := Missing(inst, full); !slices.Equal(m, []string{"factors.networks", "context.sogi"}) {
		t.Fatalf("Missing = %v", m)
	}
	// Evaluate refuses exactly what Missing lists.
	_, err := Evaluate(inst, full)
	if got := errs(t, err); !slices.Equal(got, []string{"factors.networks risk.answer.factor_missing", "context.sogi risk.answer.context_missing"}) {
		t.Fatalf("Evaluate reports %v", got)
	}
}

package risk

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"escudo"
)

func TestWorkedExample(t *testing.T) {
	inst := Default()
	res, err := Evaluate(inst, workedExample())
	if err != nil {
		t.Fatal(err)
	}
	want := [3]GroupScore{
		{Threats, 24, 10, "2.40"},
		{Vulnerabilities, 19, 14, "1.36"},
		{Capacities, 11, 6, "1.83"},
	}
	if res.Groups != want {
		t.Errorf("groups %+v, want %+v", res.Groups, want)
	}
	if res.Num != 2736 || res.Den != 1540 || res.Value != "1.78" || res.Level != escudo.RiskOrdinary {
		t.Errorf("R = %d/%d = %s, %s; want 2736/1540 = 1.78, ordinario", res.Num, res.Den, res.Value, res.Level)
	}
	if res.Instrument != "escudo" || res.Version != 1 || res.Hash != inst.Hash() {
		t.Errorf("version %s %d %s", res.Instrument, res.Version, res.Hash)
	}
	// Every factor, in the instrument's order, with its points and share.
	type row struct {
		id                      string
		step                    int
		points, max, weight, sh int64
	}
	wantRows := []row{
		{"threat_type", 2, 6, 9, 3, 25}, {"threat_source", 3, 6, 8, 2, 25}, {"threat_frequency", 2, 4, 6, 2, 17},
		{"threat_recency", 3, 6, 6, 2, 25}, {"threat_reach", 2, 2, 3, 1, 8},
		{"place", 2, 4, 6, 2, 21}, {"isolation", 1, 2, 6, 2, 11}, {"exposure", 3, 6, 6, 2, 32}, {"dependants", 2, 2, 3, 1, 11},
		{"gender", 2, 4, 6, 2, 21}, {"ethnic_identity", 0, 0, 3, 1, 0}, {"health", 0, 0, 3, 1, 0},
		{"digital_exposure", 1, 1, 3, 1, 5}, {"displacement", 0, 0, 6, 2, 0},
		{"networks", 1, 4, 8, 2, 36}, {"accompaniment", 0, 1, 4, 1, 9}, {"legal_support", 1, 2, 4, 1, 18}, {"security_practices", 1, 4, 8, 2, 36},
	}
	if len(res.Factors) != len(wantRows) {
		t.Fatalf("%d contributions", len(res.Factors))
	}
	for i, w := range wantRows {
		c := res.Factors[i]
		if c.Factor != w.id || c.Step != w.step || c.Points != w.points || c.MaxPoints != w.max || c.Weight != w.weight || c.Share != w.sh || c.Value != workedExample().Factors[w.id] {
			t.Errorf("%d: %+v, want %+v", i, c, w)
		}
	}
}

// oneEach builds answers for a one-factor-per-group instrument.
func oneEach(t *testing.T, th, vu, ca int64) Answers {
	t.Helper()
	return Answers{Instrument: "tiny", Version: 1, Context: tinyContext(), Factors: map[string]int64{
		"threats_0": th, "vulnerabilities_0": vu, "capacities_0": ca,
	}}
}

func TestLevelThresholds(t *testing.T) {
	// One factor per group, weight 1: R = t × v ÷ c.
	vals := []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	caps := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	inst := tiny(t, [3][][]int64{{vals}, {vals}, {caps}},
		lv(escudo.RiskOrdinary, ""), lv(escudo.RiskExtraordinary, "2"), lv(escudo.RiskExtreme, "4.5"))
	tests := []struct {
		t, v, c int64
		value   string
		want    escudo.RiskLevel
	}{
		{0, 9, 1, "0.00", escudo.RiskOrdinary},
		{1, 1, 1, "1.00", escudo.RiskOrdinary},
		{5, 7, 9, "3.89", escudo.RiskExtraordinary},
		{2, 1, 1, "2.00", escudo.RiskExtraordinary}, // the threshold itself is in
		{6, 3, 9, "2.00", escudo.RiskExtraordinary},
		{7, 5, 9, "3.89", escudo.RiskExtraordinary},
		{5, 7, 9, "3.89", escudo.RiskExtraordinary},
		{4, 4, 9, "1.78", escudo.RiskOrdinary},
		{3, 5, 8, "1.88", escudo.RiskOrdinary},
		{1, 9, 2, "4.50", escudo.RiskExtreme}, // exactly 4.5
		{9, 1, 2, "4.50", escudo.RiskExtreme},
		{4, 9, 8, "4.50", escudo.RiskExtreme},
		{8, 5, 9, "4.44", escudo.RiskExtraordinary},
		{5, 8, 9, "4.44", escudo.RiskExtraordinary},
		{9, 9, 1, "81.00", escudo.RiskExtreme},
		{3, 3, 5, "1.80", escudo.RiskOrdinary},
		{7, 9, 7, "9.00", escudo.RiskExtreme},
	}
	for _, tt := range tests {
		res, err := Evaluate(inst, oneEach(t, tt.t, tt.v, tt.c))
		if err != nil {
			t.Fatal(err)
		}
		if res.Level != tt.want || res.Value != tt.value {
			t.Errorf("%d×%d÷%d: %s %s, want %s %s", tt.t, tt.v, tt.c, res.Value, res.Level, tt.value, tt.want)
		}
	}
}

func TestExactFractionDecides(t *testing.T) {
	// Threats 99 and 100 on weight 1, vulnerabilities 2, capacities 100:
	// R = 99 × 2 ÷ 100 = 1.98 and 100 × 2 ÷ 100 = 2; with weights the
	// fractions are not reduced, and the level still follows them exactly.
	inst := tiny(t, [3][][]int64{{{0, 99, 100}}, {{0, 2}}, {{1, 99, 100}}}, lv(escudo.RiskOrdinary, ""), lv(escudo.RiskExtraordinary, "1.99"))
	for _, tt := range []struct {
		th, c int64
		value string
		want  escudo.RiskLevel
	}{
		{99, 100, "1.98", escudo.RiskOrdinary},
		{100, 100, "2.00", escudo.RiskExtraordinary},
		{99, 99, "2.00", escudo.RiskExtraordinary}, // exactly 2
		{100, 99, "2.02", escudo.RiskExtraordinary},
	} {
		res, err := Evaluate(inst, oneEach(t, tt.th, 2, tt.c))
		if err != nil {
			t.Fatal(err)
		}
		if res.Level != tt.want || res.Value != tt.value {
			t.Errorf("%d×2÷%d: %s %s, want %s %s", tt.th, tt.c, res.Value, res.Level, tt.value, tt.want)
		}
	}
	// 7 × 19 ÷ 67 = 1.98507…, written 1.99, is still below 1.99: the level
	// follows the exact fraction, not the rounded value.
	for _, tt := range []struct {
		from string
		want escudo.RiskLevel
	}{{"1.99", escudo.RiskOrdinary}, {"1.98", escudo.RiskExtraordinary}} {
		near := tiny(t, [3][][]int64{{{0, 7}}, {{0, 19}}, {{1, 67}}}, lv(escudo.RiskOrdinary, ""), lv(escudo.RiskExtraordinary, tt.from))
		res, _ := Evaluate(near, oneEach(t, 7, 19, 67))
		if res.Value != "1.99" || res.Level != tt.want {
			t.Errorf("7×19÷67 from %s: %s %s, want 1.99 %s", tt.from, res.Value, res.Level, tt.want)
		}
	}
	// A threshold with decimals reached exactly: 1 × 1 ÷ 2 = 0.5.
	at := tiny(t, [3][][]int64{{{0, 1}}, {{0, 1}}, {{1, 2}}}, lv(escudo.RiskOrdinary, ""), lv(escudo.RiskExtraordinary, "0.5"))
	if res, _ := Evaluate(at, oneEach(t, 1, 1, 2)); res.Level != escudo.RiskExtraordinary || res.Value != "0.50" {
		t.Errorf("0.5 exactly: %s %s", res.Value, res.Level)
	}
}

func TestWeightsWeigh(t *testing.T) {
	// Two threats of weights 1 and 2: T = (1·a + 2·b) ÷ 3.
	inst := tiny(t, [3][][]int64{{{0, 3}, {0, 3}}, {{0, 1}}, {{1, 2}}}, lv(escudo.RiskOrdinary, ""), lv(escudo.RiskExtraordinary, "1.5"))
	a := Answers{Instrument: "tiny", Version: 1, Context: tinyContext(), Factors: map[string]int64{"threats_0": 3, "threats_1": 0, "vulnerabilities_0": 1, "capacities_0": 1}}
	res, _ := Evaluate(inst, a)
	if res.Groups[0].Points != 3 || res.Groups[0].Weight != 3 || res.Level != escudo.RiskOrdinary || res.Value != "1.00" {
		t.Errorf("light threat: %+v %s %s", res.Groups[0], res.Value, res.Level)
	}
	a.Factors["threats_0"], a.Factors["threats_1"] = 0, 3
	res, _ = Evaluate(inst, a)
	if res.Groups[0].Points != 6 || res.Level != escudo.RiskExtraordinary || res.Value != "2.00" {
		t.Errorf("heavy threat: %+v %s %s", res.Groups[0], res.Value, res.Level)
	}
	if res.Factors[1].Share != 100 || res.Factors[0].Share != 0 || res.Factors[1].MaxPoints != 6 {
		t.Errorf("shares %+v", res.Factors[:2])
	}
}

func TestDecimalRounding(t *testing.T) {
	for _, tt := range []struct {
		num, den int64
		want     string
		pct      int64
	}{
		{1, 8, "0.13", 13}, {2, 3, "0.67", 67}, {1, 3, "0.33", 33}, {1, 200, "0.01", 1}, {1, 201, "0.00", 0},
		{0, 5, "0.00", 0}, {81, 1, "81.00", 8100}, {2736, 1540, "1.78", 178}, {5, 0, "0.00", 0}, {199, 200, "1.00", 100},
		{1, 400, "0.00", 0},
	} {
		if got := decimal(tt.num, tt.den); got != tt.want {
			t.Errorf("decimal(%d/%d) = %s, want %s", tt.num, tt.den, got, tt.want)
		}
		if got := percent(tt.num, tt.den); got != tt.pct {
			t.Errorf("percent(%d/%d) = %d, want %d", tt.num, tt.den, got, tt.pct)
		}
	}
}

func TestEvaluateRefuses(t *testing.T) {
	inst := Default()
	tests := []struct {
		name string
		edit func(a *Answers)
		want []string
	}{
		{"another version", func(a *Answers) { a.Version = 2 }, []string{"instrument risk.answer.instrument"}},
		{"another instrument", func(a *Answers) { a.Instrument = "other" }, []string{"instrument risk.answer.instrument"}},
		{"factor missing", func(a *Answers) { delete(a.Factors, "exposure") }, []string{"factors.exposure risk.answer.factor_missing"}},
		{"above the scale", func(a *Answers) { a.Factors["threat_type"] = 4 }, []string{"factors.threat_type risk.answer.off_scale"}},
		{"below the scale", func(a *Answers) { a.Factors["networks"] = 0 }, []string{"factors.networks risk.answer.off_scale"}},
		{"negative", func(a *Answers) { a.Factors["place"] = -1 }, []string{"factors.place risk.answer.off_scale"}},
		{"unknown factor", func(a *Answers) { a.Factors["weather"] = 1 }, []string{"factors.weather risk.answer.unknown_factor"}},
		{"narrative missing", func(a *Answers) { delete(a.Context, "narrative") }, []string{"context.narrative risk.answer.context_missing"}},
		{"narrative blank", func(a *Answers) { a.Context["narrative"] = " \n\t" }, []string{"context.narrative risk.answer.context_missing"}},
		{"narrative too long", func(a *Answers) { a.Context["narrative"] = strings.Repeat("a", MaxContextLen+1) }, []string{"context.narrative risk.answer.too_long"}},
		{"narrative at the limit", func(a *Answers) { a.Context["narrative"] = strings.Repeat("a", MaxContextLen) }, nil},
		{"gender missing", func(a *Answers) { delete(a.Context, "gender") }, []string{"context.gender risk.answer.context_missing"}},
		{"rurality missing", func(a *Answers) { a.Context["rurality"] = "" }, []string{"context.rurality risk.answer.context_missing"}},
		{"sogi not an option", func(a *Answers) { a.Context["sogi"] = "yes" }, []string{"context.sogi risk.answer.context_choice"}},
		{"unknown question", func(a *Answers) { a.Context["religion"] = "x" }, []string{"context.religion risk.answer.unknown_question"}},
		{"note", func(a *Answers) { a.Notes = map[string]string{"exposure": "Columna semanal en El Diario."} }, nil},
		{"note too long", func(a *Answers) { a.Notes = map[string]string{"exposure": strings.Repeat("a", MaxNoteLen+1)} }, []string{"notes.exposure risk.answer.too_long"}},
		{"note at the limit", func(a *Answers) { a.Notes = map[string]string{"exposure": strings.Repeat("a", MaxNoteLen)} }, nil},
		{"note on no factor", func(a *Answers) { a.Notes = map[string]string{"weather": "x"} }, []string{"notes.weather risk.answer.unknown_factor"}},
		{"everything at once, in a stable order", func(a *Answers) {
			delete(a.Factors, "gender")
			a.Factors["zeta"], a.Factors["alpha"] = 1, 1
			a.Context["migration_status"] = "tourist"
			delete(a.Context, "disability")
		}, []string{"factors.gender risk.answer.factor_missing", "factors.alpha risk.answer.unknown_factor", "factors.zeta risk.answer.unknown_factor",
			"context.disability risk.answer.context_missing", "context.migration_status risk.answer.context_choice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := workedExample()
			a.Factors, a.Context = maps.Clone(a.Factors), maps.Clone(a.Context)
			tt.edit(&a)
			res, err := Evaluate(inst, a)
			if got := errs(t, err); !slices.Equal(got, tt.want) {
				t.Fatalf("errors %q, want %q", got, tt.want)
			}
			if err != nil && (res.Level != "" || res.Factors != nil) {
				t.Fatal("a result with an error")
			}
			if err == nil && res.Level == "" {
				t.Fatal("no level")
			}
		})
	}
	// Every scale step is accepted, and only those.
	for _, g := range inst.Groups {
		for _, f := range g.Factors {
			for v := int64(-1); v <= f.Scale[len(f.Scale)-1].Value+1; v++ {
				a := workedExample()
				a.Factors[f.ID] = v
				_, err := Evaluate(inst, a)
				if (err == nil) != (stepIndex(f, v) >= 0) {
					t.Errorf("%s = %d: %v", f.ID, v, err)
				}
			}
		}
	}
}

func TestOptionalContext(t *testing.T) {
	inst := tiny(t, [3][][]int64{{{0, 1}}, {{0, 1}}, {{1, 2}}}, lv(escudo.RiskOrdinary, ""), lv(escudo.RiskExtraordinary, "1"))
	inst.Context = append(inst.Context, ContextQuestion{ID: "languages", Kind: KindChoice, Label: Text{ES: "x", EN: "x"},
		Options: []Option{{ID: "es", Label: Text{ES: "es", EN: "es"}}, {ID: "tzotzil", Label: Text{ES: "tz", EN: "tz"}}}})
	a := oneEach(t, 1, 1, 1)
	if _, err := Evaluate(inst, a); err != nil {
		t.Fatalf("an optional question left blank: %v", err)
	}
	a.Context["languages"] = "tzotzil"
	if _, err := Evaluate(inst, a); err != nil {
		t.Fatalf("an optional question answered: %v", err)
	}
	a.Context["languages"] = "klingon"
	if got := errs(t, func() error { _, err := Evaluate(inst, a); return err }()); !slices.Equal(got, []string{"context.languages risk.answer.context_choice"}) {
		t.Fatalf("errors %q", got)
	}
}

func TestRecomputeMatches(t *testing.T) {
	inst := Default()
	a := workedExample()
	stored, err := Evaluate(inst, a)
	if err != nil {
		t.Fatal(err)
	}
	// From the published JSON, as anyone would.
	again, err := Recompute(mustParse(t, DefaultJSON()), a)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Equal(stored) {
		t.Fatalf("recomputed %+v, stored %+v", again, stored)
	}
	for name, change := range map[string]func(*Result){
		"instrument": func(r *Result) { r.Instrument = "x" },
		"version":    func(r *Result) { r.Version++ },
		"hash":       func(r *Result) { r.Hash = "0" },
		"group":      func(r *Result) { r.Groups[1].Points++ },
		"weight":     func(r *Result) { r.Groups[2].Weight++ },
		"num":        func(r *Result) { r.Num++ },
		"den":        func(r *Result) { r.Den++ },
		"level":      func(r *Result) { r.Level = escudo.RiskExtraordinary },
	} {
		r := stored
		change(&r)
		if r.Equal(stored) || stored.Equal(r) {
			t.Errorf("a changed %s still matches", name)
		}
	}
}

func mustParse(t *testing.T, data []byte) *Instrument {
	t.Helper()
	inst, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

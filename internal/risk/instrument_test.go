package risk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"escudo"
)

func TestDefaultInstrument(t *testing.T) {
	inst, err := Parse(DefaultJSON())
	if err != nil {
		t.Fatal(err)
	}
	want := map[Group][]string{
		Threats:         {"threat_type", "threat_source", "threat_frequency", "threat_recency", "threat_reach"},
		Vulnerabilities: {"place", "isolation", "exposure", "dependants", "gender", "ethnic_identity", "health", "digital_exposure", "displacement"},
		Capacities:      {"networks", "accompaniment", "legal_support", "security_practices"},
	}
	for gi, g := range inst.Groups {
		if g.ID != Groups[gi] {
			t.Fatalf("group %d is %s", gi, g.ID)
		}
		var ids []string
		for _, f := range g.Factors {
			ids = append(ids, f.ID)
		}
		if !slices.Equal(ids, want[g.ID]) {
			t.Errorf("%s: factors %v, want %v", g.ID, ids, want[g.ID])
		}
	}
	var levels []escudo.RiskLevel
	for _, l := range inst.Levels {
		levels = append(levels, l.ID)
	}
	if !slices.Equal(levels, []escudo.RiskLevel{escudo.RiskOrdinary, escudo.RiskExtraordinary}) || inst.Levels[1].From != "2" {
		t.Errorf("levels %v from %q", levels, inst.Levels[1].From)
	}
	for _, id := range RequiredContext {
		if !requiredQuestion(inst.Context, id) {
			t.Errorf("context question %s missing or optional", id)
		}
	}
	if Default().Hash() != inst.Hash() {
		t.Error("Default and Parse disagree")
	}
}

func TestHashIsOfTheCanonicalForm(t *testing.T) {
	inst := Default()
	h := inst.Hash()
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		t.Fatalf("hash %q is not hex SHA-256", h)
	}
	// Spacing and key order do not change the version's identity.
	var compact bytes.Buffer
	if err := json.Compact(&compact, DefaultJSON()); err != nil {
		t.Fatal(err)
	}
	reordered := mutate(t, func(map[string]any) {}) // encoding/json sorts the keys
	for name, data := range map[string][]byte{"compact": compact.Bytes(), "reordered": reordered, "canonical": inst.Canonical()} {
		again, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if again.Hash() != h {
			t.Errorf("%s: hash changed", name)
		}
	}
	if bytes.ContainsAny(inst.Canonical(), "\n\t") || !bytes.Contains(inst.Canonical(), []byte(`"es-MX":"Amenazas"`)) {
		t.Error("canonical form is not compact JSON with unescaped text")
	}
	// Any change of content makes another version.
	changes := map[string]func(*Instrument){
		"weight":    func(i *Instrument) { i.Groups[0].Factors[0].Weight++ },
		"step":      func(i *Instrument) { i.Groups[2].Factors[0].Scale[3].Value++ },
		"meaning":   func(i *Instrument) { i.Groups[1].Factors[2].Scale[1].Meaning.EN += "." },
		"threshold": func(i *Instrument) { i.Levels[1].From = "2.5" },
		"question":  func(i *Instrument) { i.Context[1].Required = false },
		"version":   func(i *Instrument) { i.Version = 2 },
	}
	for name, change := range changes {
		c := Default()
		change(c)
		if c.Hash() == h {
			t.Errorf("%s: the hash did not change", name)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	sp := "groups.0.factors.0.scale"
	tests := []struct {
		name string
		edit func(m map[string]any)
		raw  []byte
		want []string
	}{
		{name: "unknown top field", edit: func(m map[string]any) { m["colour"] = "red" }, want: []string{"colour risk.invalid.unknown_field"}},
		{name: "unknown nested field", edit: func(m map[string]any) { obj(m, "groups.1.factors.0")["note"] = "x" }, want: []string{"note risk.invalid.unknown_field"}},
		{name: "wrong type", edit: func(m map[string]any) { obj(m, "groups.0.factors.0")["weight"] = "3" }, want: []string{"groups.factors.weight risk.invalid.type"}},
		{name: "not json", raw: []byte(`{"id":`), want: []string{"instrument risk.invalid.json"}},
		{name: "trailing data", raw: append(DefaultJSON(), []byte(`{}`)...), want: []string{"instrument risk.invalid.trailing"}},
		{name: "as large as allowed", raw: append([]byte(`{}`), bytes.Repeat([]byte(" "), maxInstrumentBytes-2)...),
			want: []string{"id risk.invalid.id", "version risk.invalid.version", "title.es-MX risk.invalid.translation", "title.en risk.invalid.translation",
				"description.es-MX risk.invalid.translation", "description.en risk.invalid.translation", "groups risk.invalid.groups",
				"context risk.invalid.context_required", "context risk.invalid.context_required", "context risk.invalid.context_required",
				"context risk.invalid.context_required", "context risk.invalid.context_required", "context risk.invalid.context_required",
				"context risk.invalid.context_required", "levels risk.invalid.level_count"}},
		{name: "too large", raw: bytes.Repeat([]byte(" "), maxInstrumentBytes+1), want: []string{"instrument risk.invalid.too_large"}},
		{name: "bad id", edit: func(m map[string]any) { m["id"] = "Escudo" }, want: []string{"id risk.invalid.id"}},
		{name: "empty id", edit: func(m map[string]any) { m["id"] = "" }, want: []string{"id risk.invalid.id"}},
		{name: "long id", edit: func(m map[string]any) { m["id"] = strings.Repeat("a", 65) }, want: []string{"id risk.invalid.id"}},
		{name: "id at the limit", edit: func(m map[string]any) { m["id"] = strings.Repeat("z", 64) }},
		{name: "id of every allowed character", edit: func(m map[string]any) { m["id"] = "az_09" }},
		{name: "id with a backquote", edit: func(m map[string]any) { m["id"] = "a`" }, want: []string{"id risk.invalid.id"}},
		{name: "id with a brace", edit: func(m map[string]any) { m["id"] = "a{" }, want: []string{"id risk.invalid.id"}},
		{name: "id with a slash", edit: func(m map[string]any) { m["id"] = "a/" }, want: []string{"id risk.invalid.id"}},
		{name: "id with a colon", edit: func(m map[string]any) { m["id"] = "a:" }, want: []string{"id risk.invalid.id"}},
		{name: "id with an accent", edit: func(m map[string]any) { m["id"] = "año" }, want: []string{"id risk.invalid.id"}},
		{name: "version 0", edit: func(m map[string]any) { m["version"] = 0 }, want: []string{"version risk.invalid.version"}},
		{name: "missing English title", edit: func(m map[string]any) { obj(m, "title")["en"] = " " }, want: []string{"title.en risk.invalid.translation"}},
		{name: "missing Spanish meaning", edit: func(m map[string]any) { delete(obj(m, sp+".2.meaning"), "es-MX") }, want: []string{"groups[0].factors[0].scale[2].meaning.es-MX risk.invalid.translation"}},
		{name: "missing evidence", edit: func(m map[string]any) { obj(m, "groups.2.factors.3.evidence")["en"] = "" }, want: []string{"groups[2].factors[3].evidence.en risk.invalid.translation"}},
		{name: "text too long", edit: func(m map[string]any) { obj(m, "groups.0.label")["en"] = strings.Repeat("x", MaxTextLen+1) }, want: []string{"groups[0].label.en risk.invalid.too_long"}},
		{name: "text at the limit", edit: func(m map[string]any) { obj(m, "groups.0.label")["en"] = strings.Repeat("x", MaxTextLen) }},
		{name: "two groups", edit: func(m map[string]any) { setArr(m, "groups", arr(m, "groups")[:2]) }, want: []string{"groups risk.invalid.groups"}},
		{name: "groups swapped", edit: func(m map[string]any) {
			g := arr(m, "groups")
			g[0], g[1] = g[1], g[0]
		}, want: []string{"groups[0].id risk.invalid.group_id", "groups[1].id risk.invalid.group_id"}},
		{name: "no factors", edit: func(m map[string]any) { setArr(m, "groups.1.factors", []any{}) }, want: []string{"groups[1].factors risk.invalid.factor_count"}},
		{name: "factors at the limit", edit: func(m map[string]any) { setArr(m, "groups.1.factors", manyFactors(m, MaxFactorsPerGroup)) }},
		{name: "too many factors", edit: func(m map[string]any) { setArr(m, "groups.1.factors", manyFactors(m, MaxFactorsPerGroup+1)) },
			want: []string{"groups[1].factors risk.invalid.factor_count"}},
		{name: "duplicate factor across groups", edit: func(m map[string]any) { obj(m, "groups.1.factors.0")["id"] = "threat_type" },
			want: []string{"groups[1].factors[0].id risk.invalid.duplicate_id"}},
		{name: "weight 0", edit: func(m map[string]any) { obj(m, "groups.0.factors.0")["weight"] = 0 }, want: []string{"groups[0].factors[0].weight risk.invalid.weight"}},
		{name: "weight over the limit", edit: func(m map[string]any) { obj(m, "groups.0.factors.0")["weight"] = MaxWeight + 1 }, want: []string{"groups[0].factors[0].weight risk.invalid.weight"}},
		{name: "weight at the limit", edit: func(m map[string]any) { obj(m, "groups.0.factors.0")["weight"] = MaxWeight }},
		{name: "one step", edit: func(m map[string]any) { setArr(m, sp, arr(m, sp)[:1]) }, want: []string{"groups[0].factors[0].scale risk.invalid.step_count"}},
		{name: "two steps", edit: func(m map[string]any) { setArr(m, sp, arr(m, sp)[:2]) }},
		{name: "steps at the limit", edit: func(m map[string]any) { setArr(m, sp, steps(MaxSteps)) }},
		{name: "too many steps", edit: func(m map[string]any) {
			var s []any
			for i := range MaxSteps + 1 {
				s = append(s, map[string]any{"value": i, "meaning": map[string]any{"es-MX": "x", "en": "x"}})
			}
			setArr(m, sp, s)
		}, want: []string{"groups[0].factors[0].scale risk.invalid.step_count"}},
		{name: "equal steps", edit: func(m map[string]any) { obj(m, sp+".2")["value"] = 1 }, want: []string{"groups[0].factors[0].scale[2].value risk.invalid.scale_order"}},
		{name: "falling steps", edit: func(m map[string]any) { obj(m, sp+".3")["value"] = 0 }, want: []string{"groups[0].factors[0].scale[3].value risk.invalid.scale_order"}},
		{name: "negative step", edit: func(m map[string]any) { obj(m, sp+".0")["value"] = -1 }, want: []string{"groups[0].factors[0].scale[0].value risk.invalid.step_value"}},
		{name: "step over the limit", edit: func(m map[string]any) { obj(m, sp+".3")["value"] = MaxStepValue + 1 }, want: []string{"groups[0].factors[0].scale[3].value risk.invalid.step_value"}},
		{name: "step at the limit", edit: func(m map[string]any) { obj(m, sp+".3")["value"] = MaxStepValue }},
		{name: "capacity step 0", edit: func(m map[string]any) { obj(m, "groups.2.factors.1.scale.0")["value"] = 0 }, want: []string{"groups[2].factors[1].scale[0].value risk.invalid.step_value"}},
		{name: "missing required question", edit: func(m map[string]any) { setArr(m, "context", arr(m, "context")[:6]) }, want: []string{"context risk.invalid.context_required"}},
		{name: "required question made optional", edit: func(m map[string]any) { obj(m, "context.1")["required"] = false }, want: []string{"context risk.invalid.context_required"}},
		{name: "duplicate question", edit: func(m map[string]any) { obj(m, "context.2")["id"] = "gender" },
			want: []string{"context[2].id risk.invalid.duplicate_id", "context risk.invalid.context_required"}},
		{name: "unknown kind", edit: func(m map[string]any) { obj(m, "context.0")["kind"] = "number" }, want: []string{"context[0].kind risk.invalid.kind"}},
		{name: "two options", edit: func(m map[string]any) { setArr(m, "context.3.options", arr(m, "context.3.options")[:2]) }},
		{name: "options at the limit", edit: func(m map[string]any) { setArr(m, "context.3.options", options(maxOptions)) }},
		{name: "too many options", edit: func(m map[string]any) { setArr(m, "context.3.options", options(maxOptions+1)) },
			want: []string{"context[3].options risk.invalid.option_count"}},
		{name: "questions at the limit", edit: func(m map[string]any) { setArr(m, "context", append(arr(m, "context"), questions(maxContext-7)...)) }},
		{name: "too many questions", edit: func(m map[string]any) { setArr(m, "context", append(arr(m, "context"), questions(maxContext-6)...)) },
			want: []string{"context risk.invalid.context_count"}},
		{name: "one option", edit: func(m map[string]any) { setArr(m, "context.3.options", arr(m, "context.3.options")[:1]) }, want: []string{"context[3].options risk.invalid.option_count"}},
		{name: "options on text", edit: func(m map[string]any) { obj(m, "context.0")["options"] = arr(m, "context.3.options") }, want: []string{"context[0].options risk.invalid.options_on_text"}},
		{name: "duplicate option", edit: func(m map[string]any) { obj(m, "context.3.options.1")["id"] = "yes" }, want: []string{"context[3].options[1].id risk.invalid.duplicate_id"}},
		{name: "optional extra question", edit: func(m map[string]any) {
			setArr(m, "context", append(arr(m, "context"), map[string]any{"id": "languages", "kind": "text", "required": false, "label": map[string]any{"es-MX": "Lenguas", "en": "Languages"}}))
		}},
		{name: "one level", edit: func(m map[string]any) { setArr(m, "levels", arr(m, "levels")[:1]) }, want: []string{"levels risk.invalid.level_count"}},
		{name: "unknown level", edit: func(m map[string]any) { obj(m, "levels.1")["id"] = "alto" }, want: []string{"levels[1].id risk.invalid.level_id"}},
		{name: "levels swapped", edit: func(m map[string]any) {
			obj(m, "levels.0")["id"], obj(m, "levels.1")["id"] = "extraordinario", "ordinario"
		}, want: []string{"levels[1].id risk.invalid.level_order"}},
		{name: "four levels", edit: func(m map[string]any) {
			l := arr(m, "levels")
			setArr(m, "levels", append(l, l[1], l[1]))
		}, want: []string{"levels risk.invalid.level_count"}},
		{name: "first level with a threshold", edit: func(m map[string]any) { obj(m, "levels.0")["from"] = "0" }, want: []string{"levels[0].from risk.invalid.first_from"}},
		{name: "extremo available", edit: func(m map[string]any) {
			setArr(m, "levels", append(arr(m, "levels"), map[string]any{"id": "extremo", "from": "4.5", "label": map[string]any{"es-MX": "Extremo", "en": "Extreme"}}))
		}},
		{name: "extremo not above extraordinario", edit: func(m map[string]any) {
			setArr(m, "levels", append(arr(m, "levels"), map[string]any{"id": "extremo", "from": "2.00", "label": map[string]any{"es-MX": "Extremo", "en": "Extreme"}}))
		}, want: []string{"levels[2].from risk.invalid.threshold_order"}},
		{name: "extremo below extraordinario", edit: func(m map[string]any) {
			setArr(m, "levels", append(arr(m, "levels"), map[string]any{"id": "extremo", "from": "1.99", "label": map[string]any{"es-MX": "Extremo", "en": "Extreme"}}))
		}, want: []string{"levels[2].from risk.invalid.threshold_order"}},
		{name: "threshold 0", edit: func(m map[string]any) { obj(m, "levels.1")["from"] = "0" }, want: []string{"levels[1].from risk.invalid.threshold_order"}},
		{name: "threshold just above 0", edit: func(m map[string]any) { obj(m, "levels.1")["from"] = "0.01" }},
		{name: "threshold missing", edit: func(m map[string]any) { delete(obj(m, "levels.1"), "from") }, want: []string{"levels[1].from risk.invalid.threshold"}},
		{name: "threshold three places", edit: func(m map[string]any) { obj(m, "levels.1")["from"] = "2.125" }, want: []string{"levels[1].from risk.invalid.threshold"}},
	}
	for _, bad := range []string{"-1", "1e2", "abc", ".5", "5.", "1234567", "2,5", "+2", " 2"} {
		tests = append(tests, struct {
			name string
			edit func(m map[string]any)
			raw  []byte
			want []string
		}{name: "threshold " + bad, edit: func(m map[string]any) { obj(m, "levels.1")["from"] = bad }, want: []string{"levels[1].from risk.invalid.threshold"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.raw
			if data == nil {
				data = mutate(t, tt.edit)
			}
			inst, err := Parse(data)
			got := errs(t, err)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("errors %q, want %q", got, tt.want)
			}
			if err == nil && inst == nil {
				t.Fatal("no instrument and no error")
			}
			if err != nil && inst != nil {
				t.Fatal("an instrument with an error")
			}
		})
	}
}

func TestParseDecimal(t *testing.T) {
	for _, tt := range []struct {
		in       string
		num, den int64
		ok       bool
	}{
		{"2", 2, 1, true}, {"0", 0, 1, true}, {"4.5", 45, 10, true}, {"4.50", 450, 100, true},
		{"0.01", 1, 100, true}, {"999999.99", 99999999, 100, true}, {"123456", 123456, 1, true},
		{"", 0, 0, false}, {".", 0, 0, false}, {"1.", 0, 0, false}, {".1", 0, 0, false}, {"1.234", 0, 0, false},
		{"1234567", 0, 0, false}, {"1a", 0, 0, false}, {"1.a", 0, 0, false}, {"-0", 0, 0, false}, {"/", 0, 0, false}, {":", 0, 0, false},
	} {
		r, ok := parseDecimal(tt.in)
		if ok != tt.ok || ok && (r.num != tt.num || r.den != tt.den) {
			t.Errorf("parseDecimal(%q) = %v %v, want %d/%d %v", tt.in, r, ok, tt.num, tt.den, tt.ok)
		}
	}
}

func TestExactComparison(t *testing.T) {
	const big = int64(1) << 62
	for _, tt := range []struct {
		a, b, c, d int64
		less       bool
	}{
		{1, 2, 1, 3, true}, {1, 3, 1, 3, false}, {1, 3, 1, 2, false},
		{big, 4, big, 3, false}, {big, 3, big, 4, true}, // products beyond 2^63
		{big, 4, big - 1, 4, false}, {big - 1, 4, big, 4, true},
		{3, big, 2, big + 1, false},
		{0, 0, 0, 1, false},
	} {
		if got := mulLess(tt.a, tt.b, tt.c, tt.d); got != tt.less {
			t.Errorf("%d·%d < %d·%d = %v, want %v", tt.a, tt.b, tt.c, tt.d, got, tt.less)
		}
	}
	// The low word decides when the high words are equal.
	if !mulLess(1<<32, 1<<32+1, 1<<32, 1<<32+2) || mulLess(1<<32, 1<<32+2, 1<<32, 1<<32+1) {
		t.Error("low words compared wrongly")
	}
}

func TestTextIn(t *testing.T) {
	tx := Text{ES: "Amenazas", EN: "Threats"}
	if tx.In("en") != "Threats" || tx.In("es-MX") != "Amenazas" || tx.In("") != "Amenazas" {
		t.Error("Text.In")
	}
}

func TestLookups(t *testing.T) {
	inst := Default()
	f, g, ok := inst.Factor("legal_support")
	if !ok || g != Capacities || f.Weight != 1 {
		t.Errorf("Factor(legal_support) = %v %v %v", f.ID, g, ok)
	}
	if _, _, ok := inst.Factor("nope"); ok {
		t.Error("unknown factor found")
	}
	if l, ok := inst.Level(escudo.RiskExtraordinary); !ok || l.From != "2" {
		t.Error("Level(extraordinario)")
	}
	if _, ok := inst.Level(escudo.RiskExtreme); ok {
		t.Error("the default instrument does not use extremo")
	}
	if escudo.RiskExtreme.Rank() != 2 || escudo.RiskLevel("alto").Rank() != -1 || escudo.RiskOrdinary.Rank() != 0 {
		t.Error("Rank")
	}
}

func steps(n int) []any {
	var s []any
	for i := range n {
		s = append(s, map[string]any{"value": i, "meaning": map[string]any{"es-MX": "x", "en": "x"}})
	}
	return s
}

func options(n int) []any {
	var o []any
	for i := range n {
		o = append(o, map[string]any{"id": fmt.Sprintf("o%d", i), "label": map[string]any{"es-MX": "x", "en": "x"}})
	}
	return o
}

func questions(n int) []any {
	var q []any
	for i := range n {
		q = append(q, map[string]any{"id": fmt.Sprintf("q%d", i), "kind": "text", "required": false, "label": map[string]any{"es-MX": "x", "en": "x"}})
	}
	return q
}

func manyFactors(m map[string]any, n int) []any {
	first := obj(m, "groups.1.factors.0")
	var fs []any
	for i := range n {
		f := map[string]any{}
		for k, v := range first {
			f[k] = v
		}
		f["id"] = fmt.Sprintf("v%d", i)
		fs = append(fs, f)
	}
	return fs
}

package risk

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"escudo"
)

// context answers every required question of the default instrument.
func defaultContext() map[string]string {
	return map[string]string{
		"narrative": "Recibe amenazas por su trabajo en el albergue.", "gender": "woman", "ethnic_identity": "none",
		"disability": "no", "migration_status": "national", "sogi": "not_stated", "rurality": "urban",
	}
}

// workedExample is the example of docs/risk.md.
func workedExample() Answers {
	return Answers{Instrument: "escudo", Version: 1, Context: defaultContext(), Factors: map[string]int64{
		"threat_type": 2, "threat_source": 3, "threat_frequency": 2, "threat_recency": 3, "threat_reach": 2,
		"place": 2, "isolation": 1, "exposure": 3, "dependants": 2, "gender": 2, "ethnic_identity": 0,
		"health": 0, "digital_exposure": 1, "displacement": 0,
		"networks": 2, "accompaniment": 1, "legal_support": 2, "security_practices": 2,
	}}
}

// errs lists the field and key of each error of err, "field key".
func errs(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	v, ok := escudo.AsValidation(err)
	if !ok {
		t.Fatalf("not a validation error: %v", err)
	}
	var out []string
	for _, e := range v {
		out = append(out, e.Field+" "+e.Key)
	}
	return out
}

// mutate decodes the default instrument's JSON into generic values, lets
// edit change them, and encodes the result.
func mutate(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(DefaultJSON(), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// at walks a path like "groups.0.factors.1" through generic JSON values.
func at(m map[string]any, path string) any {
	var cur any = m
	for _, p := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			var i int
			fmt.Sscan(p, &i)
			cur = c[i]
		}
	}
	return cur
}

func obj(m map[string]any, path string) map[string]any { return at(m, path).(map[string]any) }

func arr(m map[string]any, path string) []any { return at(m, path).([]any) }

func setArr(m map[string]any, path string, v []any) {
	i := strings.LastIndex(path, ".")
	if i < 0 {
		m[path] = v
		return
	}
	obj(m, path[:i])[path[i+1:]] = v
}

// tiny builds an instrument with the given factors per group, each with
// the given step values (capacity values are shifted to start at 1 when
// they start at 0), and the levels.
func tiny(t *testing.T, steps [3][][]int64, levels ...Level) *Instrument {
	t.Helper()
	tx := Text{ES: "x", EN: "x"}
	inst := &Instrument{ID: "tiny", Version: 1, Title: tx, Description: tx, Levels: levels}
	for gi, g := range Groups {
		fg := FactorGroup{ID: g, Label: tx}
		for fi, vals := range steps[gi] {
			f := Factor{ID: fmt.Sprintf("%s_%d", g, fi), Label: tx, Evidence: tx, Weight: int64(fi + 1)}
			for _, v := range vals {
				f.Scale = append(f.Scale, Step{Value: v, Meaning: Text{ES: fmt.Sprintf("paso %d", v), EN: fmt.Sprintf("step %d", v)}})
			}
			fg.Factors = append(fg.Factors, f)
		}
		inst.Groups = append(inst.Groups, fg)
	}
	for _, id := range RequiredContext {
		inst.Context = append(inst.Context, ContextQuestion{ID: id, Kind: KindText, Required: true, Label: tx})
	}
	if err := inst.Validate(); err != nil {
		t.Fatalf("tiny instrument: %v", err)
	}
	return inst
}

func tinyContext() map[string]string {
	m := map[string]string{}
	for _, id := range RequiredContext {
		m[id] = "sí"
	}
	return m
}

func lv(id escudo.RiskLevel, from string) Level {
	return Level{ID: id, From: from, Label: Text{ES: string(id), EN: string(id)}}
}

package regions

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"escudo"
)

func TestBanxicoCoversEveryEntityOnce(t *testing.T) {
	m := Default()
	if len(m.ByEntity) != len(escudo.FederalEntities)+1 {
		t.Fatalf("%d entities mapped", len(m.ByEntity))
	}
	want := map[string]string{"OAX": "sur", "CDMX": "centro", "NL": "norte", "JAL": "centro_norte", "BCS": "centro_norte", Unknown: Unknown}
	for e, r := range want {
		if m.ByEntity[e] != r {
			t.Errorf("%s in %q, want %q", e, m.ByEntity[e], r)
		}
	}
	if strings.Join(m.Order, ",") != "norte,centro_norte,centro,sur,ND" {
		t.Fatalf("order %v", m.Order)
	}
	if !m.IsRegion("sur") || m.IsRegion(Unknown) || m.IsRegion("OAX") {
		t.Fatal("IsRegion")
	}
}

// all but the entities named, in one region "resto".
func rest(except ...string) []string {
	var out []string
	for _, e := range escudo.FederalEntities {
		skip := false
		for _, x := range except {
			skip = skip || x == e.Code
		}
		if !skip {
			out = append(out, e.Code)
		}
	}
	return out
}

func TestParse(t *testing.T) {
	good, _ := json.Marshal([]Region{{Code: "noroeste", Name: "Noroeste", Entities: []string{"BC", "BCS", "SON", "SIN"}}, {Code: "resto", Entities: rest("BC", "BCS", "SON", "SIN")}})
	dir := t.TempDir()
	file := filepath.Join(dir, "regiones.json")
	if err := os.WriteFile(file, good, 0o600); err != nil {
		t.Fatal(err)
	}
	path, _ := json.Marshal(file)
	missing, _ := json.Marshal([]Region{{Code: "a", Entities: []string{"BC"}}, {Code: "b", Entities: rest("BC", "ZAC")}})
	twice, _ := json.Marshal([]Region{{Code: "a", Entities: []string{"BC", "OAX"}}, {Code: "b", Entities: rest("BC")}})
	unknown, _ := json.Marshal([]Region{{Code: "a", Entities: []string{"XX"}}, {Code: "b", Entities: rest()}})
	dup, _ := json.Marshal([]Region{{Code: "a", Entities: []string{"BC"}}, {Code: "a", Entities: rest("BC")}})
	empty, _ := json.Marshal([]Region{{Code: "a", Entities: nil}, {Code: "b", Entities: rest()}})
	badCode, _ := json.Marshal([]Region{{Code: "Norte Grande", Entities: []string{"BC"}}, {Code: "b", Entities: rest("BC")}})
	nd, _ := json.Marshal([]Region{{Code: "nd", Entities: []string{"BC"}}, {Code: "b", Entities: rest("BC")}})
	one, _ := json.Marshal([]Region{{Code: "pais", Entities: rest()}})
	for _, tc := range []struct {
		name, raw, err string
		regions        int
	}{
		{"absent", "", "", 5},
		{"null", "null", "", 5},
		{"inline", string(good), "", 3},
		{"file", string(path), "", 3},
		{"file beside the configuration", `"regiones.json"`, "", 3},
		{"no file", `"` + filepath.Join(dir, "none.json") + `"`, "no such file", 0},
		{"missing entity", string(missing), "in no region: ZAC", 0},
		{"entity twice", string(twice), "OAX in both", 0},
		{"unknown entity", string(unknown), `unknown federal entity "XX"`, 0},
		{"region twice", string(dup), `region "a" twice`, 0},
		{"empty region", string(empty), "has no entity", 0},
		{"bad code", string(badCode), "region code", 0},
		{"unknown's code", string(nd), "region code", 0},
		{"one region", string(one), "at least two", 0},
		{"unknown field", `[{"code":"a","entities":["BC"],"label":"x"}]`, "unknown field", 0},
		{"not a list", `{"a":["BC"]}`, "cannot unmarshal", 0},
		{"trailing", string(good) + " []", "trailing", 0},
	} {
		m, err := Parse(json.RawMessage(tc.raw), func(name string) ([]byte, error) {
			if !filepath.IsAbs(name) {
				name = filepath.Join(dir, name)
			}
			return os.ReadFile(name)
		})
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.err)
		case tc.err == "" && len(m.Order) != tc.regions:
			t.Errorf("%s: %d regions %v", tc.name, len(m.Order), m.Order)
		case tc.name == "inline" && m.Names["noroeste"] != "Noroeste":
			t.Errorf("inline: names %v", m.Names)
		}
	}
}

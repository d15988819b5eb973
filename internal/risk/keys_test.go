package risk

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Every translation key this package writes exists in both catalogues of
// internal/i18n, so no person reads a raw key.
func TestKeysAreTranslated(t *testing.T) {
	catalogue := func(tag string) map[string]any {
		data, err := os.ReadFile(filepath.Join("..", "i18n", "locales", tag+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	es, en := catalogue("es-MX"), catalogue("en")
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"(risk\.[a-z_]+\.[a-z_]+)"`)
	n := 0
	for _, f := range files {
		if filepath.Ext(f) != ".go" || len(f) > 8 && f[len(f)-8:] == "_test.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			n++
			if es[m[1]] == nil || en[m[1]] == nil {
				t.Errorf("%s: %s is missing from a catalogue", f, m[1])
			}
		}
	}
	if n < 40 {
		t.Fatalf("found only %d keys; is the pattern still right?", n)
	}
	for _, l := range []string{"ordinario", "extraordinario", "extremo"} {
		if es["risk.level."+l] == nil || en["risk.level."+l] == nil {
			t.Errorf("risk.level.%s missing", l)
		}
	}
}

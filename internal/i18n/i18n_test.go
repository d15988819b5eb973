package i18n

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"escudo"
)

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	es, err := Keys("es-MX")
	if err != nil {
		t.Fatal(err)
	}
	en, err := Keys("en")
	if err != nil {
		t.Fatal(err)
	}
	inEN := map[string]bool{}
	for _, k := range en {
		inEN[k] = true
	}
	inES := map[string]bool{}
	for _, k := range es {
		inES[k] = true
		if !inEN[k] {
			t.Errorf("%q is in es-MX but not in en", k)
		}
	}
	for _, k := range en {
		if !inES[k] {
			t.Errorf("%q is in en but not in es-MX", k)
		}
	}
}

// moduleRoot is two folders up from this package.
func moduleRoot(t *testing.T) string {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s", root)
	}
	return root
}

func mustHave(t *testing.T, b *Bundle, key, where string) {
	t.Helper()
	for _, l := range Languages {
		if !b.Localizer(l.Tag).Has(key) {
			t.Errorf("%s: key %q missing in %s", where, key, l.Tag)
		}
	}
}

// Every {{.T "key"}} in any template must exist in both languages.
func TestTemplateKeysExist(t *testing.T) {
	b := MustNew()
	dir := filepath.Join(moduleRoot(t), "internal", "web", "templates")
	re := regexp.MustCompile(`\.T\s+"([A-Za-z0-9_.]+)"`)
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			mustHave(t, b, m[1], filepath.Base(p))
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("found only %d template keys; is the pattern still right?", n)
	}
}

// Every validation and error key written in Go code must be translated.
func TestGoErrorKeysExist(t *testing.T) {
	b := MustNew()
	root := moduleRoot(t)
	re := regexp.MustCompile(`"((?:validation|error)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)"`)
	seen := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", "e2e":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			if _, ok := seen[m[1]]; !ok {
				rel, _ := filepath.Rel(root, p)
				seen[m[1]] = rel
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mustHave(t, b, k, seen[k])
	}
	for _, k := range []string{"validation.required", "validation.too_long", "error.not_found", "error.login_failed"} {
		if _, ok := seen[k]; !ok {
			t.Errorf("scan did not find %q in the Go code; is the pattern still right?", k)
		}
	}
}

// Keys built from domain values in templates ("stage." + stage) exist for
// every value the domain defines.
func TestDomainValueKeysExist(t *testing.T) {
	b := MustNew()
	var keys []string
	for _, s := range escudo.Stages {
		keys = append(keys, "stage."+string(s), "status.explain."+string(s))
	}
	for _, m := range escudo.Milestones {
		keys = append(keys, "milestone."+string(m))
	}
	for _, r := range escudo.Roles {
		keys = append(keys, "role."+string(r))
	}
	for _, c := range escudo.IntakeChannels {
		keys = append(keys, "channel."+string(c))
	}
	for _, r := range escudo.DefaultClockRules() {
		keys = append(keys, "clock."+r.Name)
	}
	for _, s := range []escudo.ClockStatus{escudo.ClockRunning, escudo.ClockDueSoon, escudo.ClockBreached, escudo.ClockMet, escudo.ClockLate} {
		keys = append(keys, "clockstatus."+string(s))
	}
	for _, a := range []escudo.Admission{escudo.AdmissionPending, escudo.AdmissionAdmitted, escudo.AdmissionNotAdmitted, escudo.AdmissionInfoRequested} {
		keys = append(keys, "admission."+string(a))
	}
	for _, k := range []string{escudo.EventReceived, escudo.EventAdmission, escudo.EventAssigned, escudo.EventReassigned,
		escudo.EventMilestone, escudo.EventNote, escudo.EventClockBreach, escudo.EventEscalation, escudo.EventStatusViewed} {
		keys = append(keys, "event."+k)
	}
	for _, c := range []escudo.ContactChannel{escudo.ContactPhone, escudo.ContactSMS, escudo.ContactEmail, escudo.ContactSignal, escudo.ContactVisit} {
		keys = append(keys, "contact."+string(c))
	}
	for _, l := range escudo.AgencyLevels {
		keys = append(keys, "agencies.level."+string(l))
	}
	for _, p := range []escudo.Profile{escudo.ProfileDefender, escudo.ProfileJournalist, escudo.ProfileBoth} {
		keys = append(keys, "profile."+string(p))
	}
	keys = append(keys, "kind."+string(escudo.KindIndividual), "kind."+string(escudo.KindCollective),
		"procedure."+string(escudo.ProcedureOrdinary), "procedure."+string(escudo.ProcedureExtraordinary))
	for _, k := range keys {
		mustHave(t, b, k, "domain")
	}
}

func TestLanguageChoice(t *testing.T) {
	b := MustNew()
	tests := []struct {
		name, cookie, accept, want string
	}{
		{"default is Mexican Spanish", "", "", "es-MX"},
		{"English browser", "", "en-US,en;q=0.9", "en"},
		{"Spanish from Spain still gets es-MX", "", "es-ES,es;q=0.9", "es-MX"},
		{"unknown language falls back", "", "de-DE", "es-MX"},
		{"cookie beats browser", "es-MX", "en-US", "es-MX"},
		{"cookie for English", "en", "es-MX", "en"},
		{"forged cookie ignored", "xx-evil", "en", "en"},
		{"garbage header", "", ";;;q=abc,", "es-MX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.accept != "" {
				r.Header.Set("Accept-Language", tt.accept)
			}
			if tt.cookie != "" {
				r.Header.Set("Cookie", CookieName+"="+tt.cookie)
			}
			if got := b.ForRequest(r).Lang; got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestErrorMessagesNameTheField(t *testing.T) {
	b := MustNew()
	err := escudo.FieldError("narrative", "validation.too_long", map[string]any{"Max": 20000})
	es := b.Localizer("es-MX").Error(err)
	if es != "Qué pasó: Es demasiado largo: máximo 20000 caracteres." {
		t.Fatalf("es-MX: %q", es)
	}
	en := b.Localizer("en").Error(err)
	if en != "What happened: Too long: at most 20000 characters." {
		t.Fatalf("en: %q", en)
	}
	// Anything that is not an escudo error is shown as the generic message.
	if got := b.Localizer("en").Error(errors.New("pq: relation cases does not exist")); strings.Contains(got, "pq") || got != b.Localizer("en").T("error.internal") {
		t.Fatalf("internal detail leaked: %q", got)
	}
	fe := b.Localizer("es-MX").FieldErrors(escudo.ValidationErrors{
		escudo.FieldError("name", "validation.required", nil),
		escudo.FieldError("name", "validation.required", nil),
		escudo.FieldError("email", "validation.email", nil),
	})
	if len(fe["name"]) != 1 || len(fe["email"]) != 1 {
		t.Fatalf("field errors: %v", fe)
	}
}

func TestPlaceholdersAgree(t *testing.T) {
	// A message that fills {{.Max}} in one language must fill it in the
	// other, or a translated message would show "<no value>" or drop a number.
	re := regexp.MustCompile(`\{\{\s*\.([A-Za-z]+)\s*\}\}`)
	raw := func(tag string) map[string]string {
		data, err := localeFS.ReadFile("locales/" + tag + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for k, v := range m {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
		return out
	}
	esRaw, enRaw := raw("es-MX"), raw("en")
	for k, v := range esRaw {
		pe, pn := placeholders(re, v), placeholders(re, enRaw[k])
		if pe != pn {
			t.Errorf("%s: placeholders differ: es-MX %q, en %q", k, pe, pn)
		}
	}
}

func placeholders(re *regexp.Regexp, s string) string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestPlurals(t *testing.T) {
	b := MustNew()
	for _, tt := range []struct {
		lang string
		n    int
		want string
	}{
		{"es-MX", 1, "1 caso"}, {"es-MX", 0, "0 casos"}, {"es-MX", 7, "7 casos"},
		{"en", 1, "1 case"}, {"en", 2, "2 cases"},
	} {
		if got := b.Localizer(tt.lang).T("cases.count", map[string]any{"Count": tt.n}); got != tt.want {
			t.Errorf("%s %d: %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
}

// Every field the domain's validation names (and the case store methods
// behind the staff forms) has a label, so a message can name the field in
// the person's language.
func TestValidatedFieldsHaveLabels(t *testing.T) {
	b := MustNew()
	root := moduleRoot(t)
	re := regexp.MustCompile(`(?:\.Add|FieldError)\(\s*"([a-z_]+(?:\.[a-z_]+)*)"`)
	files, err := filepath.Glob(filepath.Join(root, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cases.go", "users.go", "people.go"} {
		files = append(files, filepath.Join(root, "internal", "store", f))
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			mustHave(t, b, "field."+m[1], filepath.Base(f))
			n++
		}
	}
	if n < 20 {
		t.Fatalf("found only %d validated fields; is the pattern still right?", n)
	}
}

package http

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/demo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// infoPaths are the public information pages.
var infoPaths = []string{"/informacion", "/informacion/quien-puede-pedir", "/informacion/como-pedir", "/informacion/medidas",
	"/informacion/casas-de-refugio", "/informacion/derechos", "/informacion/verificar-carta"}

// infoContact is an installation's configured contact.
var infoContact = escudo.PublicContact{Hotline: "800 111 2222", Email: "atencion@mecanismo.example",
	Offices: []escudo.Office{{Name: "Enlace regional (prueba)", Address: "Avenida Ejemplo 20, Tuxtla Gutiérrez", Hours: "lunes a viernes, 10 a 17 h"}}}

// maxPageBytes is the weight budget of a page with its style sheet.
const maxPageBytes = 60 << 10

var styleHref = regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)"`)

// TestInformationPages: every information page answers anyone, without
// an account, in Spanish and in English, says what it is about, shows the
// configured hotline, e-mail and offices where it tells how to reach the
// Mechanism, keeps the accessibility rules and weighs at most 60 KB with
// its style sheet.
func TestInformationPages(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{Contact: infoContact})
		pages := []struct {
			path   string
			es, en []string
		}{
			{"/informacion", []string{"Ley para la Protección de Personas Defensoras", "Junta de Gobierno", "Procedimiento extraordinario", "Procedimiento ordinario", "Consejo Consultivo", "Qué pasa después de pedir protección", `href="/informacion/casas-de-refugio"`},
				[]string{"Law for the Protection of Human Rights Defenders", "Governing Board", "Extraordinary procedure", "Ordinary procedure"}},
			{"/informacion/quien-puede-pedir", []string{"Periodistas", "Colectivos", "familiares", "No necesitas pertenecer a una organización", `href="/solicitar"`},
				[]string{"Journalists", "Collectives", "relatives", "You do not need to belong to an organisation"}},
			{"/informacion/como-pedir", []string{`href="/solicitar"`, `href="tel:8001112222"`, `href="mailto:atencion@mecanismo.example"`, "Avenida Ejemplo 20, Tuxtla Gutiérrez", "lunes a viernes, 10 a 17 h", "Qué tener a la mano", "Corro peligro inminente", "911", `href="/seguimiento"`},
				[]string{`href="tel:8001112222"`, "Avenida Ejemplo 20, Tuxtla Gutiérrez", "What to have ready", "I am in imminent danger"}},
			{"/informacion/medidas", []string{"Medidas urgentes de protección", "Atención psicosocial", "confirmas en tu portal", "lo dices en tu portal"},
				[]string{"Urgent protection measures", "Psychosocial support", "you confirm in your portal"}},
			{"/informacion/casas-de-refugio", []string{"nunca publica", "Quién la pide y quién decide", "Qué llevar", `href="tel:8001112222"`, `href="/solicitar"`},
				[]string{"never publishes", "Who asks and who decides", "What to bring", `href="tel:8001112222"`}},
			{"/informacion/derechos", []string{"que te escuche", "inconformidad", "Consejo Consultivo", `href="/seguimiento"`, "30 días"},
				[]string{"hear you", "appeal", `href="/seguimiento"`, "30 days"}},
			{"/informacion/verificar-carta", []string{`href="/verificar"`, "código cuadrado", "Carta auténtica y vigente", "Carta alterada"},
				[]string{`href="/verificar"`, "square code", "Genuine letter, in force"}},
		}
		css := ""
		for _, pg := range pages {
			for _, lang := range []string{"es-MX", "en"} {
				name := lang + " " + pg.path
				r := site.get(pg.path, "Accept-Language", lang)
				if r.Status != http.StatusOK {
					t.Fatalf("%s: %d without an account\n%.500s", name, r.Status, r.Body)
				}
				if !strings.Contains(r.Body, `<html lang="`+lang+`"`) {
					t.Errorf("%s: not in %s", name, lang)
				}
				want := pg.es
				if lang == "en" {
					want = pg.en
				}
				for _, w := range want {
					if !strings.Contains(r.Body, w) {
						t.Errorf("%s: missing %q", name, w)
					}
				}
				if strings.Contains(r.Body, "<script") {
					t.Errorf("%s: carries a script", name)
				}
				if !strings.Contains(r.Body, `id="quick-exit"`) {
					t.Errorf("%s: no quick exit", name)
				}
				checkAccessible(t, name, r.Body)
				if css == "" {
					m := styleHref.FindStringSubmatch(r.Body)
					if m == nil {
						t.Fatalf("%s: no style sheet", name)
					}
					css = site.get(html.UnescapeString(m[1])).Body
				}
				if n := len(r.Body) + len(css); n > maxPageBytes {
					t.Errorf("%s: %d bytes with its style sheet, budget %d", name, n, maxPageBytes)
				}
				t.Logf("%s: %d bytes, %d with the style sheet", name, len(r.Body), len(r.Body)+len(css))
			}
		}
		// Every page is reached from the home page and from every page's footer.
		for _, from := range []string{"/", "/informacion/medidas", "/solicitar"} {
			body := site.get(from).Body
			for _, p := range infoPaths {
				if !strings.Contains(body, `href="`+p+`"`) {
					t.Errorf("%s does not link to %s", from, p)
				}
			}
		}
	})
}

// TestMeasuresPageShowsTheCatalogue: every measure in force of the
// configured catalogue is explained, in the reader's language.
func TestMeasuresPageShowsTheCatalogue(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	site := newWebSite(t, db, Options{})
	es, en := site.get("/informacion/medidas").Body, site.get("/informacion/medidas", "Accept-Language", "en").Body
	n := 0
	for _, m := range db.Measures().Measures {
		if m.Retired {
			continue
		}
		n++
		for _, c := range []struct{ body, label, desc string }{{es, m.Label.ES, m.Description.ES}, {en, m.Label.EN, m.Description.EN}} {
			if !strings.Contains(c.body, html.EscapeString(c.label)) || !strings.Contains(c.body, html.EscapeString(c.desc)) {
				t.Errorf("measure %q not explained: %q", m.ID, c.label)
			}
		}
		if strings.Contains(es, ">"+m.ID+"<") {
			t.Errorf("measure identifier %q shown", m.ID)
		}
	}
	if n == 0 {
		t.Fatal("the catalogue has no measure in force")
	}
}

// TestInformationDeadlinesComeFromConfiguration: the legal times the
// pages state are the configured clocks and appeal window, not numbers
// written into the text.
func TestInformationDeadlinesComeFromConfiguration(t *testing.T) {
	rules := escudo.DefaultClockRules()
	for i := range rules {
		switch rules[i].Stop {
		case escudo.MilestoneUrgentIssued:
			rules[i].Limit = escudo.Duration(4 * time.Hour)
		case escudo.MilestoneEvaluated:
			rules[i].Limit = escudo.Duration(12 * 24 * time.Hour)
		case escudo.MilestoneAppealRuled:
			rules[i].Limit = escudo.Duration(20 * 24 * time.Hour)
		}
	}
	db := testdb.OpenSQLite(t, testdb.Options{Rules: rules, AppealWindow: 45 * 24 * time.Hour})
	site := newWebSite(t, db, Options{})
	about := site.get("/informacion").Body
	if home := site.get("/").Body; !strings.Contains(home, "en un máximo de 4 horas desde que pides protección") ||
		!strings.Contains(home, "tienes 45 días para presentar una inconformidad") || strings.Contains(home, "30 días para") {
		t.Error("the home page does not state the configured deadlines")
	}
	for _, w := range []string{"<b>Medidas urgentes de protección decididas:</b> en un máximo de 4 horas desde que pides protección.",
		"<b>Evaluación de tu riesgo, hecha contigo:</b> en un máximo de 12 días desde que pides protección.",
		"<b>Medidas urgentes en marcha:</b> en un máximo de 9 horas desde que pides protección."} {
		if !strings.Contains(about, w) {
			t.Errorf("/informacion lacks %q", w)
		}
	}
	if strings.Contains(about, "en un máximo de 3 horas") || strings.Contains(about, "en un máximo de 10 días") {
		t.Error("/informacion states the default deadlines, not the configured ones")
	}
	if en := site.get("/informacion", "Accept-Language", "en").Body; !strings.Contains(en, "within 4 hours of your request") {
		t.Error("the English page lacks the configured deadline")
	}
	rights := site.get("/informacion/derechos").Body
	if !strings.Contains(rights, "tienes 45 días para presentar una inconformidad") || strings.Contains(rights, "30 días") {
		t.Error("/informacion/derechos does not state the configured appeal window")
	}
	if !strings.Contains(rights, "en un máximo de 20 días desde que presentas tu inconformidad") {
		t.Error("/informacion/derechos does not state the configured time to rule on an appeal")
	}
}

// TestSafeHousePageNamesNoHouse: over the demo's data, no information
// page (nor the home page) shows any safe house's name, address, phone or
// coordinates, and the safe-house page names no place any house is in.
func TestSafeHousePageNamesNoHouse(t *testing.T) {
	ctx := context.Background()
	clock := &demo.Clock{}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock.Set(now)
	db := testdb.OpenSQLite(t, testdb.Options{Now: clock.Now})
	res, err := demo.Seed(ctx, db, clock, demo.Options{Seed: 7, Cases: 60, Now: now, Password: demoPassword})
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(now)
	houses, err := db.SafeHouses(escudo.NewContextWithUser(ctx, res.Users[demo.SafeHouseUsername]))
	if err != nil || len(houses) == 0 {
		t.Fatalf("the demo's safe houses: %d %v", len(houses), err)
	}
	var secrets, places []string
	for _, h := range houses {
		secrets = append(secrets, h.Name, h.Address, h.Phone, h.Coordinates)
		for _, part := range strings.Split(h.Address, ",") {
			if part = strings.TrimSpace(part); len(part) > 3 {
				places = append(places, part)
			}
		}
		for _, e := range escudo.FederalEntities {
			if strings.Contains(h.Address, e.Name) {
				places = append(places, e.Name)
			}
		}
	}
	site := newWebSite(t, db, Options{Contact: infoContact})
	for _, lang := range []string{"es-MX", "en"} {
		for _, p := range append([]string{"/"}, infoPaths...) {
			body := html.UnescapeString(site.get(p, "Accept-Language", lang).Body)
			for _, s := range secrets {
				if s != "" && strings.Contains(body, s) {
					t.Errorf("%s %s shows a safe house's %q", lang, p, s)
				}
			}
			if p != "/informacion/casas-de-refugio" {
				continue
			}
			for _, s := range places {
				if strings.Contains(body, s) {
					t.Errorf("%s %s names %q, where a safe house is", lang, p, s)
				}
			}
		}
	}
}

package http

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"escudo"
	"escudo/internal/directory"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestDirectoryPages: with the reference directory seeded, the
// administrator records Oaxaca's agreement (a refusal keeps what was
// typed) and a prosecutor's contact details; reception reads the
// directory by kind and entity, searches it without accents, opens
// Oaxaca's page with its prosecutor, liaison and agreement history, and
// never reads a code; roles outside the table are refused.
func TestDirectoryPages(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newWebFixture(t, db, Options{})
		if _, err := db.SeedDirectory(ctx, directory.Reference()); err != nil {
			t.Fatal(err)
		}
		list, err := db.AgencyList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			if a.Code == "fiscalia-oax" {
				f.vars["{fge}"] = fmt.Sprint(a.ID)
			}
		}
		for _, u := range []struct {
			name string
			role escudo.Role
		}{{"ada", escudo.RoleAdmin}, {"enlace", escudo.RoleLiaison}} {
			webUser(t, db, u.name, u.role)
			f.clients[u.name] = newWebClient()
			f.site.c = f.clients[u.name]
			f.site.login(u.name, webPassword)
		}
		enlace, err := db.FindUserByUsername(ctx, "enlace")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetUserAgency(ctx, enlace.ID, "fiscalia-oax"); err != nil {
			t.Fatal(err)
		}
		f.run(t, []webScenario{
			{name: "an agreement in force without its signing date is refused", as: "ada", method: "POST", path: "/admin/agencies/agreements",
				form: url.Values{"federal_entity": {"OAX"}, "status": {"in_force"}, "document": {"POE 12/03/2019"}}, status: 400,
				want: []string{"necesita su fecha de firma", `value="POE 12/03/2019"`, `<option value="OAX" selected>`, `href="#agreement.signed_on"`}},
			{name: "an agreement is recorded", as: "ada", method: "POST", path: "/admin/agencies/agreements",
				form: url.Values{"federal_entity": {"OAX"}, "status": {"negotiation"}, "notes": {"Primera mesa de trabajo"}}, status: 303},
			{name: "and changed", as: "ada", method: "POST", path: "/admin/agencies/agreements",
				form: url.Values{"federal_entity": {"OAX"}, "status": {"in_force"}, "signed_on": {"2024-03-12"}, "valid_until": {"2099-03-12"}, "document": {"POE 12/03/2024"}}, status: 303},
			{name: "the prosecutor's contact", as: "ada", method: "POST", path: "/admin/agencies/edit",
				form: url.Values{"agency": {"{fge}"}, "name": {"Fiscalía General del Estado de Oaxaca"}, "level": {"state"}, "federal_entity": {"OAX"}, "kind": {"prosecutor"},
					"email": {"oficialia@fiscalia-oax.example.org"}, "phone": {"55-0000-0101"}, "contact_person": {"Lic. Ana Ruiz"}}, status: 303},
			{name: "a bad contact is refused", as: "ada", method: "POST", path: "/admin/agencies/edit",
				form: url.Values{"agency": {"{fge}"}, "name": {"Fiscalía General del Estado de Oaxaca"}, "level": {"state"}, "federal_entity": {"OAX"}, "kind": {"prosecutor"},
					"email": {"oficialia"}}, status: 400, want: []string{`id="edit.email"`, `value="oficialia"`, `aria-invalid="true"`}},
			{name: "the directory", as: "rosa", method: "GET", path: "/directory", status: 200,
				want: []string{`href="/directory" aria-current="page"`, "Fiscalías", "Fiscalía Especial para la Atención de Delitos cometidos contra la Libertad de Expresión",
					"Comisión Interamericana de Derechos Humanos", `href="/directory/entities/OAX"`, `<span class="badge ok">Vigente</span>`, "Sin registro",
					`href="mailto:oficialia@fiscalia-oax.example.org"`, `href="tel:5500000101"`, "Lic. Ana Ruiz", "Enlace Pérez"},
				forbid: []string{">OAX<", "fiscalia-oax<", "prosecutor<", "in_force"}},
			{name: "search without accents", as: "rosa", method: "GET", path: "/directory?q=michoacan", status: 200,
				want: []string{"Fiscalía General del Estado de Michoacán de Ocampo", `href="/directory/entities/MIC"`}, forbid: []string{"Fiscalía General del Estado de Oaxaca"}},
			{name: "an unknown parameter", as: "rosa", method: "GET", path: "/directory?estado=OAX", status: 400},
			{name: "Oaxaca's page", as: "dora", method: "GET", path: "/directory/entities/OAX", status: 200,
				want: []string{"<h1 id=\"entity-heading\">Oaxaca</h1>", "Gobierno del Estado de Oaxaca", "Fiscalía General del Estado de Oaxaca",
					"Defensoría de los Derechos Humanos del Pueblo de Oaxaca", "POE 12/03/2024", "Primera mesa de trabajo", "En negociación", "(actual)",
					"Enlace Pérez <small>(Fiscalía General del Estado de Oaxaca)</small>"}},
			{name: "an unknown entity", as: "dora", method: "GET", path: "/directory/entities/XX", status: 404},
			{name: "the analyst is refused", as: "beto", method: "GET", path: "/directory", status: 403},
			{name: "and sees no link", as: "beto", method: "GET", path: "/cases", status: 200, forbid: []string{`href="/directory"`}},
			{name: "a liaison is refused", as: "enlace", method: "GET", path: "/directory/entities/OAX", status: 403},
			{name: "the beneficiary is refused", as: "bene", method: "GET", path: "/directory", status: 403},
		})
		hist, err := db.EntityAgreements(ctx, "OAX")
		if err != nil || len(hist) != 2 || !hist[0].Current || hist[0].Status != directory.AgreementInForce {
			t.Fatalf("history %+v %v", hist, err)
		}
		f.site.c = f.clients["rosa"]
		for _, lang := range []string{"es-MX", "en"} {
			checkAccessible(t, lang+" directory", f.site.get("/directory", "Accept-Language", lang).Body)
			checkAccessible(t, lang+" entity", f.site.get("/directory/entities/OAX", "Accept-Language", lang).Body)
		}
	})
}

// TestProtectionComparison: an IACHR precautionary measure with an escort
// and a level the Mechanism has not set beside the Mechanism's premises
// protection, named plainly; the form records catalogue measures; who
// cannot read the case's risk is refused.
func TestProtectionComparison(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newWebFixture(t, db, Options{})
		if _, err := db.SeedDirectory(ctx, directory.Federal); err != nil {
			t.Fatal(err)
		}
		list, err := db.Agencies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var gn int64
		for _, a := range list {
			if a.Code == "gn" {
				gn = a.ID
			}
		}
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, ImminentDanger: true, Narrative: "Hombres armados frente a la radio."},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Marcela Ortiz Luna", Entity: "OAX"})
		if err != nil {
			t.Fatal(err)
		}
		caseID := rc.CaseID
		f.vars["{c}"] = fmt.Sprint(caseID)
		if err := db.WithTx(ctx, true, func(tx *store.Tx) error {
			_, err := tx.GrantMeasure(ctx, 0, escudo.MeasureGrant{CaseID: caseID, Measure: "building_protection", AgencyID: gn, Source: escudo.SourceUrgent,
				Reason: "Vigilancia.", Details: map[string]string{"premises": "Domicilio"}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		webUser(t, db, "enlace", escudo.RoleLiaison)
		f.clients["enlace"] = newWebClient()
		f.site.c = f.clients["enlace"]
		f.site.login("enlace", webPassword)
		decided := time.Now().AddDate(0, -2, 0).Format("2006-01-02")
		f.run(t, []webScenario{
			{name: "an unknown catalogue measure is refused", as: "beto", method: "POST", path: "/cases/{c}/assessments",
				form:   url.Values{"body": {"iachr"}, "number": {"MC-77-26"}, "level": {"extraordinario"}, "decided_at": {decided}, "catalogue_measures": {"escort", "teleport"}},
				status: 400, want: []string{"Elige las medidas de la lista del catálogo.", `value="escort" checked`}},
			{name: "the IACHR's measure with its catalogue measures", as: "beto", method: "POST", path: "/cases/{c}/assessments",
				form: url.Values{"body": {"iachr"}, "number": {"MC-77-26"}, "level": {"extraordinario"}, "decided_at": {decided}, "catalogue_measures": {"escort", "building_protection"},
					"measures": {"Concertar las medidas con la beneficiaria."}}, status: 303},
			{name: "the comparison", as: "rosa", method: "GET", path: "/cases/{c}/protection", status: 200,
				want: []string{"Medida cautelar MC-77-26", "Nivel distinto: la CIDH (medida cautelar MC-77-26) considera el riesgo Extraordinario; el Mecanismo aún no tiene evaluación enviada.",
					"Medida otorgada por la CIDH (medida cautelar MC-77-26) y no por el Mecanismo: Escolta de cuerpos especializados.",
					"Protección de inmuebles <small>(Guardia Nacional)</small>", "Concertar las medidas con la beneficiaria."},
				forbid: []string{"Medida otorgada por el Mecanismo y no por", "extraordinario<", "escort"}},
			{name: "the case page links to it", as: "rosa", method: "GET", path: "/cases/{c}", status: 200, want: []string{`href="/cases/{c}/protection"`}},
			{name: "a liaison is refused", as: "enlace", method: "GET", path: "/cases/{c}/protection", status: 403},
			{name: "the beneficiary is refused", as: "bene", method: "GET", path: "/cases/{c}/protection", status: 403},
		})
		f.site.c = f.clients["rosa"]
		checkAccessible(t, "comparison", f.site.get(f.expand("/cases/{c}/protection")).Body)
	})
}

package http

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestAgenciesPage: the administrator lists the implementing agencies
// (level, entity and police flag in words, liaisons, open measures, never
// a code), adds one (a bad one and a repeated code come back with what was
// typed, nothing written), edits one, and names the agency a liaison acts
// for: the liaison, already signed in, sees that agency's measures on
// their next page. A role without agency.manage is refused and sees no
// link to the page.
func TestAgenciesPage(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newWebFixture(t, db, Options{})
		police, err := db.AddAgency(ctx, escudo.Agency{Code: "ssp-gro", Name: "Secretaría de Seguridad Pública de Guerrero", Level: escudo.AgencyState, Entity: "GRO", Police: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddAgency(ctx, escudo.Agency{Code: "proteccion-sa", Name: "Protección Integral, S.A.", Level: escudo.AgencyContractor}); err != nil {
			t.Fatal(err)
		}
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, ImminentDanger: true, Narrative: "Hombres armados frente a la radio."},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Marcela Ortiz Luna", Entity: "GRO"})
		if err != nil {
			t.Fatal(err)
		}
		var measure int64
		if err := db.WithTx(ctx, true, func(tx *store.Tx) error {
			measure, err = tx.GrantMeasure(ctx, 0, escudo.MeasureGrant{CaseID: rc.CaseID, Measure: "escort", AgencyID: police, Source: escudo.SourceUrgent,
				Reason: "Hombres armados.", Details: map[string]string{"officers": "2"}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []struct {
			name string
			role escudo.Role
		}{{"ada", escudo.RoleAdmin}, {"coco", escudo.RoleCoordinator}, {"enlace", escudo.RoleLiaison}} {
			user := webUser(t, db, u.name, u.role)
			f.vars["{"+u.name+"}"] = fmt.Sprint(user.ID)
			f.clients[u.name] = newWebClient()
			f.site.c = f.clients[u.name]
			f.site.login(u.name, webPassword)
		}
		beto, err := db.FindUserByUsername(ctx, "beto")
		if err != nil {
			t.Fatal(err)
		}
		f.vars["{beto}"] = fmt.Sprint(beto.ID)
		f.vars["{police}"] = fmt.Sprint(police)
		f.vars["{m}"] = fmt.Sprint(measure)
		agencies := func() int {
			list, err := db.Agencies(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		f.run(t, []webScenario{
			{name: "the list", as: "ada", method: "GET", path: "/admin/agencies", status: 200,
				want: []string{`href="/admin/agencies" aria-current="page"`, "Secretaría de Seguridad Pública de Guerrero", "<td data-label=\"Ámbito\">Estatal</td>",
					"<td data-label=\"Entidad federativa\">Guerrero</td>", "<td data-label=\"Policía\">Sí</td>", "<td data-label=\"Medidas vigentes\">1</td>",
					"Empresa contratista", "No aplica", "Sin enlace", "Enlace Pérez (sin dependencia)", `action="/admin/agencies/liaison"`, `action="/admin/agencies"`},
				forbid: []string{">ssp-gro<", ">GRO<", ">state<", "Beto Pérez"}},
			{name: "a liaison without an agency reaches no measures", as: "enlace", method: "GET", path: "/measures", status: 403},
			{name: "a bad agency is refused", as: "ada", method: "POST", path: "/admin/agencies",
				form: url.Values{"code": {"Bad Code!"}, "name": {"Fiscalía de Guerrero"}, "level": {"state"}, "police": {"1"}}, status: 400,
				want: []string{"El código lleva de 2 a 40 minúsculas", "Las dependencias estatales y municipales necesitan su entidad.",
					`href="#agency_code">Clave de la dependencia:`, `value="Fiscalía de Guerrero"`, `value="Bad Code!"`, `value="1" checked`}},
			{name: "a repeated code is refused", as: "ada", method: "POST", path: "/admin/agencies",
				form: url.Values{"code": {"ssp-gro"}, "name": {"Otra"}, "level": {"federal"}}, status: 400, want: []string{"Ya hay una dependencia con ese código."}},
		})
		if n := agencies(); n != 2 {
			t.Fatalf("%d agencies after refusals, want 2", n)
		}
		f.run(t, []webScenario{
			{name: "an agency is added", as: "ada", method: "POST", path: "/admin/agencies",
				form: url.Values{"code": {"fge-gro"}, "name": {"Fiscalía General del Estado de Guerrero"}, "level": {"state"}, "federal_entity": {"GRO"}}, status: 303, location: "/admin/agencies"},
			{name: "and listed", as: "ada", method: "GET", path: "/admin/agencies", status: 200, want: []string{"Dependencia agregada.", "Fiscalía General del Estado de Guerrero"}},
			{name: "the edit form", as: "ada", method: "GET", path: "/admin/agencies?edit={police}", status: 200,
				want: []string{`id="edit-agency"`, `action="/admin/agencies/edit"`, `name="agency" value="{police}"`, `value="Secretaría de Seguridad Pública de Guerrero"`, `<option value="GRO" selected>`}},
			{name: "an unknown agency to edit", as: "ada", method: "GET", path: "/admin/agencies?edit=999999", status: 404},
			{name: "a bad edit is refused", as: "ada", method: "POST", path: "/admin/agencies/edit",
				form: url.Values{"agency": {"{police}"}, "name": {"Policía Municipal de Chilpancingo"}, "level": {"municipal"}}, status: 400,
				want: []string{`id="edit-agency"`, "Las dependencias estatales y municipales necesitan su entidad.", `value="Policía Municipal de Chilpancingo"`}},
			{name: "an edit", as: "ada", method: "POST", path: "/admin/agencies/edit",
				form: url.Values{"agency": {"{police}"}, "name": {"Secretaría de Seguridad Ciudadana de Guerrero"}, "level": {"state"}, "federal_entity": {"GRO"}, "police": {"1"}}, status: 303},
			{name: "edited", as: "ada", method: "GET", path: "/admin/agencies", status: 200, want: []string{"Cambios guardados.", "Secretaría de Seguridad Ciudadana de Guerrero"},
				forbid: []string{"Secretaría de Seguridad Pública de Guerrero"}},
			{name: "only liaisons act for an agency", as: "ada", method: "POST", path: "/admin/agencies/liaison",
				form: url.Values{"user": {"{beto}"}, "agency": {"ssp-gro"}}, status: 400, want: []string{"Solo una cuenta de enlace actúa por una dependencia."}},
			{name: "an unknown agency is refused", as: "ada", method: "POST", path: "/admin/agencies/liaison",
				form: url.Values{"user": {"{enlace}"}, "agency": {"ssp-xyz"}}, status: 400, want: []string{"Elige una dependencia de la lista.", `<option value="{enlace}" selected>`}},
			{name: "no account chosen", as: "ada", method: "POST", path: "/admin/agencies/liaison", form: url.Values{"agency": {"ssp-gro"}}, status: 400,
				want: []string{"Elige una cuenta de enlace."}},
			{name: "the liaison's agency is named", as: "ada", method: "POST", path: "/admin/agencies/liaison",
				form: url.Values{"user": {"{enlace}"}, "agency": {"ssp-gro"}}, status: 303},
			{name: "the list names the liaison", as: "ada", method: "GET", path: "/admin/agencies", status: 200,
				want: []string{"Dependencia de la cuenta de enlace guardada.", "Enlace Pérez (Secretaría de Seguridad Ciudadana de Guerrero)", "<td data-label=\"Enlaces\">Enlace Pérez</td>"}},
			{name: "the liaison's next page has the agency's measures", as: "enlace", method: "GET", path: "/measures", status: 200,
				want: []string{`href="/measures/{m}"`}},
			{name: "the coordination is refused the page", as: "coco", method: "GET", path: "/admin/agencies", status: 403},
			{name: "and its forms", as: "coco", method: "POST", path: "/admin/agencies", form: url.Values{"code": {"gn"}, "name": {"Guardia Nacional"}, "level": {"federal"}}, status: 403},
			{name: "and sees no link to it", as: "coco", method: "GET", path: "/measures", status: 200, forbid: []string{`href="/admin/agencies"`}},
			{name: "a liaison is refused naming their own agency", as: "enlace", method: "POST", path: "/admin/agencies/liaison",
				form: url.Values{"user": {"{enlace}"}, "agency": {""}}, status: 403},
		})
		// The page with its edit form, and a refused form, keep the
		// accessibility rules in both languages.
		f.site.c = f.clients["ada"]
		for _, lang := range []string{"es-MX", "en"} {
			checkAccessible(t, lang+" agencies", f.site.get(f.expand("/admin/agencies?edit={police}"), "Accept-Language", lang).Body)
		}
		checkAccessible(t, "refused agency", f.site.post("/admin/agencies", url.Values{"code": {"x"}}).Body)
		if n := agencies(); n != 3 {
			t.Fatalf("%d agencies, want 3", n)
		}
		if u, _ := db.FindUserByUsername(ctx, "enlace"); u.Agency != "ssp-gro" {
			t.Fatalf("liaison's agency %q", u.Agency)
		}
	})
}

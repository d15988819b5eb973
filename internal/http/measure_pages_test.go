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

// TestMeasurePages: reception issues an urgent measure from the case page
// of an extraordinary case (a bad detail refused, nothing written); the
// agency's liaison sees the measure with only the case's reference and
// entity and moves it along, a liaison of another agency is refused;
// follow-up records the beneficiary's rejection by phone, which reopens
// it; the dashboard counts it, scoped for the liaison.
func TestMeasurePages(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newWebFixture(t, db, Options{})
		police, err := db.AddAgency(ctx, escudo.Agency{Code: "ssp-gro", Name: "Secretaría de Seguridad Pública de Guerrero", Level: escudo.AgencyState, Entity: "GRO", Police: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddAgency(ctx, escudo.Agency{Code: "gn", Name: "Guardia Nacional", Level: escudo.AgencyFederal, Police: true}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*escudo.User{
			{Username: "enlace", DisplayName: "Enlace Guerrero", Role: escudo.RoleLiaison, Agency: "ssp-gro"},
			{Username: "otro", DisplayName: "Enlace Guardia", Role: escudo.RoleLiaison, Agency: "gn"},
			{Username: "segui", DisplayName: "Sara Seguimiento", Role: escudo.RoleFollowUp},
		} {
			if err := db.CreateUser(ctx, u, webPassword); err != nil {
				t.Fatal(err)
			}
			f.clients[u.Username] = newWebClient()
			f.site.c = f.clients[u.Username]
			f.site.login(u.Username, webPassword)
		}
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, ImminentDanger: true, Narrative: "Hombres armados rodean la casa de la periodista."},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Marcela Ortiz Luna", Entity: "GRO"})
		if err != nil {
			t.Fatal(err)
		}
		f.vars["{urgent}"] = fmt.Sprint(rc.CaseID)
		f.vars["{police}"] = fmt.Sprint(police)
		f.run(t, []webScenario{
			{name: "the case page offers urgent measures", as: "rosa", method: "GET", path: "/cases/{urgent}", status: 200,
				want: []string{`id="measures"`, "Emitir medidas urgentes", `action="/cases/{urgent}/urgent-measures"`, "Escolta de cuerpos especializados"}},
			{name: "a bad officer count is refused", as: "rosa", method: "POST", path: "/cases/{urgent}/urgent-measures",
				form: url.Values{"measure": {"escort"}, "agency_id": {"{police}"}, "detail.officers": {"cero"}, "reason": {"Hombres armados."}}, status: 400,
				want: []string{"Escribe un número entero del 1 al 999."}},
			{name: "issued", as: "rosa", method: "POST", path: "/cases/{urgent}/urgent-measures",
				form: url.Values{"measure": {"escort"}, "agency_id": {"{police}"}, "detail.officers": {"2"}, "reason": {"Hombres armados."}}, status: 303},
		})
		list, err := db.CaseMeasures(ctx, rc.CaseID)
		if err != nil || len(list) != 1 {
			t.Fatalf("measures: %v %v", list, err)
		}
		f.vars["{m}"] = fmt.Sprint(list[0].ID)
		f.run(t, []webScenario{
			{name: "the case lists it awaiting ratification", as: "rosa", method: "GET", path: "/cases/{urgent}", status: 200,
				want: []string{`href="/measures/{m}"`, "Pendiente de ratificar por la Junta", "Otorgada"}},
			{name: "reception notifies the agency", as: "rosa", method: "POST", path: "/measures/{m}/status", form: url.Values{"to": {"notified"}}, status: 303},
			{name: "another agency's liaison is refused", as: "otro", method: "GET", path: "/measures/{m}", status: 404, forbid: []string{"Marcela"}},
			{name: "another agency's liaison cannot move it", as: "otro", method: "POST", path: "/measures/{m}/status", form: url.Values{"to": {"implementing"}}, status: 404},
			{name: "the liaison sees the minimum of the case", as: "enlace", method: "GET", path: "/measures/{m}", status: 200,
				want:   []string{"Notificada a la dependencia", "Guerrero", "Marcela Ortiz Luna", `id="move-implementing"`},
				forbid: []string{"Hombres armados rodean", `href="/cases/`, "Hombres armados."}},
			{name: "the liaison moves it", as: "enlace", method: "POST", path: "/measures/{m}/status", form: url.Values{"to": {"implementing"}}, status: 303},
			{name: "an illegal jump is refused", as: "enlace", method: "POST", path: "/measures/{m}/status", form: url.Values{"to": {"in_force"}}, status: 400},
			{name: "implemented", as: "enlace", method: "POST", path: "/measures/{m}/status", form: url.Values{"to": {"awaiting_confirmation"}}, status: 303},
			{name: "the liaison's dashboard is their agency's", as: "enlace", method: "GET", path: "/measures", status: 200,
				want: []string{"Ves solo las medidas dirigidas a tu dependencia.", `id="chart-measure-status"`}},
			{name: "a rejection needs the beneficiary's words", as: "segui", method: "POST", path: "/measures/{m}/confirmation",
				form: url.Values{"answer": {"rejected"}, "channel": {"phone"}}, status: 400, want: []string{"Escribe qué dijo la persona beneficiaria"}},
			{name: "follow-up records the rejection by phone", as: "segui", method: "POST", path: "/measures/{m}/confirmation",
				form: url.Values{"answer": {"rejected"}, "channel": {"phone"}, "comment": {"Los escoltas nunca llegaron."}}, status: 303},
			{name: "the measure is reopened, with its history", as: "segui", method: "GET", path: "/measures/{m}", status: 200,
				want: []string{"En implementación", "Rechazada por la persona beneficiaria; reabierta", "Los escoltas nunca llegaron.", "Llamada telefónica"}},
			{name: "the dashboard for follow-up", as: "segui", method: "GET", path: "/measures?kind=urgent", status: 200,
				want: []string{`id="chart-measure-agency"`, "Secretaría de Seguridad Pública de Guerrero", `<option value="urgent" selected>`}},
			{name: "an analyst has no dashboard", as: "beto", method: "GET", path: "/measures", status: 403},
		})
	})
}

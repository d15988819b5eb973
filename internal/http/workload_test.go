package http

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The workload page: the coordination, administration and auditors see
// it in both languages, with the stages' names (never their codes), the
// officers by name, the charts with their text alternatives and the
// forecast; its CSV carries the same figures; a bad period, stage or
// reference is a 400 with a translated message; follow-up is refused.
func TestWorkloadPage(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		webUser(t, db, "coord", escudo.RoleCoordinator)
		webUser(t, db, "auditoria", escudo.RoleAuditor)
		webUser(t, db, "seguimiento", escudo.RoleFollowUp)
		lucia := &escudo.User{Username: "lucia", DisplayName: "Lucía Ferrer", Role: escudo.RoleAnalyst}
		if err := db.CreateUser(ctx, lucia, webPassword); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas."},
				&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Persona " + string(rune('A'+i)), Entity: "OAX"})
			if err != nil {
				t.Fatal(err)
			}
			if i < 2 {
				if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
					t.Fatal(err)
				}
				if err := db.AssignCase(ctx, rc.CaseID, lucia.ID, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		cl := site.newClient()
		cl.loginFrom("10.9.8.1", "coord")
		for _, lang := range []struct{ code, heading, stage, role, verdict, bad string }{
			{"es-MX", "Carga de trabajo y capacidad", "Evaluación", "Análisis de riesgo", "No se vacía a este ritmo", "Revisa la dirección"},
			{"en", "Workload and capacity", "Risk evaluation", "Risk analyst", "Does not clear at this pace", "Check the address"},
		} {
			p := cl.do("GET", "/workload", "", "", "Accept", "text/html", "Accept-Language", lang.code)
			if p.Status != http.StatusOK {
				t.Fatalf("%s: %d\n%s", lang.code, p.Status, p.Body)
			}
			checkAccessible(t, lang.code+" /workload", p.Body)
			for _, want := range []string{lang.heading, lang.stage, lang.verdict, "Lucía Ferrer", `id="chart-flow"`, `id="chart-load-1"`,
				`<line class="target"`, `<line class="stock"`, "<desc id=\"chart-flow-d\">", `href="/workload.csv?period=month&amp;stage=evaluation"`} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("%s: page lacks %q", lang.code, want)
				}
			}
			if lang.code == "en" && !strings.Contains(p.Body, "Risk analyst") {
				t.Errorf("en: the role is not named")
			}
			for _, code := range []string{">evaluation<", ">follow_up<", ">analyst<", ">workload.", ">reception<"} {
				if strings.Contains(p.Body, code) {
					t.Errorf("%s: page shows the code %q", lang.code, code)
				}
			}
			for _, bad := range []string{"/workload?period=day", "/workload?stage=closed", "/workload?reference=0", "/workload?stag=board", "/workload.csv?period=year"} {
				r := cl.do("GET", bad, "", "", "Accept", "text/html", "Accept-Language", lang.code)
				if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, lang.bad) {
					t.Errorf("%s %s: %d, want 400 with %q", lang.code, bad, r.Status, lang.bad)
				}
			}
		}
		w := cl.page("/workload?period=week&stage=reception&reference=2")
		if w.Status != http.StatusOK || !strings.Contains(w.Body, "en la referencia o más") || !strings.Contains(w.Body, "Ver por mes") {
			t.Errorf("weekly page with a reference of 2: %d", w.Status)
		}
		c := cl.page("/workload.csv?period=week&stage=board")
		if c.Status != http.StatusOK || c.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("csv: %d %v", c.Status, c.Header)
		}
		recs, err := csv.NewReader(strings.NewReader(c.Body)).ReadAll()
		if err != nil {
			t.Fatalf("csv does not parse: %v\n%s", err, c.Body)
		}
		var flows, lucias, forecasts int
		for _, r := range recs {
			switch {
			case r[0] == "Flujo":
				flows++
			case strings.HasPrefix(r[0], "Carga") && r[1] == "Lucía Ferrer" && r[5] == "2" && r[6] == "2":
				lucias++
			case r[0] == "Pronóstico":
				forecasts++
			}
		}
		if flows != 5*52 || lucias != 1 || forecasts != 5 {
			t.Errorf("csv: %d flow lines, %d for Lucía, %d forecasts:\n%s", flows, lucias, forecasts, c.Body)
		}
		aud := site.newClient()
		aud.loginFrom("10.9.8.2", "auditoria")
		if r := aud.page("/workload"); r.Status != http.StatusOK {
			t.Errorf("auditor: %d", r.Status)
		}
		fu := site.newClient()
		fu.loginFrom("10.9.8.3", "seguimiento")
		if r := fu.page("/workload"); r.Status != http.StatusForbidden {
			t.Errorf("follow-up: %d, want 403", r.Status)
		}
	})
}

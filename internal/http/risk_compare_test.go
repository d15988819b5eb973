package http

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// Two evaluations of a case compared factor by factor: the changed
// factors are marked with both answers and points in words; an evaluation
// of another case is not found.
func TestCompareEvaluations(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		analyst := webUser(t, db, "analista", escudo.RoleAnalyst)
		actx := escudo.NewContextWithUser(ctx, analyst)
		var cases []int64
		for _, name := range []string{"Casa del Migrante de Saltillo", "Colectivo Sin Bandera"} {
			rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Vigilancia"},
				&escudo.Person{Kind: escudo.KindCollective, Profile: escudo.ProfileDefender, Name: name, Entity: "COA"})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
				t.Fatal(err)
			}
			cases = append(cases, rc.CaseID)
		}
		submit := func(caseID int64, reason escudo.EvaluationReason, threat int64) int64 {
			id, err := db.StartEvaluation(actx, caseID, escudo.EvaluationFull, reason)
			if err != nil {
				t.Fatal(err)
			}
			d := riskDraft()
			d.Factors["threat_type"] = threat
			d.Justification = "Cambió la situación."
			if _, err := db.SubmitEvaluation(actx, id, d); err != nil {
				t.Fatal(err)
			}
			return id
		}
		first := submit(cases[0], escudo.ReasonInitial, 2)
		second := submit(cases[0], escudo.ReasonIncident, 3)
		other := submit(cases[1], escudo.ReasonInitial, 2)

		cl := site.newClient()
		cl.loginFrom("10.9.13.2", "analista")
		p := cl.page(fmt.Sprintf("/cases/%d/evaluations/compare", cases[0]))
		if p.Status != http.StatusOK {
			t.Fatalf("compare: %d %.500s", p.Status, p.Body)
		}
		if n := strings.Count(p.Body, `<tr class="changed">`); n != 1 {
			t.Errorf("%d changed rows, want 1 (threat_type)", n)
		}
		for _, want := range []string{"Tipo de amenaza", "Cambió", "1 factores cambiaron", "Incidente o alerta grave", "Primera evaluación",
			fmt.Sprintf(`<option value="%d" selected>`, first), fmt.Sprintf(`<option value="%d" selected>`, second)} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("compare page lacks %q", want)
			}
		}
		if strings.Contains(p.Body, "threat_type") {
			t.Error("compare page shows a factor's code")
		}
		if r := cl.page(fmt.Sprintf("/cases/%d/evaluations/compare?a=%d&b=%d", cases[0], other, second)); r.Status != http.StatusNotFound {
			t.Errorf("another case's evaluation: %d, want 404", r.Status)
		}
		if r := cl.page(fmt.Sprintf("/cases/%d/evaluations/compare?a=%d&b=%d", cases[0], second, first)); r.Status != http.StatusOK || !strings.Contains(r.Body, `<tr class="changed">`) {
			t.Errorf("chosen pair: %d", r.Status)
		}
	})
}

package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// riskDraft answers every factor and required question of the default
// instrument (extraordinario), as store/risk_test.go's fullAnswers.
func riskDraft() escudo.EvaluationDraft {
	return escudo.EvaluationDraft{
		Factors: map[string]int64{
			"threat_type": 2, "threat_source": 3, "threat_frequency": 2, "threat_recency": 3, "threat_reach": 2,
			"place": 2, "isolation": 1, "exposure": 3, "dependants": 2, "gender": 2, "ethnic_identity": 0,
			"health": 0, "digital_exposure": 1, "displacement": 0,
			"networks": 1, "accompaniment": 1, "legal_support": 1, "security_practices": 2,
		},
		Context: map[string]string{
			"narrative": "Hombres armados vigilan la entrada del albergue.", "gender": "woman", "ethnic_identity": "none",
			"disability": "no", "migration_status": "national", "sogi": "not_stated", "rurality": "urban",
		},
		Proposals: []escudo.MeasureProposal{{Measure: "panic_button", Reason: "Vigilancia armada."}},
	}
}

// The assessments page: a wrong IACHR number is refused with a sentence
// naming the field and nothing is stored; a valid one is listed in words,
// never codes; an evaluation below it is marked "Para la Junta" on the
// backlog; ending it keeps it listed as no longer in force.
func TestAssessmentsPage(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		analyst := webUser(t, db, "analista", escudo.RoleAnalyst)
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Vigilancia armada"},
			&escudo.Person{Kind: escudo.KindCollective, Profile: escudo.ProfileDefender, Name: "Casa del Migrante de Saltillo", Entity: "COA"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
			t.Fatal(err)
		}
		cl := site.newClient()
		cl.loginFrom("10.9.13.1", "analista")
		path := fmt.Sprintf("/cases/%d/assessments", rc.CaseID)
		form := url.Values{"body": {"iachr"}, "number": {"123/17"}, "level": {"extremo"}, "decided_at": {"2026-01-10"},
			"measures": {"Proteger la vida del equipo del albergue."}}
		r := cl.form(path, form)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Número o referencia: Escribe el número de la medida cautelar como MC-123-17.") {
			t.Fatalf("wrong number: %d %.2000s", r.Status, r.Body)
		}
		if list, _ := db.CaseAssessments(ctx, rc.CaseID); len(list) != 0 {
			t.Fatalf("a refused assessment was stored: %+v", list)
		}
		form.Set("number", "MC-123-17")
		if r := cl.form(path, form); r.Status != http.StatusSeeOther {
			t.Fatalf("record: %d %.1000s", r.Status, r.Body)
		}
		p := cl.page(path)
		for _, want := range []string{"Valoración registrada.", "MC-123-17", "Comisión Interamericana (medidas cautelares)", "Extremo", "2026-01-10", "Ya no está vigente"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("assessments page lacks %q", want)
			}
		}
		for _, code := range []string{">iachr<", ">extremo<"} {
			if strings.Contains(p.Body, code) {
				t.Errorf("assessments page shows the code %q", code)
			}
		}

		actx := escudo.NewContextWithUser(ctx, analyst)
		id, err := db.StartEvaluation(actx, rc.CaseID, escudo.EvaluationFull, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		d := riskDraft()
		d.Justification = "La vigilancia cesó tras el cambio de sede."
		if _, err := db.SubmitEvaluation(actx, id, d); err != nil {
			t.Fatal(err)
		}
		if b := cl.page("/backlog"); strings.Count(b.Body, `class="for-board"`) != 1 || !strings.Contains(b.Body, "Para la Junta") {
			t.Errorf("backlog lacks the Board marker: %.3000s", b.Body)
		}

		list, _ := db.CaseAssessments(ctx, rc.CaseID)
		if r := cl.form(path+"/end", url.Values{}); r.Status != http.StatusBadRequest {
			t.Errorf("end without choosing: %d", r.Status)
		}
		if r := cl.form(path+"/end", url.Values{"assessment": {fmt.Sprint(list[0].ID)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("end: %d %.500s", r.Status, r.Body)
		}
		if r := cl.form(path+"/end", url.Values{"assessment": {fmt.Sprint(list[0].ID)}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "Esta valoración ya no estaba vigente.") {
			t.Errorf("second end: %d", r.Status)
		}
		if p := cl.page(path); !strings.Contains(p.Body, "Sin vigencia desde") {
			t.Errorf("ended assessment not shown as such")
		}
	})
}

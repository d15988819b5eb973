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

// An appeal through the pages: follow-up files it (without grounds it is
// refused naming the field), the new evaluation is submitted, the
// disagreement persists, and the Council commissions the study, sees its
// deadline as a clock, and rules.
func TestAppealPages(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		analyst := webUser(t, db, "analista", escudo.RoleAnalyst)
		webUser(t, db, "seguimiento", escudo.RoleFollowUp)
		webUser(t, db, "consejo", escudo.RoleCouncil)
		actx := escudo.NewContextWithUser(ctx, analyst)
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Vigilancia"},
			&escudo.Person{Kind: escudo.KindCollective, Profile: escudo.ProfileDefender, Name: "Casa del Migrante de Saltillo", Entity: "COA"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
			t.Fatal(err)
		}
		submit := func(reason escudo.EvaluationReason) {
			id, err := db.StartEvaluation(actx, rc.CaseID, escudo.EvaluationFull, reason)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SubmitEvaluation(actx, id, riskDraft()); err != nil {
				t.Fatal(err)
			}
		}
		submit(escudo.ReasonInitial)
		fu := site.newClient()
		fu.loginFrom("10.9.13.4", "seguimiento")
		path := fmt.Sprintf("/cases/%d/appeals", rc.CaseID)
		if r := fu.form(path, url.Values{"grounds": {" "}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Motivos de la inconformidad: Este dato es obligatorio.") {
			t.Fatalf("appeal without grounds: %d %.1500s", r.Status, r.Body)
		}
		if r := fu.form(path, url.Values{"grounds": {"El nivel no refleja la vigilancia armada."}}); r.Status != http.StatusSeeOther {
			t.Fatalf("file: %d %.800s", r.Status, r.Body)
		}
		list, _ := db.Appeals(actx, rc.CaseID, false)
		if len(list) != 1 {
			t.Fatalf("appeals: %+v", list)
		}
		aid := fmt.Sprint(list[0].ID)
		if r := fu.form(path+"/answer", url.Values{"appeal": {aid}, "answer": {"persist"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "Primero debe presentarse la nueva evaluación") {
			t.Fatalf("answer before the new evaluation: %d", r.Status)
		}
		submit(escudo.ReasonAppeal)
		if r := fu.form(path+"/answer", url.Values{"appeal": {aid}, "answer": {"persist"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("persist: %d %.800s", r.Status, r.Body)
		}
		cc := site.newClient()
		cc.loginFrom("10.9.13.5", "consejo")
		if p := cc.page("/appeals"); !strings.Contains(p.Body, "Persiste el desacuerdo") || !strings.Contains(p.Body, `action="/appeals/study"`) {
			t.Fatalf("the Council's list: %.2000s", p.Body)
		}
		if r := cc.form("/appeals/study", url.Values{"appeal": {aid}, "study": {"Universidad Autónoma de Coahuila: revisar la vigilancia."}}); r.Status != http.StatusSeeOther {
			t.Fatalf("study: %d %.800s", r.Status, r.Body)
		}
		p := cc.page("/appeals")
		if !strings.Contains(p.Body, "Plazo del estudio") || !strings.Contains(p.Body, "st-running") || !strings.Contains(p.Body, `action="/appeals/rule"`) {
			t.Fatalf("study clock: %.2000s", p.Body)
		}
		if r := cc.form("/appeals/rule", url.Values{"appeal": {aid}, "ruling": {"Se eleva el nivel a extremo."}}); r.Status != http.StatusSeeOther {
			t.Fatalf("rule: %d %.800s", r.Status, r.Body)
		}
		if p := fu.page(path); !strings.Contains(p.Body, "El Consejo resolvió") || !strings.Contains(p.Body, "Se eleva el nivel a extremo.") {
			t.Fatalf("case's appeals after the ruling: %.2000s", p.Body)
		}
	})
}

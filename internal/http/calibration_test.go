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

func calibrationDraft() escudo.EvaluationDraft {
	return escudo.EvaluationDraft{
		Factors: map[string]int64{
			"threat_type": 2, "threat_source": 3, "threat_frequency": 2, "threat_recency": 3, "threat_reach": 2,
			"place": 2, "isolation": 1, "exposure": 3, "dependants": 2, "gender": 2, "ethnic_identity": 0,
			"health": 0, "digital_exposure": 1, "displacement": 0,
			"networks": 1, "accompaniment": 1, "legal_support": 1, "security_practices": 2,
		},
		Context: map[string]string{
			"narrative": "Vigilancia armada.", "gender": "woman", "ethnic_identity": "indigenous",
			"disability": "no", "migration_status": "national", "sogi": "not_stated", "rurality": "urban",
		},
	}
}

// The calibration report: the roles the table names see it, with the
// instrument's labels (never option ids), the stated test and the
// suppression of small groups; others are refused; the CSV download has
// its type, its file name and escaped values (a name that looks like a
// formula, with a comma and quotes, stays one cell and no formula).
func TestCalibrationPage(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		evil := &escudo.User{Username: "eva", DisplayName: `=HYPERLINK("x"), Eva`, Role: escudo.RoleAnalyst}
		if err := db.CreateUser(ctx, evil, webPassword); err != nil {
			t.Fatal(err)
		}
		webUser(t, db, "coord", escudo.RoleCoordinator)
		webUser(t, db, "consejo", escudo.RoleCouncil)
		webUser(t, db, "admin", escudo.RoleAdmin)
		webUser(t, db, "seguimiento", escudo.RoleFollowUp)
		actx := escudo.NewContextWithUser(ctx, evil)
		for i := 0; i < 6; i++ {
			rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas."},
				&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Persona " + string(rune('A'+i)), Entity: "OAX"})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
				t.Fatal(err)
			}
			id, err := db.StartEvaluation(actx, rc.CaseID, escudo.EvaluationFull, escudo.ReasonInitial)
			if err != nil {
				t.Fatal(err)
			}
			d := calibrationDraft()
			if i == 5 {
				d.Context["gender"] = "man"
			}
			if _, err := db.SubmitEvaluation(actx, id, d); err != nil {
				t.Fatal(err)
			}
		}
		for _, who := range []string{"coord", "consejo"} {
			cl := site.newClient()
			cl.loginFrom("10.9.7.1", who)
			p := cl.page("/risk/calibration")
			if p.Status != http.StatusOK {
				t.Fatalf("%s: %d", who, p.Status)
			}
			for _, want := range []string{`id="chart-calibration"`, "Mujer", "Indígena", "Oaxaca", "Persona defensora de derechos humanos",
				"prueba exacta de Fisher", "Holm–Bonferroni", "Menos de 5", `href="/risk/calibration"`} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("%s: page lacks %q", who, want)
				}
			}
			for _, code := range []string{">woman<", ">indigenous<", ">OAX<", ">defender<", "extraordinario<"} {
				if strings.Contains(p.Body, code) {
					t.Errorf("%s: page shows the code %q", who, code)
				}
			}
			if strings.Contains(p.Body, `=HYPERLINK("x")`) {
				t.Error("the name is not escaped in the page")
			}
		}
		cl := site.newClient()
		cl.loginFrom("10.9.7.2", "coord")
		c := cl.page("/risk/calibration?format=csv&kind=full")
		if c.Status != http.StatusOK || c.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.Contains(c.Header.Get("Content-Disposition"), `filename="calibracion-riesgo.csv"`) {
			t.Fatalf("csv: %d %v", c.Status, c.Header)
		}
		recs, err := csv.NewReader(strings.NewReader(c.Body)).ReadAll()
		if err != nil {
			t.Fatalf("csv does not parse: %v\n%s", err, c.Body)
		}
		var found, suppressed bool
		for _, r := range recs {
			if r[1] == `'=HYPERLINK("x"), Eva` && r[2] == "6" && r[3] == "6" {
				found = true
			}
			if r[1] == "Hombre" && r[2] == "Menos de 5" && r[3] == "" {
				suppressed = true
			}
		}
		if !found || !suppressed {
			t.Errorf("csv rows: %q", recs)
		}
		if bad := cl.page("/risk/calibration?from=ayer"); bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, "Revisa los filtros") {
			t.Errorf("bad filter: %d", bad.Status)
		}
		if r := cl.page("/risk/calibration?kind=immediate"); !strings.Contains(r.Body, "0 evaluaciones") {
			t.Error("the kind filter does not narrow")
		}
		for _, who := range []string{"admin", "seguimiento"} {
			cl := site.newClient()
			cl.loginFrom("10.9.7.3", who)
			if r := cl.page("/risk/calibration"); r.Status != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", who, r.Status)
			}
		}
	})
}

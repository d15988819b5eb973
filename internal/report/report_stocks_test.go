package report_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/i18n"
	"escudo/internal/prevention"
	"escudo/internal/report"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// seedStocks files 22 requests in July 2026 from four entities, each under
// 10 (Oaxaca 4, Guerrero 7, Mexico City 6, Puebla 5: by region, south and
// centre hold 11 each), admits them, grants each a panic button and
// opens an investigation of a threat against each, and publishes July.
func seedStocks(t *testing.T, db *store.DB, clock *testdb.Clock) {
	t.Helper()
	ctx := context.Background()
	clock.Set(time.Date(2026, 7, 6, 18, 0, 0, 0, time.UTC))
	coord := &escudo.User{Username: "coordinacion", DisplayName: "Coordinación", Role: escudo.RoleCoordinator}
	if err := db.CreateUser(ctx, coord, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	as := escudo.NewContextWithUser(ctx, coord)
	gn, err := db.AddAgency(ctx, escudo.Agency{Code: "gn", Name: "Guardia Nacional", Level: escudo.AgencyFederal, Police: true})
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, e := range []struct {
		code string
		n    int
	}{{"OAX", 4}, {"GRO", 7}, {"CDMX", 6}, {"PUE", 5}} {
		for k := 0; k < e.n; k++ {
			p := &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: fmt.Sprintf("Persona %d", i), Entity: e.code, Gender: "mujer", Phone: "+52 951 555 0101"}
			rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Amenazas."}, p)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err != nil {
				t.Fatal(err)
			}
			if err := db.WithTx(as, true, func(tx *store.Tx) error {
				_, err := tx.GrantMeasure(as, coord.ID, escudo.MeasureGrant{CaseID: rc.CaseID, Measure: "panic_button", AgencyID: gn, Source: escudo.SourceBoard, ResolutionID: 1, Reason: "Amenazas."})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			in := &prevention.Incident{CaseID: rc.CaseID, Kind: prevention.IncidentThreat, Aggressor: prevention.AggressorMunicipal, OccurredAt: clock.Now().Add(-time.Hour),
				TimePrecision: prevention.TimeDay, Entity: e.code, PlacePrecision: prevention.PlaceEntity, Description: "Amenazas por teléfono."}
			iid, err := db.RecordIncident(as, in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.AddInvestigation(as, &prevention.Investigation{IncidentID: iid, Authority: "FGE", FileNumber: fmt.Sprintf("CI/%d", i), Status: prevention.InvOpen, OpenedAt: clock.Now()}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
			i++
		}
	}
	clock.Set(time.Date(2026, 8, 3, 18, 0, 0, 0, time.UTC))
	if _, err := db.SweepStatistics(ctx, 10); err != nil {
		t.Fatal(err)
	}
}

// The monthly report shows the month's stocks (measures by kind and
// status, open investigations by status and progress) in every format,
// and the requests by region, flagged, since by entity every one would be
// withheld.
func TestReportStocksAndRegions(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	bundle := i18n.MustNew()
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		seedStocks(t, db, clock)
		ctx := context.Background()
		r, err := report.Build(ctx, db, bundle, "es-MX", report.Monthly, "2026-07", nil)
		if err != nil {
			t.Fatal(err)
		}
		var h bytes.Buffer
		if err := r.HTML(&h); err != nil {
			t.Fatal(err)
		}
		html := h.String()
		for _, want := range []string{`id="table-measures.status"`, "Medidas al cierre, por tipo y estado", "Otorgadas, sin notificar",
			`id="table-investigations.open"`, "Investigaciones abiertas al cierre, por estado y avance", "Con avance reciente",
			`id="chart-measures.status"`, "Región", "Sur", "Centro", "se publica por región", ">22<"} {
			if !strings.Contains(html, want) {
				t.Errorf("HTML lacks %q", want)
			}
		}
		if i, j := strings.Index(html, ">Centro<"), strings.Index(html, ">Sur<"); i < 0 || j < i {
			t.Error("the regions are not in their order")
		}
		if strings.Contains(html, "Oaxaca") || strings.Contains(html, "Guerrero") {
			t.Error("the requests by region still name an entity")
		}
		if m := smallCount.FindString(html); m != "" {
			t.Fatalf("HTML shows a small count: %s", m)
		}
		var c, j bytes.Buffer
		if err := r.CSV(&c); err != nil {
			t.Fatal(err)
		}
		if err := r.JSON(&j); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"measures.status,2026-07,kind,protection,status,granted,published,22\n",
			"investigations.open,2026-07,status,open,progress,progressing,published,22\n",
			"investigations.open,2026-07,status,Total,progress,stalled,published,0\n",
			"requests,2026-07,region,sur,procedure,Total,published,11\n", "requests,2026-07,region,centro,procedure,Total,published,11\n"} {
			if !strings.Contains(c.String(), want) {
				t.Errorf("CSV lacks %q", want)
			}
		}
		if !strings.Contains(j.String(), `"series": "measures.status"`) || !strings.Contains(j.String(), `"coarsened": true`) || !strings.Contains(j.String(), `"region"`) {
			t.Errorf("JSON: %.600s", j.String())
		}
		if _, err := r.PDF(); err != nil {
			t.Fatal(err)
		}
		en, err := report.Build(ctx, db, bundle, "en", report.Monthly, "2026-07", nil)
		if err != nil {
			t.Fatal(err)
		}
		h.Reset()
		if err := en.HTML(&h); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Measures at the close, by kind and status", "Open investigations at the close", "South", "published by region", "Granted, not yet notified"} {
			if !strings.Contains(h.String(), want) {
				t.Errorf("English HTML lacks %q", want)
			}
		}
	})
}

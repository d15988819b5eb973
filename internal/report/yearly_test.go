package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/i18n"
	"escudo/internal/report"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// seedYear files requests in three months of 2025 (Oaxaca, Mexico City,
// Veracruz and Jalisco ten or more each, Guerrero 2 a month), admits most, and publishes up to the year 2025.
func seedYear(t *testing.T, db *store.DB, clock *testdb.Clock) {
	t.Helper()
	ctx := context.Background()
	for _, m := range []time.Month{3, 7, 11} {
		clock.Set(time.Date(2025, m, 3, 18, 0, 0, 0, time.UTC))
		for i := 0; i < 44; i++ {
			// Ten or more a month in four entities, so that Guerrero's
			// withheld cell keeps the table by entity rather than by region.
			entity := []string{"OAX", "CDMX", "VER", "JAL"}[i%4]
			if i%22 == 0 {
				entity = "GRO"
			}
			p := &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: fmt.Sprintf("Persona %d %d", m, i), Entity: entity, Gender: "mujer", Phone: "+52 951 555 0101"}
			rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Amenazas."}, p)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(6 * time.Hour)
			d := escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}
			if i%4 == 3 {
				d = escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted, Reason: "Sin relación con la labor."}
			}
			if err := db.DecideAdmission(ctx, rc.CaseID, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	clock.Set(time.Date(2026, 1, 4, 18, 0, 0, 0, time.UTC))
	if _, err := db.SweepStatistics(ctx, 100); err != nil {
		t.Fatal(err)
	}
}

// TestYearlyReport: the annual report of 2025 in every format, built from
// the year's releases: its totals are its months', Guerrero's 6 requests
// stay withheld, no count from 1 to 9 shows, the PDF is the same bytes
// twice, and it reads in English too.
func TestYearlyReport(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	bundle := i18n.MustNew()
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		seedYear(t, db, clock)
		ctx := context.Background()
		r, err := report.Build(ctx, db, bundle, "es-MX", report.Yearly, "2025", nil)
		if err != nil {
			t.Fatal(err)
		}
		var h bytes.Buffer
		if err := r.HTML(&h); err != nil {
			t.Fatal(err)
		}
		html := h.String()
		for _, want := range []string{"<title>Informe anual: 2025</title>", "Lo que hizo el Mecanismo en 2025", "la suma de lo que publicaron sus doce meses",
			`id="table-requests"`, "Oaxaca", "&lt; 10", ">132<", "De la solicitud a la decisión de admisión", `<svg id="chart-`, `role="img"`} {
			if !strings.Contains(html, want) {
				t.Errorf("HTML lacks %q", want)
			}
		}
		if m := smallCount.FindString(html); m != "" {
			t.Fatalf("HTML shows a small count: %s", m)
		}
		var j, c bytes.Buffer
		if err := r.JSON(&j); err != nil {
			t.Fatal(err)
		}
		if err := r.CSV(&c); err != nil {
			t.Fatal(err)
		}
		if regexp.MustCompile(`"count": [1-9]\b`).MatchString(j.String()) || regexp.MustCompile(`,[1-9]\n`).MatchString(c.String()) {
			t.Fatal("a file carries a small count")
		}
		if !strings.Contains(c.String(), "requests,2025,entity,GRO,procedure,Total,primary,\n") || !strings.Contains(c.String(), "requests,2025,entity,Total,procedure,Total,published,132\n") {
			t.Fatalf("CSV:\n%.600s", c.String())
		}
		var doc struct {
			Kind, Period string
		}
		if err := json.Unmarshal(j.Bytes(), &doc); err != nil || doc.Kind != report.Yearly || doc.Period != "2025" {
			t.Fatalf("JSON: %+v %v", doc, err)
		}
		// The year's figures are the sum of what its months published.
		var months int64
		for _, m := range []string{"2025-03", "2025-07", "2025-11"} {
			mr, err := report.Build(ctx, db, bundle, "es-MX", report.Monthly, m, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, cell := range mr.Tables[1].Cells { // decisions: the admitted total
				if cell.Codes[0] == string(escudo.AdmissionAdmitted) && cell.Codes[1] == "Total" && cell.Published() {
					months += cell.Value
				}
			}
		}
		for _, cell := range r.Tables[1].Cells {
			if cell.Codes[0] == string(escudo.AdmissionAdmitted) && cell.Codes[1] == "Total" && (!cell.Published() || cell.Value != months || months != 99) {
				t.Fatalf("admitted in the year: %+v, the months' %d", cell, months)
			}
		}
		p1, err := r.PDF()
		if err != nil {
			t.Fatal(err)
		}
		r2, err := report.Build(ctx, db, bundle, "es-MX", report.Yearly, "2025", nil)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := r2.PDF()
		if err != nil || !bytes.Equal(p1, p2) || !bytes.HasPrefix(p1, []byte("%PDF-")) {
			t.Fatalf("PDF not reproducible: %v", err)
		}
		en, err := report.Build(ctx, db, bundle, "en", report.Yearly, "2025", nil)
		if err != nil {
			t.Fatal(err)
		}
		var e bytes.Buffer
		if err := en.HTML(&e); err != nil || !strings.Contains(e.String(), "Annual report: 2025") || !strings.Contains(e.String(), "What the Mechanism did in 2025") {
			t.Fatalf("English: %v", err)
		}
		if _, err := report.Build(ctx, db, bundle, "es-MX", report.Yearly, "2026", nil); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("2026, not over: %v", err)
		}
	})
}

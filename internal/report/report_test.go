package report_test

import (
	"bytes"
	"context"
	"errors"
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

// seed files requests in July 2026 (Oaxaca, Mexico City, Jalisco and
// Puebla 12 each, Guerrero 5), admits most, and publishes the third
// quarter.
func seed(t *testing.T, db *store.DB, clock *testdb.Clock) {
	t.Helper()
	ctx := context.Background()
	clock.Set(time.Date(2026, 7, 1, 18, 0, 0, 0, time.UTC))
	for i := 0; i < 53; i++ {
		entity, gender := []string{"OAX", "CDMX", "JAL", "PUE"}[i%4], "mujer"
		if i%11 == 0 {
			entity = "GRO"
		}
		if i%2 == 1 {
			gender = "hombre"
		}
		p := &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: fmt.Sprintf("Persona %d", i), Entity: entity, Gender: gender, Phone: "+52 951 555 0101"}
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Amenazas."}, p)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(10 * time.Hour)
		d := escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}
		if i%3 == 2 {
			d = escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted, Reason: "Sin relación con la labor."}
		}
		if err := db.DecideAdmission(ctx, rc.CaseID, d); err != nil {
			t.Fatal(err)
		}
	}
	clock.Set(time.Date(2026, 10, 3, 18, 0, 0, 0, time.UTC))
	if _, err := db.SweepStatistics(ctx, 10); err != nil {
		t.Fatal(err)
	}
}

var smallCount = regexp.MustCompile(`<td>[1-9]</td>`)

func TestReportFormats(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	bundle := i18n.MustNew()
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		seed(t, db, clock)
		ctx := context.Background()
		var steps []int
		r, err := report.Build(ctx, db, bundle, "es-MX", report.Quarterly, "2026-Q3", func(done, total int) { steps = append(steps, done) })
		if err != nil {
			t.Fatal(err)
		}
		if len(steps) == 0 || steps[len(steps)-1] != len(store.StatSeries())+1 {
			t.Fatalf("progress: %v", steps)
		}
		var h bytes.Buffer
		if err := r.HTML(&h); err != nil {
			t.Fatal(err)
		}
		html := h.String()
		for _, want := range []string{"Informe trimestral para los órganos de control: tercer trimestre de 2026", `id="table-requests"`,
			"&lt; 10", "Mujeres", "De la solicitud a la decisión de admisión"} {
			if !strings.Contains(html, want) {
				t.Fatalf("HTML lacks %q", want)
			}
		}
		if !strings.Contains(html, "0,4 días en promedio") {
			t.Fatalf("time to admission: %s", html[strings.Index(html, `id="times"`):][:600])
		}
		if !strings.Contains(html, "<svg id=\"chart-") || !strings.Contains(html, "role=\"img\"") {
			t.Fatal("no chart")
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
		if !strings.Contains(j.String(), `"flag": "primary"`) || !strings.Contains(c.String(), "requests,2026-Q3,entity,GRO,procedure,Total,primary,\n") {
			t.Fatalf("files lack Guerrero's primary cell:\n%s", c.String())
		}
		p1, err := r.PDF()
		if err != nil {
			t.Fatal(err)
		}
		r2, err := report.Build(ctx, db, bundle, "es-MX", report.Quarterly, "2026-Q3", nil)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := r2.PDF()
		if err != nil || !bytes.Equal(p1, p2) || !bytes.HasPrefix(p1, []byte("%PDF-")) {
			t.Fatalf("PDF not reproducible: %v", err)
		}
		en, err := report.Build(ctx, db, bundle, "en", report.Monthly, "2026-07", nil)
		if err != nil {
			t.Fatal(err)
		}
		var e bytes.Buffer
		if err := en.HTML(&e); err != nil || !strings.Contains(e.String(), "Monthly statistical report: ") || !strings.Contains(e.String(), `lang="en"`) {
			t.Fatalf("English: %v", err)
		}
	})
}

func TestReportBadRequests(t *testing.T) {
	for _, tc := range []struct{ kind, period, format, key string }{
		{"weekly", "2026-Q3", "html", "report.bad_kind"},
		{"quarterly", "2026-Q5", "html", "report.period_kind.quarterly"},
		{"quarterly", "2026-09", "html", "report.period_kind.quarterly"},
		{"monthly", "2026-Q3", "html", "report.period_kind.monthly"},
		{"monthly", "2026-13", "html", "report.period_kind.monthly"},
		{"monthly", "2026-10", "docx", "report.bad_format"},
		{"yearly", "2026-13", "html", "report.period_kind.yearly"},
		{"yearly", "2026-Q1", "pdf", "report.period_kind.yearly"},
		{"yearly", "2026-10", "csv", "report.period_kind.yearly"},
		{"yearly", "26", "html", "report.period_kind.yearly"},
		{"yearly", "1899", "html", "report.period_kind.yearly"},
		{"yearly", "2026", "xls", "report.bad_format"},
		{"quarterly", "2026", "html", "report.period_kind.quarterly"},
		{"monthly", "2026", "html", "report.period_kind.monthly"},
		{"anual", "2026", "html", "report.bad_kind"},
	} {
		_, err := report.CheckRequest(tc.kind, tc.period, tc.format)
		var e *escudo.Error
		if !asError(err, &e) || e.Key != tc.key {
			t.Errorf("%s %s %s: %v, want %s", tc.kind, tc.period, tc.format, err, tc.key)
		}
	}
	clock := testdb.NewClock(time.Time{})
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(time.Date(2026, 7, 1, 18, 0, 0, 0, time.UTC))
		if _, err := report.Build(context.Background(), db, i18n.MustNew(), "es-MX", report.Quarterly, "2026-Q3", nil); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("unpublished quarter: %v", err)
		}
		if _, err := report.Build(context.Background(), db, i18n.MustNew(), "es-MX", report.Yearly, "2025", nil); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("unpublished year: %v", err)
		}
	})
}

func FuzzCheckRequest(f *testing.F) {
	for _, s := range []string{"2026-Q3", "2026-10", "2026-Q0", "0000-01", "+026-Q1", "2026-1", ""} {
		f.Add("quarterly", s, "pdf")
		f.Add("monthly", s, "csv")
		f.Add("yearly", s, "json")
	}
	f.Add("yearly", "2026", "html")
	f.Fuzz(func(t *testing.T, kind, period, format string) {
		p, err := report.CheckRequest(kind, period, format)
		if err != nil {
			var e *escudo.Error
			if !asError(err, &e) || e.Key == "" {
				t.Fatalf("%q %q %q: untranslated error %v", kind, period, format, err)
			}
			return
		}
		if p.Name != period || !p.From.Before(p.To) || len(p.Months) == 0 {
			t.Fatalf("%q: %+v", period, p)
		}
	})
}

func asError(err error, e **escudo.Error) bool { return errors.As(err, e) }

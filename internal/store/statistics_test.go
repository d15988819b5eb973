package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/disclosure"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestStatisticsPublishedOncePerMonth: each complete month is published
// once, as the table of requests by federal entity and procedure; no
// published count is from 1 to 9, the small ones are marked primary and
// hide their count, the margins add up to what was published, and the
// whole history passes disclosure control's audit. The month under way is
// not published; a month with no request is published as zeros.
func TestStatisticsPublishedOncePerMonth(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC)) // each engine from the start
		file := func(entity string, n int) {
			for i := 0; i < n; i++ {
				c, p := newRequest(fmt.Sprintf("Persona %s %d", entity, i))
				p.Entity = entity
				if _, err := db.FileRequest(ctx, c, p); err != nil {
					t.Fatal(err)
				}
				clock.Advance(time.Minute)
			}
		}
		file("OAX", 15)
		file("GRO", 3)
		file("CDMX", 12)
		// Six entities, one withheld: by entity (docs/statistics.md, "Regions").
		file("JAL", 11)
		file("PUE", 10)
		file("VER", 13)
		if n, err := db.SweepStatistics(ctx, 10); err != nil || n != 0 {
			t.Fatalf("March under way: %d releases, %v", n, err)
		}
		clock.Set(time.Date(2026, 4, 10, 18, 0, 0, 0, time.UTC))
		file("OAX", 11)
		file("GRO", 14)
		clock.Set(time.Date(2026, 6, 3, 18, 0, 0, 0, time.UTC))
		// March, then the first quarter (March closed it); April and May
		// are left by the limit.
		if n, err := db.SweepStatistics(ctx, 2); err != nil || n != 2 {
			t.Fatalf("first sweep: %d periods, %v", n, err)
		}
		if n, err := db.SweepStatistics(ctx, 10); err != nil || n != 2 {
			t.Fatalf("second sweep (April and May, left by the limit): %d periods, %v", n, err)
		}
		if n, err := db.SweepStatistics(ctx, 10); err != nil || n != 0 {
			t.Fatalf("third sweep: %d releases, %v", n, err)
		}
		rels, err := db.StatReleases(ctx, store.SeriesRequests)
		if err != nil || len(rels) != 3 {
			t.Fatalf("releases: %d %v", len(rels), err)
		}
		for i, want := range []string{"2026-03", "2026-04", "2026-05"} {
			if rels[i].Period != want {
				t.Fatalf("release %d is %s, want %s", i, rels[i].Period, want)
			}
		}
		for _, r := range rels {
			for _, c := range r.Cells {
				if c.Published() && c.Value >= 1 && c.Value < 10 {
					t.Fatalf("%s %v: published small count %d", r.Name, c.Labels, c.Value)
				}
				if !c.Published() && c.Value != 0 {
					t.Fatalf("%s %v: suppressed cell carries %d", r.Name, c.Labels, c.Value)
				}
			}
		}
		march := rels[0]
		total := disclosure.TotalLabel
		if c, ok := march.Cell(total, total); !ok || !c.Published() || c.Value != 64 {
			t.Fatalf("March national total: %+v", c)
		}
		if c, _ := march.Cell("GRO", total); c.Status != "primary" {
			t.Fatalf("March, Guerrero (3 requests): %+v", c)
		}
		if c, _ := march.Cell("OAX", total); !c.Published() || c.Value != 15 {
			t.Fatalf("March, Oaxaca: %+v", c)
		}
		if c, _ := rels[2].Cell(total, total); !c.Published() || c.Value != 0 {
			t.Fatalf("May national total: %+v", c)
		}
		every, err := db.StatReleases(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		findings, n, err := db.VerifyStatistics(ctx)
		if err != nil || n != len(every) || n != 4*(len(store.StatSeries())+1) {
			t.Fatalf("verify: %d releases, %v", n, err)
		}
		for _, f := range findings {
			if f.Sensitive() {
				t.Fatalf("verify: %+v", f)
			}
		}
		if _, err := db.StatRelease(ctx, store.SeriesRequests+"/2025-01"); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("unknown release: %v", err)
		}
		if r, err := db.StatRelease(ctx, march.Name); err != nil || len(r.Cells) != len(march.Cells) {
			t.Fatalf("release by name: %v", err)
		}
	})
}

// The indicators: decisions and new beneficiaries by gender and ethnic
// identity, the quarter tied to its months, and times only over 10 cases.
func TestStatisticsIndicators(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(time.Date(2026, 7, 1, 18, 0, 0, 0, time.UTC))
		var admitted, refused int
		for i := 0; i < 40; i++ {
			c, p := newRequest(fmt.Sprintf("Persona %d", i))
			if i%2 == 1 {
				p.Gender, p.Ethnicity = "hombre", ""
			}
			rc, err := db.FileRequest(ctx, c, p)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(14 * time.Hour)
			d := escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}
			if i%3 == 2 {
				d = escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted, Reason: "Sin relación con la labor."}
				refused++
			} else {
				admitted++
			}
			if err := db.DecideAdmission(ctx, rc.CaseID, d); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
		}
		clock.Set(time.Date(2026, 10, 2, 18, 0, 0, 0, time.UTC))
		if _, err := db.SweepStatistics(ctx, 10); err != nil {
			t.Fatal(err)
		}
		total := disclosure.TotalLabel
		q, err := db.StatRelease(ctx, "decisions.quarterly/2026-Q3")
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := q.Cell(string(escudo.AdmissionAdmitted), total); !c.Published() || c.Value != int64(admitted) {
			t.Fatalf("admitted in the quarter: %+v, want %d", c, admitted)
		}
		if c, _ := q.Cell(string(escudo.AdmissionNotAdmitted), total); !c.Published() || c.Value != int64(refused) {
			t.Fatalf("refused in the quarter: %+v, want %d", c, refused)
		}
		g, err := db.StatRelease(ctx, "beneficiaries.gender.quarterly/2026-Q3")
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := g.Cell(total, "woman"); !c.Published() || c.Value < 10 {
			t.Fatalf("women admitted: %+v", c)
		}
		// The quarter's admitted total is the months' atoms, the same the
		// gender table sums.
		qa, _ := q.Cell(string(escudo.AdmissionAdmitted), total)
		ga, _ := g.Cell(total, total)
		records := func(atoms []string) (out []string) {
			for _, a := range atoms {
				if strings.HasPrefix(a, "decisions:") {
					out = append(out, a)
				}
			}
			return out
		}
		if len(records(qa.Atoms)) != 2 || strings.Join(records(qa.Atoms), ",") != strings.Join(records(ga.Atoms), ",") || ga.Value != qa.Value {
			t.Fatalf("decisions and beneficiaries not tied: %v / %v", qa.Atoms, ga.Atoms)
		}
		e, err := db.StatRelease(ctx, "beneficiaries.ethnicity.monthly/2026-07")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range e.Cells {
			if c.Published() && c.Value > 0 && c.Value < 10 {
				t.Fatalf("small ethnicity count: %+v", c)
			}
		}
		times, err := db.StatRelease(ctx, "times.quarterly/2026-Q3")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range times.Figures {
			switch f.Key {
			case "first_response":
				if !f.Published || f.Mean != 0.6 || f.P50 != 0.6 || f.P90 != 0.6 {
					t.Fatalf("time to first response: %+v", f)
				}
			case "evaluation", "measures", "alert_ack":
				if f.Published {
					t.Fatalf("%s published with no record: %+v", f.Key, f)
				}
			}
		}
		if p, err := store.ParseStatPeriod("2026-Q5"); err == nil {
			t.Fatalf("2026-Q5 parsed: %+v", p)
		}
		findings, _, err := db.VerifyStatistics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range findings {
			if f.Sensitive() {
				t.Fatalf("verify: %+v", f)
			}
		}
	})
}

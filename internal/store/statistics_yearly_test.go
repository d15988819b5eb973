package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"escudo/internal/disclosure"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func TestParseStatPeriod(t *testing.T) {
	for _, tc := range []struct {
		in, grain string
		months    int
	}{
		{"2026-10", store.GrainMonth, 1},
		{"2026-Q3", store.GrainQuarter, 3},
		{"2026", store.GrainYear, 12},
		{"1900", store.GrainYear, 12},
		{"2026-13", "", 0},
		{"2026-Q5", "", 0},
		{"2026-Q0", "", 0},
		{"1899", "", 0},
		{"+202", "", 0},
		{"-202", "", 0},
		{"20x6", "", 0},
		{"202", "", 0},
		{"20261", "", 0},
		{"", "", 0},
	} {
		p, err := store.ParseStatPeriod(tc.in)
		if tc.grain == "" {
			if err == nil {
				t.Errorf("%q parsed as %+v", tc.in, p)
			}
			continue
		}
		if err != nil || p.Grain != tc.grain || len(p.Months) != tc.months || p.Name != tc.in {
			t.Errorf("%q: %+v, %v", tc.in, p, err)
		}
	}
	if y, _ := store.ParseStatPeriod("2026"); y.Months[0] != "2026-01" || y.Months[11] != "2026-12" || !y.To.Equal(y.From.AddDate(1, 0, 0)) {
		t.Fatalf("2026: %+v", y)
	}
}

// fileRequests files n requests from the entity at the clock's time.
func fileRequests(t *testing.T, db *store.DB, clock *testdb.Clock, entity string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		c, p := newRequest(fmt.Sprintf("Persona %s %d", entity, i))
		p.Entity = entity
		if _, err := db.FileRequest(context.Background(), c, p); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
	}
}

// total is a release's national total; the test fails unless published.
func total(t *testing.T, db *store.DB, name string) int64 {
	t.Helper()
	r, err := db.StatRelease(context.Background(), name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	c, ok := r.Cell(disclosure.TotalLabel, disclosure.TotalLabel)
	if !ok || !c.Published() {
		t.Fatalf("%s: national total %+v", name, c)
	}
	return c.Value
}

func mustVerify(t *testing.T, db *store.DB) int {
	t.Helper()
	findings, n, err := db.VerifyStatistics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		if f.Sensitive() {
			t.Fatalf("verify: %+v", f)
		}
	}
	rels, err := db.StatReleases(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rels {
		for _, c := range r.Cells {
			if c.Published() && c.Value >= 1 && c.Value < 10 {
				t.Fatalf("%s %v: published small count %d", r.Name, c.Labels, c.Value)
			}
		}
	}
	return n
}

// TestStatisticsYearly: once December and the fourth quarter are
// published, every series gets the year's table; its cells sum its months'
// atoms, its total is the months', and the history with the year in it
// passes the audit, small cells still withheld. The year is published once.
func TestStatisticsYearly(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, m := range []time.Month{2, 5, 8, 11, 12} {
			clock.Set(time.Date(2025, m, 10, 18, 0, 0, 0, time.UTC))
			fileRequests(t, db, clock, "OAX", 12)
			fileRequests(t, db, clock, "CDMX", 10+int(m))
			fileRequests(t, db, clock, "GRO", int(m)%4+1) // 1 to 4 a month
		}
		clock.Set(time.Date(2025, 12, 20, 18, 0, 0, 0, time.UTC))
		if _, err := db.SweepStatistics(ctx, 1000); err != nil {
			t.Fatal(err)
		}
		if _, err := db.StatRelease(ctx, "requests.yearly/2025"); err == nil {
			t.Fatal("the year published before December is over")
		}
		clock.Set(time.Date(2026, 1, 2, 18, 0, 0, 0, time.UTC))
		n, err := db.SweepStatistics(ctx, 1000)
		if err != nil || n != 3 { // December, the fourth quarter, the year
			t.Fatalf("sweep after December: %d periods, %v", n, err)
		}
		if n, err := db.SweepStatistics(ctx, 1000); err != nil || n != 0 {
			t.Fatalf("second sweep: %d periods, %v", n, err)
		}
		for _, s := range append(store.StatSeries(), store.SeriesTimes) {
			r, err := db.StatRelease(ctx, s+".yearly/2025")
			if err != nil || r.Period != "2025" || r.Series != s+".yearly" {
				t.Fatalf("%s: %+v %v", s, r, err)
			}
		}
		var months int64
		for m := 2; m <= 12; m++ {
			months += total(t, db, fmt.Sprintf("requests.monthly/2025-%02d", m))
		}
		if y := total(t, db, "requests.yearly/2025"); y != months || y != 5*12+88+11 {
			t.Fatalf("the year's total %d, its months' %d", y, months)
		}
		y, _ := db.StatRelease(ctx, "requests.yearly/2025")
		c, _ := y.Cell(disclosure.TotalLabel, disclosure.TotalLabel)
		// Its atoms are its months' (a cell with no record has one of its
		// own, known to be zero).
		monthly := 0
		for _, a := range c.Atoms {
			switch {
			case strings.HasPrefix(a, "requests.monthly:2025-"):
				monthly++
			case !strings.HasPrefix(a, "requests.yearly:2025:"):
				t.Fatalf("the year's atom %s", a)
			}
		}
		if monthly != 3*5 {
			t.Fatalf("the year's total sums %d atoms of its months", monthly)
		}
		// Guerrero: 11 in the year, each month under 10 (so primary): the
		// year must not let the months be worked out.
		if g, _ := y.Cell("GRO", disclosure.TotalLabel); g.Published() && g.Value != 11 {
			t.Fatalf("Guerrero in the year: %+v", g)
		}
		if n := mustVerify(t, db); n != (11+4+1)*(len(store.StatSeries())+1) {
			t.Fatalf("%d releases audited", n)
		}
	})
}

// TestBackdatedRecordChangesNothingPublished: a request written after its
// month was published, with a date in that month (a bulk import), is in
// none of its tables: the quarter and the year still equal the sum of
// what their months published, so no difference reveals the late entries.
func TestBackdatedRecordChangesNothingPublished(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, m := range []time.Month{7, 8, 9, 10, 11, 12} {
			clock.Set(time.Date(2026, m, 10, 18, 0, 0, 0, time.UTC))
			fileRequests(t, db, clock, "OAX", 15)
		}
		clock.Set(time.Date(2026, 8, 3, 18, 0, 0, 0, time.UTC))
		if _, err := db.SweepStatistics(ctx, 1000); err != nil { // July
			t.Fatal(err)
		}
		if n := total(t, db, "requests.monthly/2026-07"); n != 15 {
			t.Fatalf("July: %d", n)
		}
		// Written in August, dated in July.
		clock.Set(time.Date(2026, 7, 20, 18, 0, 0, 0, time.UTC))
		fileRequests(t, db, clock, "OAX", 2)
		clock.Set(time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC))
		if _, err := db.SweepStatistics(ctx, 1000); err != nil { // to November, the third quarter
			t.Fatal(err)
		}
		// And one in November, after November was published.
		clock.Set(time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC))
		fileRequests(t, db, clock, "OAX", 1)
		clock.Set(time.Date(2027, 1, 3, 18, 0, 0, 0, time.UTC))
		if _, err := db.SweepStatistics(ctx, 1000); err != nil {
			t.Fatal(err)
		}
		sum := func(months ...string) (n int64) {
			for _, m := range months {
				n += total(t, db, "requests.monthly/"+m)
			}
			return n
		}
		if q, m := total(t, db, "requests.quarterly/2026-Q3"), sum("2026-07", "2026-08", "2026-09"); q != m || q != 45 {
			t.Fatalf("third quarter %d, its months %d", q, m)
		}
		if q, m := total(t, db, "requests.quarterly/2026-Q4"), sum("2026-10", "2026-11", "2026-12"); q != m || q != 45 {
			t.Fatalf("fourth quarter %d, its months %d", q, m)
		}
		if y, m := total(t, db, "requests.yearly/2026"), sum("2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"); y != m || y != 90 {
			t.Fatalf("the year %d, its months %d", y, m)
		}
		mustVerify(t, db)
	})
}

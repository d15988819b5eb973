package http

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// BenchmarkFundReport: a ledger written straight into the tables, the
// demo's size (2 years, 50 measures paid monthly) and ten years (400
// measures paid monthly, about 24,000 entries), every fund quarter before
// the last published; it times publishing the last quarter (the sweep's
// work: three tables protected against the whole history) and then a
// reader's request for the public report, as HTML and as PDF.
//
//	go test ./internal/http -run '^$' -bench FundReport -benchtime 20x
func BenchmarkFundReport(b *testing.B) {
	for _, size := range []struct {
		name            string
		years, measures int
	}{{"demo", 2, 50}, {"ten-years", 10, 400}} {
		for _, engine := range []string{"sqlite", "postgres"} {
			b.Run(size.name+"/"+engine, func(b *testing.B) {
				clock := testdb.NewClock(time.Date(2026, 7, 5, 18, 0, 0, 0, time.UTC))
				var db *store.DB
				if engine == "sqlite" {
					db = testdb.OpenSQLite(b, testdb.Options{Now: clock.Now})
				} else {
					db = testdb.OpenPostgres(b, testdb.Options{Now: clock.Now})
				}
				ctx := context.Background()
				entries := benchLedger(b, db, 2027-size.years, size.measures)
				start := time.Now()
				if _, err := db.SweepFundReleases(ctx, 1000); err != nil { // to 2026-Q2
					b.Fatal(err)
				}
				history := time.Since(start)
				clock.Set(time.Date(2026, 10, 5, 18, 0, 0, 0, time.UTC))
				start = time.Now()
				if n, err := db.SweepFundReleases(ctx, 1000); err != nil || n != 1 {
					b.Fatalf("last quarter: %d, %v", n, err)
				}
				publish := time.Since(start)
				site := newWebSite(b, db, Options{})
				var html, pdf int
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					h := site.get("/transparencia/fondo?periodo=2026-Q3", "Accept", "text/html")
					p := site.get("/transparencia/fondo?periodo=2026-Q3&formato=pdf")
					if h.Status != 200 || p.Status != 200 || !strings.Contains(h.Body, "chart-fund-totals") {
						b.Fatalf("report: %d %d", h.Status, p.Status)
					}
					html, pdf = len(h.Body), len(p.Body)
				}
				b.ReportMetric(float64(entries), "entries")
				b.ReportMetric(history.Seconds(), "s-history")
				b.ReportMetric(publish.Seconds()*1000, "ms-publish-quarter")
				b.ReportMetric(float64(html), "html-bytes")
				b.ReportMetric(float64(pdf), "pdf-bytes")
			})
		}
	}
}

// benchLedger writes years of the fund from first to September 2026: a
// budget, one contract per kind of measure and one for costs tied to no
// measure, a commitment under each, and each month a payment for every
// measure granted by then and a fee; it returns how many entries it wrote.
func benchLedger(b *testing.B, db *store.DB, first, measures int) int {
	b.Helper()
	ctx := context.Background()
	rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "x"},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Persona", Entity: "OAX"})
	if err != nil {
		b.Fatal(err)
	}
	kinds := []string{"escort", "building_protection", "panic_button", "cameras", "armoured_vehicle", "psychosocial_support", "safe_house", "temporary_relocation"}
	exec := func(q string, args ...any) {
		if err := db.WithTx(ctx, true, func(tx *store.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
			b.Fatal(err)
		}
	}
	exec(`INSERT INTO agencies (id, code, name, level, created_at) VALUES (9001, 'bench', 'Bench', 'federal', 0)`)
	start := time.Date(first, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).Sub(start)
	granted := make([]time.Time, measures)
	for i := range granted {
		granted[i] = start.Add(time.Duration(int64(span) / int64(measures) * int64(i)))
		exec(`INSERT INTO granted_measures (id, case_id, measure, kind, agency_id, status, source, deadline, granted_at, updated_at) VALUES (?, ?, ?, 'urgent', 9001, 'implemented', 'urgent', 0, ?, ?)`,
			10000+i, rc.CaseID, kinds[i%len(kinds)], granted[i].UnixMicro(), granted[i].UnixMicro())
	}
	entries, id, cid := 0, 100000, 100000
	var rows []any
	flush := func() {
		if len(rows) == 0 {
			return
		}
		n := len(rows) / 7
		q := `INSERT INTO fund_entries (id, fiscal_year, kind, amount_centavos, entry_date, contract_id, commitment_id, measure_id, at) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, 0), ", n), ", ")
		var args []any
		for i := 0; i < n; i++ {
			r := rows[i*7 : i*7+7]
			var m any
			if r[6].(int) != 0 {
				m = r[6]
			}
			var cm any
			if r[5].(int) != 0 {
				cm = r[5]
			}
			var ct any
			if r[4].(int) != 0 {
				ct = r[4]
			}
			args = append(args, r[0], r[1].(time.Time).Year(), r[2], r[3], r[1].(time.Time).Format("2006-01-02"), ct, cm, m)
		}
		exec(q, args...)
		entries += n
		rows = rows[:0]
	}
	entry := func(day time.Time, kind string, amount, contract, commitment, measure int) int {
		id++
		rows = append(rows, id, day, kind, amount, contract, commitment, measure)
		if len(rows) >= 7*300 {
			flush()
		}
		return id
	}
	for y := first; y <= 2026; y++ {
		exec(`INSERT INTO fund_years (fiscal_year) VALUES (?)`, y)
		entry(time.Date(y, 1, 2, 0, 0, 0, 0, time.UTC), "budget", 310_000_000_00, 0, 0, 0)
		commit := map[string]int{}
		for _, k := range append([]string{"none"}, kinds...) {
			cid++
			signed := time.Date(y, 1, 10, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
			exec(`INSERT INTO fund_contracts (id, fiscal_year, title, supplier_name, method, value_centavos, signed_on, starts_on, ends_on, at) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, 0)`,
				cid, y, "Contrato "+k, fmt.Sprintf("Proveedor %s SA", k), 30_000_000_00, signed, signed, fmt.Sprintf("%d-12-31", y))
			flush() // the contract first, for the foreign key
			commit[k] = entry(time.Date(y, 1, 11, 0, 0, 0, 0, time.UTC), "commitment", 30_000_000_00, cid, 0, 0)
			commit[k+"/contract"] = cid
		}
		for m := time.January; m <= time.December; m++ {
			day := time.Date(y, m, 5, 0, 0, 0, 0, time.UTC)
			if !day.Before(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) {
				break
			}
			entry(day, "payment", 400_000_00, commit["none/contract"], commit["none"], 0)
			for i, g := range granted {
				if g.Before(day) {
					k := kinds[i%len(kinds)]
					entry(day, "payment", 12_000_00+i, commit[k+"/contract"], commit[k], 10000+i)
				}
			}
		}
	}
	flush()
	return entries
}

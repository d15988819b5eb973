package report_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/i18n"
	"escudo/internal/report"
	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/vault"
)

// BenchmarkQuarterlyReport: ten years of data (50,000 cases, about
// 1,000,000 events: milestones, measure history, incidents, alerts) with
// every month, quarter and year before the last published. It times
// publishing the year 2025 (December, the fourth quarter, then the year's
// tables, each tying twelve months and four quarters), then, with the ten
// years in the history, one month (July 2026) and the rest of the last
// quarter (the sweep's work), and then building and writing the quarterly
// and the annual report in HTML and PDF (a reader's request).
//
//	go test ./internal/report -run '^$' -bench QuarterlyReport -benchtime 5x
func BenchmarkQuarterlyReport(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			now := time.Date(2025, 12, 5, 18, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			var db *store.DB
			if engine == "sqlite" {
				db = testdb.OpenSQLite(b, testdb.Options{Now: clock})
			} else {
				db = testdb.OpenPostgres(b, testdb.Options{Now: clock})
			}
			ctx := context.Background()
			events := tenYears(b, db)
			sweep := func(limit, want int) time.Duration {
				start := time.Now()
				n, err := db.SweepStatistics(ctx, limit)
				if err != nil || (want > 0 && n != want) {
					b.Fatalf("sweep at %s: %d periods, %v", now.Format("2006-01"), n, err)
				}
				b.Logf("sweep at %s: %s", now.Format("2006-01"), time.Since(start))
				return time.Since(start)
			}
			history := sweep(10000, 0) // to November 2025
			now = time.Date(2026, 1, 5, 18, 0, 0, 0, time.UTC)
			decQ4 := sweep(2, 2)
			year := sweep(1, 1)
			now = time.Date(2026, 7, 5, 18, 0, 0, 0, time.UTC)
			history += sweep(10000, 0) // to 2026-Q2
			now = time.Date(2026, 10, 5, 18, 0, 0, 0, time.UTC)
			month := sweep(1, 1)
			rest := sweep(1000, 3)
			bundle := i18n.MustNew()
			var quarterly, yearly time.Duration
			write := func(kind, period string) time.Duration {
				start := time.Now()
				r, err := report.Build(ctx, db, bundle, "es-MX", kind, period, nil)
				if err != nil {
					b.Fatal(err)
				}
				var h bytes.Buffer
				if err := r.HTML(&h); err != nil {
					b.Fatal(err)
				}
				if _, err := r.PDF(); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				quarterly += write(report.Quarterly, "2026-Q3")
				yearly += write(report.Yearly, "2025")
			}
			b.StopTimer()
			all, err := db.StatReleases(ctx, "")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(events), "events")
			b.ReportMetric(float64(len(all)), "releases")
			b.ReportMetric(history.Seconds(), "s-history")
			b.ReportMetric(decQ4.Seconds(), "s-publish-dec+q4")
			b.ReportMetric(year.Seconds(), "s-publish-year")
			b.ReportMetric(month.Seconds(), "s-publish-month")
			b.ReportMetric((month + rest).Seconds(), "s-publish-quarter")
			b.ReportMetric(quarterly.Seconds()*1000/float64(b.N), "ms-quarterly-report")
			b.ReportMetric(yearly.Seconds()*1000/float64(b.N), "ms-yearly-report")
		})
	}
}

// tenYears writes 50,000 cases from October 2016 to September 2026 with
// their decisions, evaluations, measures, incidents and alerts, straight
// into the tables, and returns how many events it wrote.
func tenYears(b *testing.B, db *store.DB) int {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	from := time.Date(2016, 10, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	span := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).UnixMicro() - from
	day := int64(24 * time.Hour / time.Microsecond)
	const cases = 50000
	events := 0
	type batch struct {
		head string
		cols int
		rows []any
	}
	flush := func(bt *batch) {
		if len(bt.rows) == 0 {
			return
		}
		n := len(bt.rows) / bt.cols
		ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", bt.cols), ", ") + ")"
		q := bt.head + " VALUES " + strings.TrimSuffix(strings.Repeat(ph+", ", n), ", ")
		if err := db.WithTx(ctx, true, func(tx *store.Tx) error { _, err := tx.Exec(ctx, q, bt.rows...); return err }); err != nil {
			b.Fatal(err)
		}
		bt.rows = bt.rows[:0]
	}
	// Rows are flushed in the order of their foreign keys, and no
	// statement takes more than a few thousand parameters.
	add := func(bt *batch, v ...any) { bt.rows = append(bt.rows, v...) }
	people := &batch{head: "INSERT INTO people (id, kind, profile, entity, gender_enc, created_at, updated_at)", cols: 7}
	cs := &batch{head: "INSERT INTO cases (id, reference, code_mac, person_id, channel, received_at, imminent_danger, procedure, admission, stage, entity, entity_bidx, created_at, updated_at)", cols: 14}
	ms := &batch{head: "INSERT INTO case_milestones (case_id, milestone, at)", cols: 3}
	gm := &batch{head: "INSERT INTO granted_measures (id, case_id, measure, kind, agency_id, status, source, deadline, granted_at, updated_at)", cols: 10}
	mh := &batch{head: "INSERT INTO measure_history (measure_id, at, from_status, to_status, what)", cols: 5}
	inc := &batch{head: "INSERT INTO incidents (case_id, kind, aggressor, occurred_at, time_precision, entity, place_precision, recorded_at)", cols: 8}
	al := &batch{head: "INSERT INTO alerts (person_id, entity, type, source, status, received_at, stored_at, acknowledged_at)", cols: 8}
	if err := db.WithTx(ctx, true, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO agencies (id, code, name, level, created_at) VALUES (1, 'bench', 'Bench', 'federal', 0)`)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	var entities []string
	for _, e := range escudo.FederalEntities {
		entities = append(entities, e.Code)
	}
	kinds := []string{"urgent", "protection", "preventive", "psychosocial", "safe_house"}
	genders := []string{"mujer", "hombre", "", "no binaria"}
	measure := 0
	for i := 1; i <= cases; i++ {
		if i%200 == 0 {
			for _, bt := range []*batch{people, cs, ms, gm, mh, inc} {
				flush(bt)
			}
		}
		at := from + rng.Int64N(span-90*day)
		ent := entities[rng.IntN(len(entities))]
		g, err := db.Keys.SealString(vault.Identity, "people.gender", genders[rng.IntN(len(genders))])
		if err != nil {
			b.Fatal(err)
		}
		profile := []string{"defender", "journalist", "both"}[rng.IntN(3)]
		add(people, i, "individual", profile, "", g, at, at)
		proc, adm, stage := "ordinary", "admitted", "evaluation"
		if rng.IntN(4) == 0 {
			proc = "extraordinary"
		}
		if rng.IntN(5) == 0 {
			adm, stage = "not_admitted", "closed"
		}
		add(cs, i, fmt.Sprintf("B-%06d", i), []byte{1}, i, "web", at, 0, proc, adm, stage, "", db.Keys.BlindIndex("entity", ent), at, at)
		add(ms, i, "received", at)
		decided := at + day + rng.Int64N(5*day)
		events += 2
		if adm == "not_admitted" {
			add(ms, i, "closed", decided)
			continue
		}
		add(ms, i, "admitted", decided)
		add(ms, i, "evaluated", decided+20*day+rng.Int64N(20*day))
		events += 2
		if rng.IntN(10) < 4 {
			measure++
			granted := decided + 25*day + rng.Int64N(30*day)
			source := "board"
			if proc == "extraordinary" {
				source = "urgent"
			}
			add(gm, measure, i, "m", kinds[rng.IntN(len(kinds))], 1, "in_force", source, granted+30*day, granted, granted)
			add(mh, measure, granted, "", "granted", "grant")
			add(mh, measure, granted+5*day+rng.Int64N(25*day), "implementing", "awaiting_confirmation", "move")
			add(mh, measure, granted+35*day, "awaiting_confirmation", "in_force", "confirm")
			events += 3
		}
		if rng.IntN(5) == 0 {
			occ := decided + rng.Int64N(200*day)
			kind := "threat"
			if rng.IntN(200) == 0 {
				kind = "killing"
			}
			add(inc, i, kind, "unknown", occ, "day", ent, "entity", occ+rng.Int64N(3*day))
			events++
		}
	}
	for _, bt := range []*batch{people, cs, ms, gm, mh, inc} {
		flush(bt)
	}
	for events < 1000000 {
		p := 1 + rng.IntN(cases)
		at := from + rng.Int64N(span)
		ack := any(nil)
		if rng.IntN(50) != 0 {
			ack = at + int64(2+rng.IntN(30))*1e6
		}
		add(al, p, "OAX", []string{"panic", "alarm", "device_silent", "low_battery"}[rng.IntN(4)], "device", "resolved", at, at, ack)
		events++
		if len(al.rows) >= 500*al.cols {
			flush(al)
		}
	}
	flush(al)
	return events
}

package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"escudo"
	"escudo/internal/prevention"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The budgets of issue 15 (docs/benchmarks.md):
//
//   - a beneficiary's incident timeline (their incidents, sealed
//     descriptions opened, with investigations, and the audited read) with
//     10,000 incidents in the database: p99 ≤ 50 ms on each engine;
//
//   - the early-warning sweep over 10 years of incidents (100,000 on 2,000
//     cases in 32 entities and 96 municipalities): ≤ 1 s on each engine.
//
//     go test ./internal/store -run '^$' -bench 'IncidentTimeline|WarningSweep' -benchtime 200x
func BenchmarkIncidentTimeline(b *testing.B) {
	incidentEngines(b, func(b *testing.B, engine string) {
		db, target := incidentBenchDB(b, engine, 10_000)
		ctx := context.Background()
		measureP99(b, func() {
			list, err := db.CaseIncidents(ctx, target, store.Opened{Risk: true})
			if err != nil || len(list) < 40 {
				b.Fatalf("timeline: %d %v", len(list), err)
			}
		})
	})
}

func BenchmarkWarningSweep(b *testing.B) {
	incidentEngines(b, func(b *testing.B, engine string) {
		db, _ := incidentBenchDB(b, engine, 100_000)
		ctx := context.Background()
		measureP99(b, func() {
			if _, err := db.SweepWarnings(ctx, 1000); err != nil {
				b.Fatal(err)
			}
		})
	})
}

func incidentEngines(b *testing.B, fn func(b *testing.B, engine string)) {
	for _, e := range engines {
		if e == "postgres" && os.Getenv("ESCUDO_TEST_POSTGRES_URL") == "" {
			continue
		}
		b.Run(e, func(b *testing.B) { fn(b, e) })
	}
}

// measureP99 runs f b.N times after a warm-up and reports p50 and p99.
func measureP99(b *testing.B, f func()) {
	b.Helper()
	for range 3 {
		f()
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		f()
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(x float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*x))]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// incidentBenchDB: 2,000 cases, n incidents spread over 10 years as rows
// (statistics read no sealed field), and one target case whose 40
// incidents, 20 with an investigation, went through RecordIncident.
func incidentBenchDB(b *testing.B, engine string, n int) (*store.DB, int64) {
	b.Helper()
	clock := testdb.NewClock(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	var db *store.DB
	if engine == "sqlite" {
		db = testdb.OpenSQLite(b, testdb.Options{Now: clock.Now})
	} else {
		db = testdb.OpenPostgres(b, testdb.Options{Now: clock.Now})
	}
	ctx := context.Background()
	now := db.Now()
	const cases = 2000
	reqs := make([]store.BulkRequest, cases)
	for i := range reqs {
		e := escudo.FederalEntities[i%len(escudo.FederalEntities)]
		reqs[i] = store.BulkRequest{
			Case:   &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas.", ReceivedAt: now.Add(-time.Duration(400+i%300) * 24 * time.Hour)},
			Person: &escudo.Person{Kind: escudo.KindIndividual, Profile: []escudo.Profile{escudo.ProfileDefender, escudo.ProfileJournalist}[i%2], Name: fmt.Sprintf("Persona %d", i), Entity: e.Code},
		}
	}
	rcpts, err := db.FileRequests(ctx, reqs, 0)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(15, 2026)) // #nosec G404 -- reproducible benchmark data, not a secret
	span := int64(10 * 365 * 24 * time.Hour / time.Minute)
	err = db.WithTx(ctx, true, func(tx *store.Tx) error {
		for i := range n - 40 {
			c := r.IntN(cases)
			e := escudo.FederalEntities[c%len(escudo.FederalEntities)].Code
			at := now.Add(-time.Duration(r.Int64N(span)+60) * time.Minute)
			if _, err := tx.Exec(ctx, `INSERT INTO incidents (case_id, kind, aggressor, occurred_at, time_precision, entity, municipality, place_precision, serious, recorded_at)
				VALUES (?, ?, ?, ?, 'day', ?, ?, 'municipality', 0, ?)`, rcpts[c].CaseID, string(prevention.IncidentKinds[i%len(prevention.IncidentKinds)]),
				string(prevention.AggressorTypes[r.IntN(len(prevention.AggressorTypes))]), at.UnixMicro(), e, fmt.Sprintf("Municipio %d", r.IntN(3)), now.UnixMicro()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	target := rcpts[7].CaseID
	for i := range 40 {
		in := threat(target, now.Add(-time.Duration(i+1)*72*time.Hour))
		id, err := db.RecordIncident(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := db.AddInvestigation(ctx, &prevention.Investigation{IncidentID: id, Authority: "FGE", FileNumber: fmt.Sprintf("CI/%d", i), Status: prevention.InvOpen, OpenedAt: in.OccurredAt}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if db.Dialect == store.Postgres {
		_ = db.WithTx(ctx, true, func(tx *store.Tx) error { _, err := tx.Exec(ctx, `ANALYZE`); return err })
	}
	return db, target
}

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
	"escudo/internal/coordination"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// BenchmarkAgencyPerformance measures the agency performance table (the
// facts of a year's requests read from the store and tallied per agency
// and per federal entity, with medians and 90th percentiles) over 100,000
// requests from 2,000 cases in 32 entities to 64 agencies. Budget: ≤ 1 s
// on each engine.
//
//	go test ./internal/store -run '^$' -bench AgencyPerformance -benchtime 20x
func BenchmarkAgencyPerformance(b *testing.B) {
	for _, e := range engines {
		if e == "postgres" && os.Getenv("ESCUDO_TEST_POSTGRES_URL") == "" {
			continue
		}
		db := requestBenchDB(b, e)
		b.Run(e, func(b *testing.B) {
			ctx := context.Background()
			now := db.Now()
			run := func() int {
				facts, err := db.RequestFacts(ctx, now.AddDate(-1, 0, 0), now.Add(time.Hour))
				if err != nil {
					b.Fatal(err)
				}
				byAgency, byEntity := coordination.Tally(facts, now)
				if len(byAgency) != 64 || len(byEntity) != 32 {
					b.Fatalf("%d agencies, %d entities", len(byAgency), len(byEntity))
				}
				return len(facts)
			}
			if n := run(); n != 100000 {
				b.Fatalf("%d facts, want 100,000", n)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for b.Loop() {
				t := time.Now()
				run()
				lat = append(lat, time.Since(t))
			}
			b.StopTimer()
			slices.Sort(lat)
			at := func(q float64) float64 {
				return float64(lat[min(len(lat)-1, int(float64(len(lat))*q))]) / float64(time.Millisecond)
			}
			b.ReportMetric(at(0.5), "p50-ms")
			b.ReportMetric(at(0.99), "p99-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func requestBenchDB(b *testing.B, engine string) *store.DB {
	b.Helper()
	var db *store.DB
	if engine == "sqlite" {
		db = testdb.OpenSQLite(b, testdb.Options{})
	} else {
		db = testdb.OpenPostgres(b, testdb.Options{})
	}
	ctx := context.Background()
	r := rand.New(rand.NewPCG(15, 2026)) // #nosec G404 -- reproducible benchmark data, not a secret
	const cases, total, agencies = 2000, 100000, 64
	reqs := make([]store.BulkRequest, cases)
	now := db.Now()
	for i := range reqs {
		e := escudo.FederalEntities[i%len(escudo.FederalEntities)]
		reqs[i] = store.BulkRequest{
			Case:   &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas.", ReceivedAt: now.Add(-400 * 24 * time.Hour)},
			Person: &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: fmt.Sprintf("Persona %d", i), Entity: e.Code},
		}
	}
	rcpts, err := db.FileRequests(ctx, reqs, 0)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, agencies)
	for i := range ids {
		if ids[i], err = db.AddAgency(ctx, escudo.Agency{Code: fmt.Sprintf("agency-%02d", i), Name: fmt.Sprintf("Dependencia %02d", i), Level: escudo.AgencyFederal}); err != nil {
			b.Fatal(err)
		}
	}
	kinds := coordination.RequestKinds
	hour := int64(time.Hour / time.Microsecond)
	for batch := 0; batch < total; batch += 5000 {
		err = db.WithTx(ctx, true, func(tx *store.Tx) error {
			for i := batch; i < batch+5000; i++ {
				c := i % cases
				sent := now.Add(-time.Duration(r.IntN(360*24)) * time.Hour).UnixMicro()
				deadline := sent + int64(24+r.IntN(240))*hour
				status, ack, done := "sent", any(nil), any(nil)
				switch x := r.IntN(10); {
				case x < 6:
					status, ack, done = "completed", sent+int64(1+r.IntN(72))*hour, sent+int64(4+r.IntN(400))*hour
				case x < 8:
					status, ack = "acknowledged", sent+int64(1+r.IntN(72))*hour
				case x == 8:
					status = "cancelled"
				}
				if _, err := tx.Exec(ctx, `INSERT INTO agency_requests (case_id, agency_id, kind, legal_basis, entity, deadline, status, sent_at,
					acknowledged_at, completed_at, updated_at) VALUES (?, ?, ?, 'Convenio.', ?, ?, ?, ?, ?, ?, ?)`,
					rcpts[c].CaseID, ids[r.IntN(agencies)], string(kinds[r.IntN(len(kinds))]), escudo.FederalEntities[c%32].Code,
					deadline, status, sent, ack, done, sent); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if db.Dialect == store.Postgres {
		_ = db.WithTx(ctx, true, func(tx *store.Tx) error { _, err := tx.Exec(ctx, `ANALYZE`); return err })
	}
	return db
}

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
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// BenchmarkMeasureDashboard measures the measures dashboard (counts by
// status, kind and agency with overdue ages, and the 50 most pressing) over
// 20,000 granted measures on 2,000 cases in 32 entities, 40 agencies: the
// whole country, one status, one entity (through the entity's blind index)
// and one liaison's agency. Budget: p99 ≤ 50 ms on each engine.
//
//	go test ./internal/store -run '^$' -bench MeasureDashboard -benchtime 300x
func BenchmarkMeasureDashboard(b *testing.B) {
	// Built once, for the whole benchmark: its cleanup closes them.
	dbs := map[string]*store.DB{}
	for _, e := range engines {
		if e == "postgres" && os.Getenv("ESCUDO_TEST_POSTGRES_URL") == "" {
			continue
		}
		dbs[e] = measureBenchDB(b, e)
	}
	for _, f := range []struct {
		name string
		f    store.MeasureFilter
	}{
		{"all", store.MeasureFilter{}},
		{"status=implementing", store.MeasureFilter{Status: escudo.MeasureImplementing}},
		{"entity=OAX", store.MeasureFilter{Entity: "OAX"}},
		{"liaison", store.MeasureFilter{Agency: "agency-07", LiaisonID: -1}},
	} {
		b.Run(f.name, func(b *testing.B) {
			for _, e := range engines {
				db := dbs[e]
				if db == nil {
					continue
				}
				b.Run(e, func(b *testing.B) {
					ctx := context.Background()
					for range 5 {
						if _, err := db.MeasureDashboard(ctx, f.f); err != nil {
							b.Fatal(err)
						}
					}
					lat := make([]time.Duration, 0, b.N)
					cpu := make([]time.Duration, 0, b.N)
					b.ResetTimer()
					for b.Loop() {
						c0 := processCPU()
						t := time.Now()
						d, err := db.MeasureDashboard(ctx, f.f)
						if err != nil {
							b.Fatal(err)
						}
						lat = append(lat, time.Since(t))
						cpu = append(cpu, processCPU()-c0)
						if d.Total == 0 || len(d.Rows) == 0 {
							b.Fatalf("empty dashboard: %+v", d)
						}
					}
					b.StopTimer()
					p := func(d []time.Duration, q float64) float64 {
						slices.Sort(d)
						return float64(d[min(len(d)-1, int(float64(len(d))*q))]) / float64(time.Millisecond)
					}
					b.ReportMetric(p(lat, 0.50), "p50-ms")
					b.ReportMetric(p(lat, 0.99), "p99-ms")
					// CPU of this process per call (SQLite runs in it; PostgreSQL's own work is not counted).
					b.ReportMetric(p(cpu, 0.99), "cpu-p99-ms")
					b.ReportMetric(0, "ns/op")
				})
			}
		})
	}
}

// measureBenchDB builds the data set of an engine: the cases
// through the bulk loader, the measures written as rows (their sealed
// details are not what the dashboard reads).
func measureBenchDB(b *testing.B, engine string) *store.DB {
	b.Helper()
	var db *store.DB
	if engine == "sqlite" {
		db = testdb.OpenSQLite(b, testdb.Options{})
	} else {
		db = testdb.OpenPostgres(b, testdb.Options{})
	}
	ctx := context.Background()
	r := rand.New(rand.NewPCG(14, 2026)) // #nosec G404 -- reproducible benchmark data, not a secret
	const cases, perCase, agencies = 2000, 10, 40
	reqs := make([]store.BulkRequest, cases)
	now := db.Now()
	for i := range reqs {
		e := escudo.FederalEntities[i%len(escudo.FederalEntities)]
		reqs[i] = store.BulkRequest{
			Case:   &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas.", ReceivedAt: now.Add(-time.Duration(400+i%300) * 24 * time.Hour)},
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
	kinds := []string{"urgent", "protection", "preventive", "psychosocial", "safe_house"}
	ms := []string{"escort", "panic_button", "observers", "psychosocial_support", "safe_house"}
	err = db.WithTx(ctx, true, func(tx *store.Tx) error {
		for _, rc := range rcpts {
			for range perCase {
				k := r.IntN(len(kinds))
				st := escudo.MeasureStatuses[r.IntN(len(escudo.MeasureStatuses))]
				deadline := now.Add(time.Duration(r.IntN(120)-60) * 24 * time.Hour)
				src := "board"
				if k == 0 {
					src = "urgent"
				}
				if _, err := tx.Exec(ctx, `INSERT INTO granted_measures (case_id, measure, kind, agency_id, status, source, deadline, granted_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, rc.CaseID, ms[k], kinds[k], ids[r.IntN(agencies)], string(st), src,
					deadline.UnixMicro(), now.UnixMicro(), now.UnixMicro()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if db.Dialect == store.Postgres {
		_ = db.WithTx(ctx, true, func(tx *store.Tx) error { _, err := tx.Exec(ctx, `ANALYZE`); return err })
	}
	return db
}

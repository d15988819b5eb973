package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// BenchmarkCalibrationReport measures the calibration report (query,
// opening every sealed calibration_enc, aggregation and the test) over
// 50,000 submitted evaluations of 20 analysts on 200 cases, on each
// engine. Budget: 1 s.
//
//	ESCUDO_TEST_POSTGRES_URL=… go test ./internal/store -run '^$' -bench CalibrationReport -benchtime 10x
func BenchmarkCalibrationReport(b *testing.B) {
	const n = 50_000
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) {
			var db *store.DB
			if engine == "sqlite" {
				db = testdb.OpenSQLite(b, testdb.Options{})
			} else {
				if os.Getenv("ESCUDO_TEST_POSTGRES_URL") == "" {
					b.Skip("set ESCUDO_TEST_POSTGRES_URL")
				}
				db = testdb.OpenPostgres(b, testdb.Options{})
			}
			ctx := context.Background()
			var cases, analysts []int64
			for i := range 20 {
				u := &escudo.User{Username: fmt.Sprintf("analista%02d", i), DisplayName: fmt.Sprintf("Analista %02d", i), Role: escudo.RoleAnalyst}
				if err := db.CreateUser(ctx, u, "contraseña-de-prueba-larga"); err != nil {
					b.Fatal(err)
				}
				analysts = append(analysts, u.ID)
			}
			for i := range 200 {
				c, p := newRequest(fmt.Sprintf("Persona %d", i))
				rc, err := db.FileRequest(ctx, c, p)
				if err != nil {
					b.Fatal(err)
				}
				cases = append(cases, rc.CaseID)
			}
			t := time.Now()
			if err := db.BulkEvaluationsForTest(ctx, cases, analysts, n); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: %d evaluations written in %v", engine, n, time.Since(t))
			b.ResetTimer()
			for b.Loop() {
				r, err := db.CalibrationReport(ctx, store.CalibrationFilter{})
				if err != nil {
					b.Fatal(err)
				}
				if r.Total.Count != n || len(r.Analysts) != 20 {
					b.Fatalf("report of %d evaluations, %d analysts", r.Total.Count, len(r.Analysts))
				}
			}
		})
	}
}

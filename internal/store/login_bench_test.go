package store_test

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// BenchmarkLogin measures a password sign-in (argon2id with the production
// parameters, the account read and the audit entry) with four sign-ins in
// flight on the two cores, as at a shift change. Budget: p99 ≤ 300 ms.
//
//	go test ./internal/store -run '^$' -bench Login -benchtime 200x
func BenchmarkLogin(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
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
			u := &escudo.User{Username: "guardia", DisplayName: "Guardia", Role: escudo.RoleDuty}
			if err := db.CreateUser(ctx, u, "una contraseña bastante larga"); err != nil {
				b.Fatal(err)
			}
			const inflight = 4
			lat := make([]time.Duration, 0, b.N)
			var mu sync.Mutex
			work := make(chan int)
			var wg sync.WaitGroup
			b.ResetTimer()
			for w := 0; w < inflight; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range work {
						pw := "una contraseña bastante larga"
						if i%4 == 3 {
							pw = "contraseña equivocada" // failures cost the same work
						}
						t := time.Now()
						_, err := db.Authenticate(ctx, "guardia", pw)
						d := time.Since(t)
						if (err == nil) == (i%4 == 3) {
							b.Errorf("sign-in %d: %v", i, err)
						}
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
					}
				}()
			}
			for i := 0; i < b.N; i++ {
				work <- i
			}
			close(work)
			wg.Wait()
			b.StopTimer()
			slices.Sort(lat)
			at := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))]) / float64(time.Millisecond)
			}
			b.ReportMetric(at(0.50), "p50-ms")
			b.ReportMetric(at(0.99), "p99-ms")
		})
	}
}

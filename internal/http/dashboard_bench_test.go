package http

import (
	"context"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"escudo/internal/demo"
	"escudo/internal/store"
)

// dataset100k opens the 100,000-case SQLite data set (built once and
// cached, see internal/store/bench_test.go) at the newest migration, with
// the given clock (nil: the real one).
func dataset100k(b *testing.B, now func() time.Time) *store.DB {
	b.Helper()
	ctx := context.Background()
	dir, err := demo.SQLiteDataset(ctx, 100_000, os.Stderr)
	if err != nil {
		b.Fatal(err)
	}
	keys, err := demo.DatasetKeys()
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, store.Options{DataDir: dir, Keys: keys, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkDashboard100k measures the coordinator's dashboard through the
// whole handler chain on the 100,000-case data set (built once and cached in
// the temporary folder, see internal/store/bench_test.go): as served, its
// figures of cases reused between recounts (a view that finds them past
// their time is served the same way and starts a recount behind them); and
// recounted before answering, as the first view after a quiet spell of
// DashboardStaleFor is.
//
//	go test ./internal/http -run '^$' -bench Dashboard100k -benchtime 200x
func BenchmarkDashboard100k(b *testing.B) {
	var shift atomic.Int64 // added to the data set's clock
	db := dataset100k(b, func() time.Time { return demo.DatasetNow.Add(time.Duration(shift.Load())) })
	srv, err := New(Options{DB: db, AllowPasswordOnly: true, ReadRate: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	cookie := loginWith(b, srv, "coordinacion", "benchmark password, fictional data")
	for _, c := range []struct {
		name  string
		shift time.Duration
	}{{"served", 0}, {"recount", store.DashboardStaleFor}} {
		b.Run(c.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				shift.Add(int64(c.shift))
				start := time.Now()
				w := get(srv, "/dashboard", cookie)
				times = append(times, time.Since(start))
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="chart-aging"`) {
					b.Fatalf("/dashboard: %d", w.Code)
				}
			}
			b.StopTimer()
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

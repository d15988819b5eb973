package store_test

import (
	"context"
	"testing"

	"escudo/internal/store"
)

// BenchmarkDashboard measures the coordinator's dashboard figures on the
// 100,000-case data set (see bench_test.go), for the whole country and for
// one entity: as served (the figures of cases reused, as they are for 10 s
// after each recount) and recounted every time.
//
//	go test ./internal/store -run '^$' -bench Dashboard -benchtime 200x
func BenchmarkDashboard(b *testing.B) {
	for _, f := range []store.DashboardFilter{{}, {Entity: "OAX"}, {Fresh: true}, {Entity: "OAX", Fresh: true}} {
		name := "all"
		if f.Entity != "" {
			name = "entity=" + f.Entity
		}
		if f.Fresh {
			name += ",recount"
		}
		b.Run(name, func(b *testing.B) {
			for _, e := range engines {
				measure(b, e, func(ctx context.Context, db *store.DB, i int) error {
					d, err := db.Dashboard(ctx, f)
					if err == nil && f.Entity == "" && (d.Breached == 0 || len(d.Workload) == 0) {
						b.Fatalf("empty dashboard: %+v", d)
					}
					return err
				})
			}
		})
	}
}

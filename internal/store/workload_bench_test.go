package store_test

import (
	"context"
	"testing"

	"escudo/internal/store"
	"escudo/internal/workload"
)

// BenchmarkWorkload measures what the workload page costs the server on
// the 100,000-case data set (see bench_test.go): the store's read of every
// case's stays and the officers' loads, then the flows of the five stages
// by month and by week, and the five forecasts (2,000 runs each), as the
// page computes them: as served (the history reused for
// store.WorkloadFreshFor, the benchmark clock standing still) and read
// afresh every time.
//
//	go test ./internal/store -run '^$' -bench Workload -benchtime 100x
func BenchmarkWorkload(b *testing.B) {
	for _, c := range []struct {
		per   workload.Period
		fresh bool
	}{{workload.Month, false}, {workload.Week, false}, {workload.Month, true}} {
		per, name := c.per, string(c.per)
		if c.fresh {
			name += ",recount"
		}
		b.Run(name, func(b *testing.B) {
			for _, e := range engines {
				measure(b, e, func(ctx context.Context, db *store.DB, i int) error {
					now := db.Now()
					loc := now.Location()
					since := workload.Bounds(per, per.Span(), now, loc)[0]
					d, err := db.WorkloadHistory(ctx, since, c.fresh)
					if err != nil {
						return err
					}
					flows := workload.Flows(d.Intervals, per, now, loc)
					for j, f := range flows {
						arr, comp := workload.Recent(d.Intervals, f.Stage, workload.RecentWeeks, now, loc)
						workload.Project(workload.ForecastInput{Open: f.Open, Arrivals: arr, Completions: comp, Now: now, Seed: uint64(j)})
					}
					workload.Loads(d.Officers, workload.DefaultReference)
					if len(d.Intervals) == 0 || len(d.Officers) == 0 {
						b.Fatalf("empty workload: %d stays, %d officers", len(d.Intervals), len(d.Officers))
					}
					return nil
				})
			}
		})
	}
}

package store_test

import (
	"context"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"escudo"
	"escudo/internal/demo"
	"escudo/internal/store"
)

// Case list and search budgets are measured on 100,000 generated cases with
// sealed fields (DESIGN.md: p99 ≤ 50 ms). The data sets are built once and
// cached (see demo.SQLiteDataset and demo.PostgresDataset); the first run
// takes minutes, later runs start at once. ESCUDO_BENCH_CASES changes the size.
//
//	go test ./internal/store -run '^$' -bench 'Case|Backlog' -benchtime 400x

func benchCases() int {
	if s := os.Getenv("ESCUDO_BENCH_CASES"); s != "" {
		var n int
		for _, r := range s {
			if r < '0' || r > '9' {
				return 100_000
			}
			n = n*10 + int(r-'0')
		}
		if n > 0 {
			return n
		}
	}
	return 100_000
}

var benchDBs sync.Map // engine -> *store.DB

func benchDB(b *testing.B, engine string) *store.DB {
	b.Helper()
	if db, ok := benchDBs.Load(engine); ok {
		return db.(*store.DB)
	}
	ctx := context.Background()
	var where string
	var err error
	switch engine {
	case "sqlite":
		where, err = demo.SQLiteDataset(ctx, benchCases(), os.Stderr)
	case "postgres":
		u := os.Getenv("ESCUDO_TEST_POSTGRES_URL")
		if u == "" {
			b.Skip("PostgreSQL benchmarks skipped: set ESCUDO_TEST_POSTGRES_URL")
		}
		where, err = demo.PostgresDataset(ctx, u, benchCases(), os.Stderr)
	}
	if err != nil {
		b.Fatal(err)
	}
	db, err := demo.OpenDataset(ctx, where)
	if err != nil {
		b.Fatal(err)
	}
	benchDBs.Store(engine, db)
	return db
}

// measure runs op b.N times and reports the latency percentiles.
func measure(b *testing.B, engine string, op func(ctx context.Context, db *store.DB, i int) error) {
	b.Run(engine, func(b *testing.B) {
		db := benchDB(b, engine)
		ctx := context.Background()
		for i := range 5 { // warm caches and connections
			if err := op(ctx, db, i); err != nil {
				b.Fatal(err)
			}
		}
		lat := make([]time.Duration, 0, b.N)
		cpu := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			c0 := processCPU()
			t := time.Now()
			if err := op(ctx, db, i); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
			cpu = append(cpu, processCPU()-c0)
		}
		b.StopTimer()
		pct := func(d []time.Duration, p float64) float64 {
			slices.Sort(d)
			return float64(d[min(len(d)-1, int(float64(len(d))*p))]) / float64(time.Millisecond)
		}
		b.ReportMetric(pct(lat, 0.50), "p50-ms")
		b.ReportMetric(pct(lat, 0.99), "p99-ms")
		// CPU time of this process per operation: what the query costs here
		// regardless of other load on the machine (the SQLite engine runs
		// in-process; PostgreSQL's own work is not included).
		b.ReportMetric(pct(cpu, 0.50), "cpu-p50-ms")
		b.ReportMetric(pct(cpu, 0.99), "cpu-p99-ms")
		b.ReportMetric(0, "ns/op") // percentiles say more than the mean
	})
}

var engines = []string{"sqlite", "postgres"}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkCaseList(b *testing.B) {
	for _, e := range engines {
		measure(b, e, func(ctx context.Context, db *store.DB, i int) error {
			// The first pages are what staff open; deep pages are rare.
			list, total, err := db.FindCases(ctx, escudo.CaseFilter{Offset: (i % 10) * 50, Limit: 50})
			if err == nil && (len(list) != 50 || total < benchCases()) {
				b.Fatalf("page of %d, total %d", len(list), total)
			}
			return err
		})
	}
}

func BenchmarkCaseSearchName(b *testing.B) {
	// Case i depends only on the seed and i, so the first requests give
	// names known to be stored.
	reqs := demo.Generate(demo.DatasetSeed, 500, demo.DatasetNow)
	for _, e := range engines {
		measure(b, e, func(ctx context.Context, db *store.DB, i int) error {
			name := reqs[i%len(reqs)].Person.Name
			list, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: name})
			if err == nil && (total == 0 || len(list) == 0) {
				b.Fatalf("no case found for a stored name")
			}
			return err
		})
	}
}

func BenchmarkCaseSearchReference(b *testing.B) {
	for _, e := range engines {
		var refs []string
		measure(b, e, func(ctx context.Context, db *store.DB, i int) error {
			if refs == nil {
				r := rand.New(rand.NewPCG(1, 2))
				for range 20 {
					list, _, err := db.FindCases(ctx, escudo.CaseFilter{Offset: r.IntN(benchCases() - 50), Limit: 50})
					if err != nil {
						return err
					}
					for _, c := range list {
						refs = append(refs, c.Reference)
					}
				}
			}
			list, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: refs[i%len(refs)]})
			if err == nil && (total != 1 || len(list) != 1) {
				b.Fatalf("reference search found %d", total)
			}
			return err
		})
	}
}

// filterName labels a filter in benchmark names.
func filterName(f escudo.CaseFilter) string {
	var parts []string
	if f.Stage != "" {
		parts = append(parts, "stage="+string(f.Stage))
	}
	if f.Open {
		parts = append(parts, "open")
	}
	if f.Entity != "" {
		parts = append(parts, "entity="+f.Entity)
	}
	if f.Procedure != "" {
		parts = append(parts, "procedure="+string(f.Procedure))
	}
	if f.Breached {
		parts = append(parts, "breached")
	}
	if f.AssignedTo != 0 {
		parts = append(parts, "assignee")
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, ",")
}

// analystID finds the demo analyst, whose queue is a common list.
func analystID(b *testing.B, db *store.DB) int64 {
	u, err := db.FindUserByUsername(context.Background(), "analista")
	if err != nil {
		b.Fatal(err)
	}
	return u.ID
}

var listFilters = []escudo.CaseFilter{
	{Stage: escudo.StageEvaluation},
	{Stage: escudo.StageReception},
	{Entity: "OAX"},
	{Entity: "GRO", Open: true},
	{Procedure: escudo.ProcedureExtraordinary},
	{Breached: true},
	{Open: true},
	{Stage: escudo.StageFollowUp, Entity: "CHS"},
	{Procedure: escudo.ProcedureExtraordinary, Open: true, Entity: "VER"},
	{AssignedTo: -1, Open: true}, // the analyst's queue
}

func BenchmarkCaseListFiltered(b *testing.B) {
	for _, f := range listFilters {
		b.Run(filterName(f), func(b *testing.B) {
			for _, e := range engines {
				measure(b, e, func(ctx context.Context, db *store.DB, i int) error {
					if f.AssignedTo == -1 {
						f.AssignedTo = analystID(b, db)
					}
					_, _, err := db.FindCases(ctx, f)
					return err
				})
			}
		})
	}
}

func BenchmarkBacklog(b *testing.B) {
	filters := []escudo.CaseFilter{{}, {Offset: 500}, {Stage: escudo.StageEvaluation}, {Entity: "OAX"}, {Breached: true}, {AssignedTo: -1}}
	for _, f := range filters {
		name := filterName(f)
		if f.Offset > 0 {
			name = "page11"
		}
		b.Run(name, func(b *testing.B) {
			for _, e := range engines {
				measure(b, e, func(ctx context.Context, db *store.DB, i int) error {
					if f.AssignedTo == -1 {
						f.AssignedTo = analystID(b, db)
					}
					bl, err := db.Backlog(ctx, f)
					if err == nil && name == "all" && (len(bl.Rows) == 0 || bl.BreachedCount == 0) {
						b.Fatalf("empty backlog: %+v", bl)
					}
					return err
				})
			}
		})
	}
}

package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"escudo/internal/demo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// Security budgets (issue 3, docs/benchmarks.md):
//
//	go test ./internal/store -run '^$' -bench 'AuditAppend' -benchtime 20000x
//	go test ./internal/store -run '^$' -bench 'AuditVerify' -benchtime 3x
//	go test ./internal/store -run '^$' -bench 'KeyRotation' -benchtime 1x -timeout 30m
//
// Set ESCUDO_TEST_POSTGRES_URL for the PostgreSQL runs.

func benchEngines(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, testdb.OpenSQLite(b, testdb.Options{})) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv("ESCUDO_TEST_POSTGRES_URL") == "" {
			b.Skip("set ESCUDO_TEST_POSTGRES_URL")
		}
		fn(b, testdb.OpenPostgres(b, testdb.Options{}))
	})
}

// BenchmarkAuditAppend appends audit entries the way request handlers do:
// many goroutines each calling DB.Audit and waiting until their entry is
// durable. Budget: ≥ 5,000 entries/s.
func BenchmarkAuditAppend(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		var n atomic.Int64
		// Concurrent requests, each waiting for its entry to be durable:
		// 16 × GOMAXPROCS by default, ESCUDO_BENCH_AUDIT_PAR to change.
		par := 16
		if n, err := strconv.Atoi(os.Getenv("ESCUDO_BENCH_AUDIT_PAR")); err == nil && n > 0 {
			par = n
		}
		b.SetParallelism(par)
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := n.Add(1)
				if err := db.Audit(ctx, store.AuditEntry{Action: "case.read", ObjectType: "case", ObjectID: strconv.FormatInt(i, 10), Fields: "narrative,aggressors"}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "entries/s")
		b.StopTimer()
		if _, err := db.VerifyAudit(ctx, nil); err != nil {
			b.Fatal(err)
		}
	})
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func auditVerifySize() int {
	if n, err := strconv.Atoi(os.Getenv("ESCUDO_BENCH_AUDIT")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// fillAudit writes n keyed, chained entries in large multi-row inserts.
func fillAudit(b *testing.B, db *store.DB, n int) {
	ctx := context.Background()
	prev := make([]byte, sha256.Size)
	key := db.AuditKey()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const rowsPerStmt, stmtsPerTx = 200, 50
	seq := int64(0)
	for seq < int64(n) {
		err := db.WithTx(ctx, true, func(tx *store.Tx) error {
			for s := 0; s < stmtsPerTx && seq < int64(n); s++ {
				var q strings.Builder
				q.WriteString(`INSERT INTO audit_log (seq, at, actor_id, actor_role, action, object_type, object_id, fields, outcome, remote, prev_hash, hash, chain, occurrences) VALUES `)
				var args []any
				for r := 0; r < rowsPerStmt && seq < int64(n); r++ {
					seq++
					e := store.AuditEntry{Seq: seq, At: at.Add(time.Duration(seq) * time.Millisecond), ActorID: seq%50 + 1, ActorRole: "analyst",
						Action: "case.read", ObjectType: "case", ObjectID: strconv.FormatInt(seq%100000, 10), Fields: "narrative,aggressors,name,address",
						Outcome: "ok", Remote: "10.0.0.1", PrevHash: prev, Chain: store.ChainKeyed, Count: 1}
					e.Hash = store.HashEntryKeyed(key, &e)
					prev = e.Hash
					if r > 0 {
						q.WriteString(", ")
					}
					q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
					args = append(args, e.Seq, e.At.UnixMicro(), e.ActorID, e.ActorRole, e.Action, e.ObjectType, e.ObjectID, e.Fields, e.Outcome, e.Remote, e.PrevHash, e.Hash, e.Chain, e.Count)
				}
				if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.Checkpoint(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAuditVerify verifies a log of 1,000,000 entries (ESCUDO_BENCH_AUDIT
// changes the size). Budget: ≤ 10 s.
func BenchmarkAuditVerify(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *store.DB) {
		n := auditVerifySize()
		fillAudit(b, db, n)
		ctx := context.Background()
		b.ResetTimer()
		var total, cpu time.Duration
		runs := 0
		for b.Loop() {
			t, c := time.Now(), cpuTime()
			rep, err := db.VerifyAudit(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			total += time.Since(t)
			cpu += cpuTime() - c
			runs++
			if rep.Entries != int64(n) || rep.Checkpoints != 1 {
				b.Fatalf("report %+v", rep)
			}
		}
		b.ReportMetric(total.Seconds()/float64(runs), "s/verify")
		// CPU seconds used by this process (scan, driver and hashing): the
		// figure that matters when the machine is shared with other load.
		b.ReportMetric(cpu.Seconds()/float64(runs), "cpu-s/verify")
		b.ReportMetric(float64(n)*float64(runs)/total.Seconds(), "entries/s")
	})
}

// BenchmarkKeyRotation rotates the data keys of the 100,000-case benchmark
// data set (ESCUDO_BENCH_CASES changes the size) and re-encrypts every
// sealed value. SQLite runs on a fresh copy each time; PostgreSQL rotates
// the cached data set in place (values stay readable). Budget: ≤ 2 minutes.
func BenchmarkKeyRotation(b *testing.B) {
	ctx := context.Background()
	rotate := func(b *testing.B, db *store.DB) {
		if _, err := db.NewDataKeys(ctx); err != nil {
			b.Fatal(err)
		}
		t := time.Now()
		rep, err := db.RotateData(ctx, store.RotateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Remaining != 0 || rep.Resealed == 0 {
			b.Fatalf("rotation report %+v", rep)
		}
		b.ReportMetric(time.Since(t).Seconds(), "s/rotation")
		b.ReportMetric(float64(rep.Resealed), "values")
		b.ReportMetric(float64(rep.Rows), "rows")
	}
	b.Run("sqlite", func(b *testing.B) {
		src, err := demo.SQLiteDataset(ctx, benchCases(), os.Stderr)
		if err != nil {
			b.Fatal(err)
		}
		orig, err := demo.OpenDataset(ctx, src)
		if err != nil {
			b.Fatal(err)
		}
		defer orig.Close()
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			dir := b.TempDir()
			if err := orig.VacuumInto(ctx, filepath.Join(dir, "escudo.db")); err != nil {
				b.Fatal(err)
			}
			db, err := demo.OpenDataset(ctx, dir)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			rotate(b, db)
			db.Close()
		}
	})
	b.Run("postgres", func(b *testing.B) {
		u := os.Getenv("ESCUDO_TEST_POSTGRES_URL")
		if u == "" {
			b.Skip("set ESCUDO_TEST_POSTGRES_URL")
		}
		where, err := demo.PostgresDataset(ctx, u, benchCases(), os.Stderr)
		if err != nil {
			b.Fatal(err)
		}
		db, err := demo.OpenDataset(ctx, where)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if err := db.Init(ctx); err != nil {
			b.Fatal(fmt.Errorf("init: %w", err))
		}
		for b.Loop() {
			rotate(b, db)
		}
	})
}

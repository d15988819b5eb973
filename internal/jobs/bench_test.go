package jobs_test

import (
	"context"
	"testing"
	"time"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The runner's own cost per node: one beat a second, one claim and one
// finish per tick it runs, one claim and one completion per deferred job.
// go test ./internal/jobs -run '^$' -bench . -benchtime 2s

func benchEngines(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, testdb.OpenSQLite(b, testdb.Options{})) })
	b.Run("postgres", func(b *testing.B) { fn(b, testdb.OpenPostgres(b, testdb.Options{})) })
}

func BenchmarkTick(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		if err := db.RegisterSchedule(ctx, "bench", time.Nanosecond); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			ok, _, err := db.ClaimTick(ctx, "bench", "a", time.Nanosecond, db.Now().Add(3*time.Second))
			if err != nil || !ok {
				b.Fatal(ok, err)
			}
			if err := db.FinishTick(ctx, "bench", "a", time.Millisecond, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkBeat(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		started := db.Now()
		b.ResetTimer()
		for range b.N {
			if err := db.NodeBeat(ctx, "a", "host", started, db.Now().Add(3*time.Second)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDeferredJob(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		b.ResetTimer()
		for range b.N {
			err := db.WithTx(ctx, true, func(tx *store.Tx) error {
				_, err := tx.EnqueueJob(ctx, store.NewJob{Kind: "bench"})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			js, err := db.ClaimJobs(ctx, "a", []string{"bench"}, 1, db.Now().Add(3*time.Second))
			if err != nil || len(js) != 1 {
				b.Fatal(len(js), err)
			}
			if err := db.WithTx(ctx, true, func(tx *store.Tx) error { return tx.CompleteJob(ctx, js[0].ID, "a") }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

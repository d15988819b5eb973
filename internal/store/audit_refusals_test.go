package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

// reopenable runs fn on each engine with options that open the same
// database again after it is closed, as a restarted process would.
func reopenable(t *testing.T, fn func(t *testing.T, open func() *store.DB)) {
	run := func(t *testing.T, o store.Options) {
		open := func() *store.DB {
			db, err := store.Open(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return db
		}
		fn(t, open)
	}
	t.Run("sqlite", func(t *testing.T) { run(t, store.Options{DataDir: t.TempDir(), Keys: testdb.TestKey(t)}) })
	t.Run("postgres", func(t *testing.T) { run(t, store.Options{URL: testdb.FreshPostgres(t), Keys: testdb.TestKey(t)}) })
}

func auditSum(t *testing.T, db *store.DB, where string, args ...any) (rows, occurrences int64) {
	t.Helper()
	ctx := context.Background()
	err := db.WithTx(ctx, false, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(occurrences), 0) FROM audit_log WHERE `+where, args...).Scan(&rows, &occurrences)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows, occurrences
}

// TestRefusalFloodCostsBoundedRows: a flood of wrong bearer tokens and
// sign-ins with unknown names from one address writes one entry per reason,
// carrying the count, when the process stops; a signed-in user's refusal is
// still one entry at once; the aggregated entries are in the chain.
func TestRefusalFloodCostsBoundedRows(t *testing.T) {
	reopenable(t, func(t *testing.T, open func() *store.DB) {
		db := open()
		ctx := store.WithRemote(context.Background(), "203.0.113.7")
		const n = 3000
		for i := range n {
			token := "nope"
			if i%2 == 0 {
				token = fmt.Sprintf("%s%040d", store.APITokenPrefix, i) // well formed, unknown
			}
			if _, err := db.AuthenticateAPIToken(ctx, token); err == nil {
				t.Fatal("a wrong token was accepted")
			}
		}
		for range 50 {
			if _, err := db.Authenticate(ctx, "nadie", "x"); err == nil {
				t.Fatal("unknown account signed in")
			}
		}
		if err := db.Audit(ctx, store.AuditEntry{ActorID: 7, ActorRole: "analyst", Action: "access.denied", ObjectType: "api", ObjectID: "GET /api/v1/devices", Outcome: store.OutcomeDenied}); err != nil {
			t.Fatal(err)
		}
		if rows, _ := auditSum(t, db, `action = 'access.denied'`); rows != 1 {
			t.Fatalf("signed-in refusal: %d entries, want 1 at once", rows)
		}
		if rows, _ := auditSum(t, db, `action IN ('token.use', 'login')`); rows > 2 {
			t.Fatalf("the flood wrote %d entries while it lasted", rows)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db = open()
		rows, total := auditSum(t, db, `action = 'token.use' AND remote = '203.0.113.7' AND outcome = 'denied'`)
		if rows != 1 || total != n {
			t.Fatalf("wrong tokens: %d entries counting %d, want 1 counting %d", rows, total, n)
		}
		rows, total = auditSum(t, db, `action = 'login' AND outcome = 'failed'`)
		if rows != 1 || total != 50 {
			t.Fatalf("unknown names: %d entries counting %d, want 1 counting 50", rows, total)
		}
		rep, err := db.VerifyAudit(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Refusals != n+50+1 || rep.RefusalEntries != 3 {
			t.Fatalf("verify reports %d refusals in %d entries", rep.Refusals, rep.RefusalEntries)
		}
	})
}

// TestRefusalsFromManySourcesStayBounded: beyond the bound of distinct
// sources in one interval, the rest are counted together, so rows and
// memory stay bounded and the total is kept.
func TestRefusalsFromManySourcesStayBounded(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		const n = 6000
		for i := range n {
			ctx := store.WithRemote(context.Background(), fmt.Sprintf("2001:db8::%x", i))
			_, _ = db.AuthenticateAPIToken(ctx, "nope")
		}
		if err := db.FlushRefusals(context.Background()); err != nil {
			t.Fatal(err)
		}
		rows, total := auditSum(t, db, `action = 'token.use'`)
		if rows > 4097 || total != n {
			t.Fatalf("%d sources: %d entries counting %d", n, rows, total)
		}
		if r, c := auditSum(t, db, `action = 'token.use' AND remote = ?`, store.OverflowSource); r != 1 || c != n-4096 {
			t.Fatalf("overflow entry: %d counting %d", r, c)
		}
		if _, err := db.VerifyAudit(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRefusalsWrittenWhenTheIntervalCloses: without a stop, the counted
// refusals reach the log once their interval is over.
func TestRefusalsWrittenWhenTheIntervalCloses(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		db.RefusalInterval = 20 * time.Millisecond
		ctx := store.WithRemote(context.Background(), "198.51.100.4")
		for range 10 {
			_, _ = db.AuthenticateAPIToken(ctx, "nope")
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			if rows, total := auditSum(t, db, `action = 'token.use'`); rows == 1 && total == 10 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("refusals never written")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// BenchmarkRefusalFlood is the cost of one refused unauthenticated request
// to the audit log while many arrive at once: a counter, no database write.
func BenchmarkRefusalFlood(b *testing.B) {
	db := testdb.OpenSQLite(b, testdb.Options{})
	b.RunParallel(func(pb *testing.PB) {
		ctx := store.WithRemote(context.Background(), "203.0.113.7")
		for pb.Next() {
			db.AuditRefusal(ctx, store.AuditEntry{Action: "device.refused", ObjectType: "device", ObjectID: "12", Fields: "error.device_auth"})
		}
	})
}

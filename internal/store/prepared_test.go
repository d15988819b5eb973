package store

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// Statements are prepared on their second use, on the readers at once and
// on the single writer once its transaction has let go of the connection;
// a prepared statement gives the same answers, and the cache stays bounded.
func TestStatementCache(t *testing.T) {
	db := bulkTestDB(t, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()
	const q = `SELECT COUNT(*) FROM schema_migrations WHERE version > ?`
	count := func() (n int) {
		t.Helper()
		if err := db.readRow(ctx, q, 0).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	want := count()
	if want == 0 {
		t.Fatal("no migrations counted")
	}
	if _, ok := db.readStmts.stmts[q]; ok {
		t.Fatal("a statement used once was prepared")
	}
	if got := count(); got != want {
		t.Fatalf("second use: %d, want %d", got, want)
	}
	if _, ok := db.readStmts.stmts[q]; !ok {
		t.Fatal("a statement used twice was not prepared on the readers")
	}
	if got := count(); got != want {
		t.Fatalf("prepared: %d, want %d", got, want)
	}

	// On the writer the statement can only be prepared after the
	// transaction that wanted it, in the background.
	const w = `INSERT INTO auth_lockouts (subject, failures, window_start) VALUES (?, ?, 0) ON CONFLICT (subject) DO UPDATE SET failures = excluded.failures`
	for i := range 3 {
		err := db.WithTx(ctx, true, func(tx *Tx) error {
			_, err := tx.Exec(ctx, w, "cache-test", i)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for db.writeStmts.size() == 0 || db.writeStmts.preparing.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the writer's repeated statement was never prepared")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, ok := db.writeStmts.stmts[w]; !ok {
		t.Fatalf("writer cache holds %v", db.writeStmts.stmts)
	}
	var v int
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, w, "cache-test", 42); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT failures FROM auth_lockouts WHERE subject = ?`, "cache-test").Scan(&v)
	})
	if err != nil || v != 42 {
		t.Fatalf("write through the prepared statement: %d %v", v, err)
	}

	// Multi-row texts are kept only when short: every row count of a group
	// commit's inserts is a text of its own, each compiled as large as its
	// rows, outside Go's heap.
	values := func(rows int) string {
		q := `SELECT COUNT(*) FROM (VALUES `
		for i := range rows {
			if i > 0 {
				q += ", "
			}
			q += fmt.Sprintf("(%d, ?)", i)
		}
		return q + `)`
	}
	for _, rows := range []int{2, 40} {
		q := values(rows)
		args := make([]any, rows)
		for range 2 {
			var n int
			if err := db.readRow(ctx, q, args...).Scan(&n); err != nil || n != rows {
				t.Fatalf("%d rows: %d, %v", rows, n, err)
			}
		}
		if _, ok := db.readStmts.stmts[q]; ok != (rows == 2) {
			t.Fatalf("a statement of %d rows used twice: prepared %v", rows, ok)
		}
	}

	// One-off texts beyond the bound run unprepared and are not kept.
	for i := range maxCachedStmts + 50 {
		for range 2 {
			var n int
			if err := db.readRow(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&n); err != nil || n != i {
				t.Fatalf("SELECT %d = %d, %v", i, n, err)
			}
		}
	}
	if n := db.readStmts.size(); n > maxCachedStmts {
		t.Fatalf("cache grew to %d statements, bound %d", n, maxCachedStmts)
	}
}

// Commits leave the log to the background checkpointer: it copies the log
// back while the writer keeps committing, and a closed store leaves no log.
func TestBackgroundCheckpoint(t *testing.T) {
	db := bulkTestDB(t, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()
	for i := range 50 {
		err := db.WithTx(ctx, true, func(tx *Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO auth_lockouts (subject, failures, window_start) VALUES (?, 1, 0)`, fmt.Sprint("k", i))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		frames, backfilled, runs, _ := db.WALStats()
		if runs > 0 && frames > 0 && backfilled == frames {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log not copied back: %d frames, %d backfilled, %d checkpoints", frames, backfilled, runs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	wal := db.Path() + "-wal"
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(wal); err == nil && st.Size() > 0 {
		t.Fatalf("closed store left a %d-byte log", st.Size())
	}
}

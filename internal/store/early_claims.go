package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Early-page claims shared between nodes (migration 0910). A node about to
// page an alert before its commit claims the alert's keys; the claim fails
// when another node claimed one of them within the window, and that node's
// page stands. Claims are one statement outside any transaction, on an
// UNLOGGED table on PostgreSQL: no WAL to flush.

// ClaimEarlyPage claims keys at now and reports whether every one was free
// (never claimed, or claimed at or before now - window).
func (db *DB) ClaimEarlyPage(ctx context.Context, keys []string, now time.Time, window time.Duration) (bool, error) {
	if len(keys) == 0 {
		return true, nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO alert_early_claims (claim_key, seen_at) VALUES `)
	args := make([]any, 0, 2*len(keys)+1)
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?)")
		args = append(args, k, micros(now))
	}
	b.WriteString(` ON CONFLICT (claim_key) DO UPDATE SET seen_at = excluded.seen_at WHERE alert_early_claims.seen_at <= ? RETURNING claim_key`)
	args = append(args, micros(now.Add(-window)))
	rows, err := db.write.QueryContext(ctx, db.Rebind(b.String()), args...)
	if err != nil {
		return false, fmt.Errorf("store: claim early page: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("store: claim early page: %w", err)
	}
	return n == len(keys), nil
}

// ForgetEarlyClaim frees a key before its window ends (a resolved alert: a
// new press after it is a new alert).
func (db *DB) ForgetEarlyClaim(ctx context.Context, key string) error {
	if _, err := db.write.ExecContext(ctx, db.Rebind(`DELETE FROM alert_early_claims WHERE claim_key = ?`), key); err != nil {
		return fmt.Errorf("store: forget early claim: %w", err)
	}
	return nil
}

// SweepEarlyClaims deletes claims made at or before before and returns how
// many.
func (db *DB) SweepEarlyClaims(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, db.Rebind(`DELETE FROM alert_early_claims WHERE seen_at <= ?`), micros(before))
	if err != nil {
		return 0, fmt.Errorf("store: sweep early claims: %w", err)
	}
	return res.RowsAffected()
}

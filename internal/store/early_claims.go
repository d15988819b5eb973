package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Early-page claims shared between nodes (migration 0910). A node about to
// page an alert before its commit claims the alert's keys; the claim fails
// when another node claimed one of them within the window, and that node's
// page stands. Claims are one statement outside any transaction, on an
// UNLOGGED table on PostgreSQL: no WAL to flush, on a small pool of their
// own.

// sideConns is the size of that pool.
const sideConns = 4

// sidePool is the pool of short statements between nodes (the main pool on
// SQLite, where tests alone use them).
func (db *DB) sidePool() *sql.DB {
	if db.side != nil {
		return db.side
	}
	return db.write
}

// EarlyClaim is one alert's claim: its keys, at the time it was received.
type EarlyClaim struct {
	Keys []string
	At   time.Time
}

// ClaimEarlyPages first frees the forget keys, then makes the claims, in
// at most two statements, and reports for each claim whether every one of
// its keys was free (never claimed, or claimed at or before its At -
// window). Of two claims of the batch naming one key, the first may have
// it; the second fails.
func (db *DB) ClaimEarlyPages(ctx context.Context, forget []string, claims []EarlyClaim, window time.Duration) ([]bool, error) {
	if len(forget) > 0 {
		q := `DELETE FROM alert_early_claims WHERE claim_key IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(forget)), ", ") + `)`
		args := make([]any, len(forget))
		for i, k := range forget {
			args[i] = k
		}
		if _, err := db.sidePool().ExecContext(ctx, db.Rebind(q), args...); err != nil {
			return nil, fmt.Errorf("store: forget early claims: %w", err)
		}
	}
	ok := make([]bool, len(claims))
	owner := map[string]int{}
	var b strings.Builder
	var args []any
	for i, c := range claims {
		ok[i] = true
		for _, k := range c.Keys {
			if _, taken := owner[k]; taken {
				ok[i] = false // the batch's first claim of k decides
				continue
			}
			owner[k] = i
			if len(args) > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?)")
			args = append(args, k, micros(c.At))
		}
	}
	if len(args) == 0 {
		return ok, nil
	}
	q := `INSERT INTO alert_early_claims (claim_key, seen_at) VALUES ` + b.String() +
		` ON CONFLICT (claim_key) DO UPDATE SET seen_at = excluded.seen_at WHERE alert_early_claims.seen_at <= excluded.seen_at - ? RETURNING claim_key`
	args = append(args, window.Microseconds())
	rows, err := db.sidePool().QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: claim early pages: %w", err)
	}
	defer rows.Close()
	won := make(map[string]bool, len(owner))
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		won[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: claim early pages: %w", err)
	}
	for i, c := range claims {
		for _, k := range c.Keys {
			if !won[k] || owner[k] != i {
				ok[i] = false
			}
		}
	}
	return ok, nil
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

// SynchronousCommit reports the synchronous_commit setting of the side
// pool and of the main pool (PostgreSQL), for tests and diagnosis.
func (db *DB) SynchronousCommit(ctx context.Context) (side, main string, err error) {
	if err = db.sidePool().QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&side); err != nil {
		return "", "", err
	}
	err = db.write.QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&main)
	return side, main, err
}

// WarmSidePool opens the side pool's connections ahead of use: a first
// claim would otherwise wait for a connection to be made (authentication
// included), longer than the claim's bound. Nothing to do on SQLite.
func (db *DB) WarmSidePool(ctx context.Context) error {
	if db.side == nil {
		return nil
	}
	conns := make([]*sql.Conn, 0, sideConns)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range sideConns {
		c, err := db.side.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: side pool: %w", err)
		}
		conns = append(conns, c)
		if err := c.PingContext(ctx); err != nil {
			return fmt.Errorf("store: side pool: %w", err)
		}
	}
	return nil
}

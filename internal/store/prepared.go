package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// The alert intake runs a handful of statements for every alert. The
// pure-Go SQLite driver parses SQL on every call, and at a thousand alerts a
// second parsing alone took a quarter of the writer's time; so these
// statements are prepared once on the writer connection and reused by every
// transaction (database/sql reuses a statement prepared on the
// transaction's own connection without parsing it again).

// Hot statements of the alert pipeline, exactly as written at their call sites.
const (
	qAlertByDedup   = `SELECT id, status FROM alerts WHERE dedup_key = ?`
	qAlertByMessage = `SELECT id, status FROM alerts WHERE device_id = ? AND message_id = ?`
	qAlertRepeat    = `SELECT id, status FROM alerts WHERE device_id = ? AND type = ? AND received_at >= ? AND status <> ? ORDER BY id DESC LIMIT 1`
	qAlertInsert    = `INSERT INTO alerts (device_id, person_id, entity, type, source, status, message_id, dedup_key, location_enc, battery, flags, note_enc, tier, escalations, next_escalation_at, occurred_at, received_at, stored_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?) RETURNING id`
	qAlertEvent       = `INSERT INTO alert_events (alert_id, at, actor_id, kind, detail) VALUES (?, ?, ?, ?, ?)`
	qAlertForUpdate   = `SELECT ` + alertColumns + ` FROM alerts a LEFT JOIN devices d ON d.id = a.device_id WHERE a.id = ?`
	qAlertAcknowledge = `UPDATE alerts SET status = ?, acknowledged_at = ?, acknowledged_by = ?, next_escalation_at = NULL WHERE id = ?`
	qAlertResolve     = `UPDATE alerts SET status = ?, resolved_at = ?, resolved_by = ?, outcome = ?, resolution_enc = ?, next_escalation_at = NULL WHERE id = ?`
	qSavepoint        = `SAVEPOINT item`
	qSavepointBack    = `ROLLBACK TO SAVEPOINT item`
	qSavepointRelease = `RELEASE SAVEPOINT item`
)

var hotStatements = []string{qAlertByDedup, qAlertByMessage, qAlertRepeat, qAlertInsert, qAlertEvent, qAlertForUpdate,
	qAlertAcknowledge, qAlertResolve, qSavepoint, qSavepointBack, qSavepointRelease}

type stmtKey struct {
	db *DB
	q  string
}

var prepared sync.Map // stmtKey -> *sql.Stmt

// PrepareAlertStatements prepares the alert pipeline's statements on the
// writer. Call it outside any transaction (on SQLite the one writer
// connection must be free); statements not prepared are simply parsed at
// each use.
func (db *DB) PrepareAlertStatements(ctx context.Context) error {
	for _, q := range hotStatements {
		k := stmtKey{db, q}
		if _, ok := prepared.Load(k); ok {
			continue
		}
		s, err := db.write.PrepareContext(ctx, db.Rebind(q))
		if err != nil {
			return fmt.Errorf("store: prepare: %w", err)
		}
		if _, loaded := prepared.LoadOrStore(k, s); loaded {
			s.Close()
		}
	}
	return nil
}

func (tx *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if s, ok := prepared.Load(stmtKey{tx.db, q}); ok {
		return tx.tx.StmtContext(ctx, s.(*sql.Stmt))
	}
	return nil
}

// hotRow runs a hot query, prepared when possible.
func (tx *Tx) hotRow(ctx context.Context, q string, args ...any) *sql.Row {
	if s := tx.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.QueryRow(ctx, q, args...)
}

// hotExec runs a hot statement, prepared when possible.
func (tx *Tx) hotExec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := tx.stmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.Exec(ctx, q, args...)
}

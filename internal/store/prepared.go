package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// The pure-Go SQLite driver parses SQL text at every call, and under the
// alert load parsing took an eighth of the server's CPU (a quarter of the
// writer's time). So on SQLite every statement run more than once is
// prepared once and reused: a statement cache per pool (the writer and the
// readers), keyed by the SQL text. database/sql keeps, for each prepared
// statement, its compiled form on every connection it ran on, and a
// transaction reuses the one on its own connection without parsing again.
//
// A statement is admitted on its second use, so one-off texts (a list with
// an unusual filter) are not kept; the cache holds at most maxCachedStmts.
// On PostgreSQL the pgx driver keeps its own per-connection statement cache
// and none of this applies.
const maxCachedStmts = 256

// maxCachedRows bounds the rows of a multi-row statement worth keeping
// prepared. The group commit's inserts (outbox rows, audit entries,
// deliveries) are built for however many rows a commit has, so each count
// is a text of its own: admitting them all kept one compiled statement per
// row count on every connection, each as large as its rows, in SQLite's own
// heap outside Go's (the growth of RSS under 1,000 alerts a second), and
// filled the cache with them. Longer statements are parsed at each use, a
// cost shared by their rows.
const maxCachedRows = 4

// multiRow reports whether q is a VALUES list of more than maxCachedRows
// rows.
func multiRow(q string) bool { return strings.Count(q, "), (") >= maxCachedRows }

type stmtCache struct {
	pool *sql.DB
	// deferred: preparing needs a free connection, which a transaction on
	// the single SQLite writer is holding; the writer's statements are
	// prepared after the transaction, in the background.
	deferred bool

	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	seen   map[string]bool // used once, not yet prepared
	wanted []string        // deferred: to prepare once the connection is free

	preparing atomic.Bool
}

func newStmtCache(pool *sql.DB, deferred bool) *stmtCache {
	return &stmtCache{pool: pool, deferred: deferred, stmts: map[string]*sql.Stmt{}, seen: map[string]bool{}}
}

// lookup returns the prepared statement for q, or nil when q has to be run
// unprepared this time. Outside a transaction on a non-deferred cache it
// prepares q on its second use.
func (c *stmtCache) lookup(ctx context.Context, q string, inTx bool) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	if s, ok := c.stmts[q]; ok {
		c.mu.Unlock()
		return s
	}
	if len(c.stmts) >= maxCachedStmts || multiRow(q) {
		c.mu.Unlock()
		return nil
	}
	if !c.seen[q] {
		if len(c.seen) >= 4*maxCachedStmts {
			clear(c.seen)
		}
		c.seen[q] = true
		c.mu.Unlock()
		return nil
	}
	if c.deferred || inTx {
		delete(c.seen, q)
		c.wanted = append(c.wanted, q)
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	s, _ := c.prepare(ctx, q) // on error run unprepared: the error, if real, shows there
	return s
}

func (c *stmtCache) prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	s, err := c.pool.PrepareContext(context.WithoutCancel(ctx), q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.stmts[q]; ok {
		s.Close()
		return old, nil
	}
	c.stmts[q] = s
	delete(c.seen, q)
	return s, nil
}

// prepareWanted prepares, in the background, the statements that were
// admitted while their connection was busy.
func (c *stmtCache) prepareWanted() {
	if c == nil || !c.preparing.CompareAndSwap(false, true) {
		return
	}
	c.mu.Lock()
	if len(c.wanted) == 0 {
		c.mu.Unlock()
		c.preparing.Store(false)
		return
	}
	c.mu.Unlock()
	go func() {
		defer c.preparing.Store(false)
		for {
			c.mu.Lock()
			if len(c.wanted) == 0 {
				c.mu.Unlock()
				return
			}
			q := c.wanted[len(c.wanted)-1]
			c.wanted = c.wanted[:len(c.wanted)-1]
			c.mu.Unlock()
			_, _ = c.prepare(context.Background(), q) // an error shows when q runs unprepared
		}
	}()
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
}

// size is the number of prepared statements.
func (c *stmtCache) size() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.stmts)
}

// readRow runs a one-row query on the read pool, prepared when cached.
func (db *DB) readRow(ctx context.Context, q string, args ...any) *sql.Row {
	if s := db.readStmts.lookup(ctx, q, false); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return db.read.QueryRowContext(ctx, db.Rebind(q), args...)
}

// readQuery runs a query on the read pool, prepared when cached.
func (db *DB) readQuery(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := db.readStmts.lookup(ctx, q, false); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return db.read.QueryContext(ctx, db.Rebind(q), args...)
}

// txStmt is q prepared for this transaction, or nil.
func (tx *Tx) txStmt(ctx context.Context, q string) *sql.Stmt {
	c := tx.db.readStmts
	if tx.writable {
		c = tx.db.writeStmts
	}
	if s := c.lookup(ctx, q, true); s != nil {
		return tx.tx.StmtContext(ctx, s)
	}
	return nil
}

// Hot statements of the alert pipeline, prepared when the pipeline starts
// rather than on their second use.
const (
	qAlertByDedup   = `SELECT id, status FROM alerts WHERE dedup_key = ?`
	qAlertByMessage = `SELECT id, status FROM alerts WHERE device_id = ? AND message_id = ?`
	qAlertRepeat    = `SELECT id, status FROM alerts WHERE device_id = ? AND type = ? AND received_at >= ? AND status <> ? ORDER BY id DESC LIMIT 1`
	// qAlertByMessageOrRepeat is qAlertByMessage, then qAlertRepeat, in one
	// round trip: the retransmission (kind 0) before the repeat (kind 1).
	qAlertByMessageOrRepeat = `SELECT id, status, 0 AS kind FROM alerts WHERE device_id = ? AND message_id = ?
			UNION ALL SELECT id, status, 1 FROM (SELECT id, status FROM alerts WHERE device_id = ? AND type = ? AND received_at >= ? AND status <> ? ORDER BY id DESC LIMIT 1) r
			ORDER BY kind LIMIT 1`
	qAlertInsert = `INSERT INTO alerts (device_id, person_id, entity, type, source, status, message_id, dedup_key, location_enc, battery, flags, note_enc, tier, escalations, next_escalation_at, occurred_at, received_at, stored_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`
	qAlertInsertID = `INSERT INTO alerts (id, device_id, person_id, entity, type, source, status, message_id, dedup_key, location_enc, battery, flags, note_enc, tier, escalations, next_escalation_at, occurred_at, received_at, stored_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	qAlertEvent       = `INSERT INTO alert_events (alert_id, at, actor_id, kind, detail) VALUES (?, ?, ?, ?, ?)`
	qAlertForUpdate   = `SELECT ` + alertColumns + ` FROM alerts a LEFT JOIN devices d ON d.id = a.device_id WHERE a.id = ?`
	qAlertAcknowledge = `UPDATE alerts SET status = ?, acknowledged_at = ?, acknowledged_by = ?, next_escalation_at = NULL WHERE id = ?`
	qAlertResolve     = `UPDATE alerts SET status = ?, resolved_at = ?, resolved_by = ?, outcome = ?, resolution_enc = ?, next_escalation_at = NULL WHERE id = ?`
	qAlertAckResolve  = `UPDATE alerts SET status = ?, acknowledged_at = ?, acknowledged_by = ?, resolved_at = ?, resolved_by = ?, outcome = ?, resolution_enc = ?, next_escalation_at = NULL WHERE id = ?`
	qAlertEvent2      = `INSERT INTO alert_events (alert_id, at, actor_id, kind, detail) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)`
	qSavepoint        = `SAVEPOINT item`
	qSavepointBack    = `ROLLBACK TO SAVEPOINT item`
	qSavepointRelease = `RELEASE SAVEPOINT item`
	qAuditHead        = `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`
	qAuditInsert      = `INSERT INTO audit_log (seq, at, actor_id, actor_role, action, object_type, object_id, fields, outcome, remote, prev_hash, hash, chain, occurrences) VALUES `
	qAuditRow         = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

var hotStatements = []string{qAlertByDedup, qAlertByMessage, qAlertRepeat, qAlertByMessageOrRepeat, qAlertInsert, qAlertInsertID, qAlertEvent, qAlertForUpdate,
	qAlertAcknowledge, qAlertResolve, qAlertAckResolve, qAlertEvent2, qSavepoint, qSavepointBack, qSavepointRelease, qAuditHead, qAuditInsert + qAuditRow,
	qAuditInsert + qAuditRow + ", " + qAuditRow}

// PrepareAlertStatements prepares the alert pipeline's statements on the
// writer. Call it outside any transaction (on SQLite the one writer
// connection must be free). On PostgreSQL it does nothing: the driver
// prepares and caches statements per connection itself.
func (db *DB) PrepareAlertStatements(ctx context.Context) error {
	if db.writeStmts == nil {
		return nil
	}
	for _, q := range hotStatements {
		if _, err := db.writeStmts.prepare(ctx, q); err != nil {
			return fmt.Errorf("store: prepare: %w", err)
		}
	}
	return nil
}

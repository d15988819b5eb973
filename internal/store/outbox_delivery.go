package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"escudo/internal/vault"
)

// Delivery outcomes per attempt.
const (
	AttemptDelivered = "delivered"
	AttemptFailed    = "failed"
)

// ClaimDue takes up to limit pending notifications of the given channels
// (never inbox ones) whose next attempt is due and holds them for lease by
// moving their next attempt forward, so another worker or node does not
// take them too. If this node dies, they become due again when the lease
// ends. Notifications of channels not listed (not configured on this node)
// stay pending, untouched, for a node that can send them: nothing is lost
// and no attempt is spent on a channel that cannot work.
func (db *DB) ClaimDue(ctx context.Context, limit int, lease time.Duration, channels ...string) ([]Notification, error) {
	var sendable []any
	for _, c := range channels {
		if c != ChannelInbox {
			sendable = append(sendable, c)
		}
	}
	if len(sendable) == 0 {
		return nil, nil
	}
	// Look on the read pool first: most polls find nothing, and should not
	// take the single SQLite writer for it.
	now := micros(db.Now())
	args := append([]any{OutboxPending, now}, sendable...)
	args = append(args, limit)
	rows, err := db.readQuery(ctx, `SELECT id FROM outbox WHERE status = ? AND next_attempt_at <= ? AND channel IN (?`+
		strings.Repeat(`, ?`, len(sendable)-1)+`) ORDER BY next_attempt_at LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: claim outbox: %w", err)
	}
	var cand []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		cand = append(cand, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(cand) == 0 {
		return nil, err
	}
	var ids []int64
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		now := micros(tx.now)
		until := micros(tx.now.Add(lease))
		for _, id := range cand {
			// Conditional: another worker or node may have taken it meanwhile.
			res, err := tx.Exec(ctx, `UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND status = ? AND next_attempt_at <= ?`, until, id, OutboxPending, now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				ids = append(ids, id)
			}
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	out := make([]Notification, 0, len(ids))
	for _, id := range ids {
		n, err := db.FindNotification(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *n)
	}
	return out, nil
}

const outboxColumns = `id, created_at, channel, recipient_user, recipient_enc, kind, case_id, subject, body_enc, dedup_key, status, attempts, next_attempt_at, last_error, delivered_at, read_at, alert_id, max_attempts`

func (db *DB) scanNotification(row interface{ Scan(...any) error }) (*Notification, error) {
	var n Notification
	var created, next int64
	var user, caseID, delivered, read, alert sql.NullInt64
	var dedup sql.NullString
	var rcpt, body []byte
	if err := row.Scan(&n.ID, &created, &n.Channel, &user, &rcpt, &n.Kind, &caseID, &n.Subject, &body, &dedup, &n.Status, &n.Attempts, &next,
		&n.LastError, &delivered, &read, &alert, &n.MaxAttempts); err != nil {
		return nil, err
	}
	n.CreatedAt, n.NextAttempt, n.UserID, n.CaseID, n.DedupKey = fromMicros(created), fromMicros(next), user.Int64, caseID.Int64, dedup.String
	n.DeliveredAt, n.ReadAt, n.AlertID = ptrMicros(delivered), ptrMicros(read), alert.Int64
	var err error
	if len(rcpt) > 0 {
		if n.Recipient, err = db.open("outbox.recipient", rcpt); err != nil {
			return nil, err
		}
	}
	if len(body) > 0 {
		if n.Body, err = db.open("outbox.body", body); err != nil {
			return nil, err
		}
	}
	return &n, nil
}

// FindNotification returns one outbox row with its recipient and body.
func (db *DB) FindNotification(ctx context.Context, id int64) (*Notification, error) {
	n, err := db.scanNotification(db.readRow(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, fmt.Errorf("store: notification %d not found", id)
	}
	return n, err
}

// AlertNotifications returns the outbox rows of an alert, oldest first.
func (db *DB) AlertNotifications(ctx context.Context, alertID int64) ([]Notification, error) {
	rows, err := db.readQuery(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE alert_id = ? ORDER BY id`, alertID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n, err := db.scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *n)
	}
	return out, rows.Err()
}

// DeliveryResult is the outcome of one delivery attempt.
type DeliveryResult struct {
	OutboxID   int64
	AlertID    int64
	Attempt    int // 1 for the first attempt
	Started    time.Time
	Finished   time.Time
	Delivered  bool
	StatusCode int
	Error      string
	// NextAttempt is when to retry after a failure; zero gives up (failed).
	NextAttempt time.Time
}

// RecordDeliveries writes a batch of attempt outcomes in one transaction:
// the attempt rows, the outbox state, and the first-notification time of the
// alerts concerned.
func (db *DB) RecordDeliveries(ctx context.Context, rs []DeliveryResult) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		for _, r := range rs {
			outcome := AttemptFailed
			if r.Delivered {
				outcome = AttemptDelivered
			}
			errText := r.Error
			if len(errText) > 500 {
				errText = errText[:500]
			}
			if _, err := tx.Exec(ctx, `INSERT INTO outbox_attempts (outbox_id, attempt, started_at, finished_at, outcome, status_code, error) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				r.OutboxID, r.Attempt, micros(r.Started), micros(r.Finished), outcome, r.StatusCode, errText); err != nil {
				return fmt.Errorf("store: record attempt: %w", err)
			}
			switch {
			case r.Delivered:
				if _, err := tx.Exec(ctx, `UPDATE outbox SET status = ?, attempts = ?, delivered_at = ?, last_error = '' WHERE id = ? AND status = ?`,
					OutboxDelivered, r.Attempt, micros(r.Finished), r.OutboxID, OutboxPending); err != nil {
					return err
				}
				if r.AlertID != 0 {
					if _, err := tx.Exec(ctx, `UPDATE alerts SET first_notified_at = ? WHERE id = ? AND first_notified_at IS NULL`, micros(r.Finished), r.AlertID); err != nil {
						return err
					}
				}
			case r.NextAttempt.IsZero():
				if _, err := tx.Exec(ctx, `UPDATE outbox SET status = ?, attempts = ?, last_error = ? WHERE id = ? AND status = ?`,
					OutboxFailed, r.Attempt, errText, r.OutboxID, OutboxPending); err != nil {
					return err
				}
			default:
				if _, err := tx.Exec(ctx, `UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ? AND status = ?`,
					r.Attempt, micros(r.NextAttempt), errText, r.OutboxID, OutboxPending); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// DeliveryAttempt is one recorded attempt.
type DeliveryAttempt struct {
	Attempt    int
	Started    time.Time
	Finished   time.Time
	Outcome    string
	StatusCode int
	Error      string
}

// DeliveryAttempts lists the attempts of one notification.
func (db *DB) DeliveryAttempts(ctx context.Context, outboxID int64) ([]DeliveryAttempt, error) {
	rows, err := db.readQuery(ctx, `SELECT attempt, started_at, finished_at, outcome, status_code, error FROM outbox_attempts WHERE outbox_id = ? ORDER BY id`, outboxID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeliveryAttempt
	for rows.Next() {
		var a DeliveryAttempt
		var s, f int64
		if err := rows.Scan(&a.Attempt, &s, &f, &a.Outcome, &a.StatusCode, &a.Error); err != nil {
			return nil, err
		}
		a.Started, a.Finished = fromMicros(s), fromMicros(f)
		out = append(out, a)
	}
	return out, rows.Err()
}

// PendingByChannel counts the notifications waiting for delivery, by
// channel (inbox ones are delivered on insert), for metrics: a channel that
// no node can send shows here as a growing count.
func (db *DB) PendingByChannel(ctx context.Context) (map[string]int, error) {
	rows, err := db.readQuery(ctx, `SELECT channel, COUNT(*) FROM outbox WHERE status = ? AND channel <> ? GROUP BY channel`, OutboxPending, ChannelInbox)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var c string
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			return nil, err
		}
		out[c] = n
	}
	return out, rows.Err()
}

// outboxRowsPerStatement keeps a multi-row insert under the engines'
// parameter limits (15 parameters a row).
const outboxRowsPerStatement = 500

// EnqueueBatch queues many notifications with multi-row inserts and returns
// them with their ids. Every one must carry a DedupKey that is new (the
// alert pipeline builds them from a fresh alert id or tier): a repeat fails
// the transaction instead of being skipped. With hold > 0 the polling
// workers leave the rows alone that long, because the caller hands them to
// a worker directly. Inbox rows are delivered on insert. A notification
// that already has an ID (reserved with ReserveIDs) is inserted under it.
func (tx *Tx) EnqueueBatch(ctx context.Context, ns []Notification, hold time.Duration) ([]Notification, error) {
	out := make([]Notification, len(ns))
	copy(out, ns)
	byKey := make(map[string]int, len(out))
	for i := range out {
		if out[i].DedupKey == "" {
			return nil, fmt.Errorf("store: enqueue batch: notification without dedup key")
		}
		byKey[out[i].DedupKey] = i
	}
	now := micros(tx.now)
	for start := 0; start < len(out); start += outboxRowsPerStatement {
		part := out[start:min(start+outboxRowsPerStatement, len(out))]
		var b strings.Builder
		b.WriteString(`INSERT INTO outbox (id, created_at, channel, recipient_user, recipient_enc, kind, case_id, subject, body_enc, dedup_key, status, attempts, next_attempt_at, delivered_at, alert_id, max_attempts) VALUES `)
		args := make([]any, 0, len(part)*16)
		for i := range part {
			n := &part[i]
			recipient, err := tx.seal(vault.Identity, "outbox.recipient", n.Recipient)
			if err != nil {
				return nil, err
			}
			body, err := tx.seal(vault.Risk, "outbox.body", n.Body)
			if err != nil {
				return nil, err
			}
			n.CreatedAt, n.Status = tx.now, OutboxPending
			var delivered any
			if n.Channel == ChannelInbox {
				n.Status, delivered = OutboxDelivered, now
				n.DeliveredAt = &tx.now
			}
			if i > 0 {
				b.WriteString(", ")
			}
			switch {
			case n.ID != 0:
				b.WriteString("(?, ")
				args = append(args, n.ID)
			case tx.db.Dialect == Postgres:
				b.WriteString("(DEFAULT, ")
			default:
				b.WriteString("(NULL, ")
			}
			b.WriteString("?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)")
			args = append(args, now, n.Channel, nullID(n.UserID), recipient, n.Kind, nullID(n.CaseID), n.Subject, body, n.DedupKey, n.Status,
				micros(tx.now.Add(hold)), delivered, nullID(n.AlertID), n.MaxAttempts)
		}
		b.WriteString(" RETURNING id, dedup_key")
		rows, err := tx.Query(ctx, b.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("store: enqueue batch: %w", err)
		}
		for rows.Next() {
			var id int64
			var key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return nil, err
			}
			if i, ok := byKey[key]; ok {
				out[i].ID = id
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: enqueue batch: %w", err)
		}
	}
	return out, nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"escudo/internal/vault"
)

// Notification channels.
const (
	ChannelInbox   = "inbox" // shown to staff in the web interface
	ChannelEmail   = "email"
	ChannelSMS     = "sms"
	ChannelWebhook = "webhook"
)

// ExternalChannels are the channels delivered by the outbox workers.
var ExternalChannels = []string{ChannelEmail, ChannelSMS, ChannelWebhook}

// Outbox statuses.
const (
	OutboxPending   = "pending"
	OutboxDelivered = "delivered"
	OutboxFailed    = "failed" // gave up after the last retry
)

// Notification is one message in the outbox.
type Notification struct {
	ID          int64
	CreatedAt   time.Time
	Channel     string
	UserID      int64  // recipient account, when there is one
	Recipient   string // address, phone or URL; sealed at rest
	Kind        string
	CaseID      int64
	Subject     string // non-sensitive: references and codes only
	Body        string // sealed at rest
	DedupKey    string
	Status      string
	Attempts    int
	NextAttempt time.Time
	LastError   string
	DeliveredAt *time.Time
	ReadAt      *time.Time
	AlertID     int64 // the alert this notification is about, if any
	MaxAttempts int   // 0: the delivery workers' default
}

// Enqueue adds a notification in this transaction, so it is sent if and only
// if the change that caused it commits. A repeated DedupKey is ignored.
// Inbox messages are delivered on insert.
func (tx *Tx) Enqueue(ctx context.Context, n Notification) error {
	_, err := tx.enqueue(ctx, n, 0)
	return err
}

// enqueue inserts n and returns its id (0 when DedupKey repeats). A positive
// claim holds the row from the polling workers for that long, because the
// caller hands it to a worker directly.
func (tx *Tx) enqueue(ctx context.Context, n Notification, claim time.Duration) (int64, error) {
	if n.DedupKey != "" {
		var c int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM outbox WHERE dedup_key = ?`, n.DedupKey).Scan(&c); err != nil {
			return 0, err
		}
		if c > 0 {
			return 0, nil
		}
	}
	recipient, err := tx.seal(vault.Identity, "outbox.recipient", n.Recipient)
	if err != nil {
		return 0, err
	}
	body, err := tx.seal(vault.Risk, "outbox.body", n.Body)
	if err != nil {
		return 0, err
	}
	status, delivered, next := OutboxPending, any(nil), tx.now.Add(claim)
	if n.NextAttempt.After(next) {
		// Held until then: a beneficiary's safe hours.
		next = n.NextAttempt
	}
	if n.Channel == ChannelInbox {
		status, delivered = OutboxDelivered, micros(tx.now)
	}
	var dedup any
	if n.DedupKey != "" {
		dedup = n.DedupKey
	}
	n.ID, err = tx.InsertID(ctx, `INSERT INTO outbox (created_at, channel, recipient_user, recipient_enc, kind, case_id, subject, body_enc, dedup_key, status, attempts, next_attempt_at, delivered_at, alert_id, max_attempts)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
		micros(tx.now), n.Channel, nullID(n.UserID), recipient, n.Kind, nullID(n.CaseID), n.Subject, body, dedup, status, micros(next), delivered, nullID(n.AlertID), n.MaxAttempts)
	if err != nil {
		return 0, fmt.Errorf("store: enqueue: %w", err)
	}
	return n.ID, nil
}

// Inbox returns a user's newest in-app notifications.
func (db *DB) Inbox(ctx context.Context, userID int64, limit int) ([]Notification, error) {
	rows, err := db.readQuery(ctx, `SELECT id, created_at, kind, case_id, subject, body_enc, read_at, alert_id FROM outbox
		WHERE recipient_user = ? AND channel = ? ORDER BY created_at DESC, id DESC LIMIT ?`, userID, ChannelInbox, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var created int64
		var caseID, read, alertID sql.NullInt64
		var body []byte
		if err := rows.Scan(&n.ID, &created, &n.Kind, &caseID, &n.Subject, &body, &read, &alertID); err != nil {
			return nil, err
		}
		n.CreatedAt, n.CaseID, n.ReadAt, n.Channel, n.UserID = fromMicros(created), caseID.Int64, ptrMicros(read), ChannelInbox, userID
		n.AlertID = alertID.Int64
		if n.Body, err = db.open("outbox.body", body); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// UnreadCount is how many in-app notices the user has not read.
func (db *DB) UnreadCount(ctx context.Context, userID int64) (int, error) {
	var n int
	err := db.readRow(ctx, `SELECT COUNT(*) FROM outbox WHERE recipient_user = ? AND channel = ? AND read_at IS NULL`,
		userID, ChannelInbox).Scan(&n)
	return n, err
}

// MarkNoticesRead marks the user's own in-app notices read: those in ids,
// or every one when ids is empty. Another person's notices are never
// touched, whatever ids says.
func (db *DB) MarkNoticesRead(ctx context.Context, userID int64, ids []int64) (int64, error) {
	var marked int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		q := `UPDATE outbox SET read_at = ? WHERE recipient_user = ? AND channel = ? AND read_at IS NULL`
		args := []any{micros(tx.now), userID, ChannelInbox}
		if len(ids) > 0 {
			q += ` AND id IN (` + placeholders(len(ids)) + `)`
			for _, id := range ids {
				args = append(args, id)
			}
		}
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: mark notices read: %w", err)
		}
		marked, _ = res.RowsAffected()
		if marked == 0 {
			return nil
		}
		return tx.Audit(ctx, AuditEntry{Action: "notice.read", ObjectType: "user", ObjectID: fmt.Sprint(userID), Fields: fmt.Sprintf("notices:%d", marked)})
	})
	return marked, err
}

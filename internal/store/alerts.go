package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/vault"
)

var _ escudo.AlertService = (*DB)(nil)

// Alert timeline event kinds.
const (
	AlertEventReceived     = "received"
	AlertEventRepeat       = "repeat" // the same device pressed again within the dedup window
	AlertEventEscalated    = "escalated"
	AlertEventAcknowledged = "acknowledged"
	AlertEventDispatched   = "dispatched"
	AlertEventResolved     = "resolved"
)

// AlertEvent is one step of an alert's timeline.
type AlertEvent struct {
	At      time.Time
	ActorID int64
	Kind    string
	Detail  string
}

// NewAlert is one alert of a group commit: the input, the beneficiary's
// federal entity (for routing), when it escalates if nobody acknowledges,
// the id reserved for it (ReserveIDs; 0 lets the database choose) and, once
// inserted, the stored alert.
type NewAlert struct {
	In       *escudo.AlertInput
	Entity   string
	Escalate time.Time
	ID       int64
	Alert    *escudo.Alert
}

// InsertAlerts stores a batch of alerts in this transaction. An alert that
// repeats an earlier one — the same message id from the same device, the
// same dedup key, or the same type from the same device within window while
// that alert is still open — is not stored: its result is the earlier alert
// with Duplicate set. The statements per alert are kept few (a repeat check
// and one insert; one audit append for the whole batch) because the single
// SQLite writer serves every alert of the installation.
func (tx *Tx) InsertAlerts(ctx context.Context, items []*NewAlert, window time.Duration) error {
	if err := tx.lockRepeatDevices(ctx, items, window); err != nil {
		return err
	}
	audits := make([]*AuditEntry, 0, len(items))
	for _, it := range items {
		in := it.In
		dup, err := tx.findRepeat(ctx, in, window)
		if err != nil {
			return err
		}
		if dup != nil {
			it.Alert = dup
			continue
		}
		a := in.Open(it.Entity, tx.now)
		var loc, note []byte
		if in.Location != nil {
			b, _ := json.Marshal(in.Location)
			if loc, err = tx.seal(vault.Location, "alerts.location", string(b)); err != nil {
				return err
			}
		}
		if in.Note != "" {
			if note, err = tx.seal(vault.Risk, "alerts.note", in.Note); err != nil {
				return err
			}
		}
		var battery, msgID, dedup, next any
		if in.Battery != nil {
			battery = *in.Battery
		}
		if in.MessageID != "" {
			msgID = in.MessageID
		}
		if in.DedupKey != "" {
			dedup = in.DedupKey
		}
		if !it.Escalate.IsZero() {
			e := it.Escalate.UTC()
			a.NextEscalation, next = &e, micros(e)
		}
		args := []any{nullID(in.DeviceID), in.PersonID, it.Entity, string(in.Type), string(in.Source), string(escudo.AlertOpen), msgID, dedup, loc, battery,
			strings.Join(in.Flags, ","), note, next, nullMicros(in.OccurredAt), micros(a.ReceivedAt), micros(tx.now)}
		// Another node may be storing the same press (message id or dedup
		// key) in a transaction this one cannot see yet: the unique keys
		// let one row in, PostgreSQL makes this insert wait for the other
		// transaction, and the conflict makes this alert the duplicate.
		stored := true
		if it.ID != 0 { // reserved: the alert was paged under this number
			a.ID = it.ID
			var res sql.Result
			if res, err = tx.Exec(ctx, qAlertInsertID, append([]any{it.ID}, args...)...); err == nil {
				var n int64
				n, err = res.RowsAffected()
				stored = n > 0
			}
		} else {
			err = tx.QueryRow(ctx, qAlertInsert, args...).Scan(&a.ID)
			if isNoRows(err) {
				stored, err = false, nil
			}
		}
		if err != nil {
			return fmt.Errorf("store: insert alert: %w", err)
		}
		if !stored {
			dup, err := tx.findRepeat(ctx, in, 0)
			if err != nil {
				return err
			}
			if dup == nil {
				return fmt.Errorf("store: insert alert: conflict with no earlier alert (reserved id %d)", it.ID)
			}
			it.Alert = dup
			continue
		}
		if in.DeviceID != 0 && in.Type == escudo.AlertTest {
			// Supervision flags devices not tested for 30 days.
			if _, err := tx.Exec(ctx, `UPDATE devices SET last_test_at = ? WHERE id = ?`, micros(tx.now), in.DeviceID); err != nil {
				return err
			}
		}
		fields := "type"
		if in.Location != nil {
			fields += ",location"
		}
		if len(in.Flags) > 0 {
			fields += ",flags:" + strings.Join(in.Flags, "+")
		}
		e := &AuditEntry{Action: "alert.receive", ObjectType: "alert", ObjectID: strconv.FormatInt(a.ID, 10), Fields: fields}
		fillAudit(ctx, e)
		audits = append(audits, e)
		it.Alert = a
	}
	if len(audits) == 0 {
		return nil
	}
	return tx.appendAudit(ctx, audits)
}

// lockRepeatDevices serialises, across nodes, the window repeat check of
// the batch's devices. The repeat of a press within the window is a lookup
// (no key can say "open and younger than the window"), so two presses of
// one device reaching two nodes at once would each find no earlier alert in
// the other's uncommitted transaction and be stored as two alerts. On
// PostgreSQL each such device's transaction-scoped advisory lock (key space
// 7271003, the device id as the second key) makes the later transaction
// wait for the earlier one's commit and then see its alert. The locks of a
// batch are taken in one statement, in ascending order, so two batches
// never wait on each other in a cycle. SQLite has one writer: nothing to
// do.
func (tx *Tx) lockRepeatDevices(ctx context.Context, items []*NewAlert, window time.Duration) error {
	if tx.db.Dialect != Postgres || window <= 0 {
		return nil
	}
	var ids []int64
	seen := map[int64]bool{}
	for _, it := range items {
		if id := it.In.DeviceID; id != 0 && it.In.DedupKey == "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = int32(id % math.MaxInt32) // #nosec G115 -- the remainder fits
	}
	q := `SELECT count(pg_advisory_xact_lock(7271003, k)) FROM (SELECT k FROM unnest(ARRAY[` + placeholders(len(ids)) + `]::int[]) AS k ORDER BY k) AS d`
	var n int
	if err := tx.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return fmt.Errorf("store: lock devices for the repeat check: %w", err)
	}
	return nil
}

func (tx *Tx) findRepeat(ctx context.Context, in *escudo.AlertInput, window time.Duration) (*escudo.Alert, error) {
	q, args, repeat := repeatQuery(in, window, tx.now)
	if q == "" {
		return nil, nil
	}
	var id int64
	var status string
	var err error
	if q == qAlertByMessageOrRepeat {
		var kind int
		err = tx.QueryRow(ctx, q, args...).Scan(&id, &status, &kind)
		repeat = kind == 1
	} else {
		err = tx.QueryRow(ctx, q, args...).Scan(&id, &status)
	}
	if isNoRows(err) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("store: alert dedup: %w", err)
	}
	if repeat {
		// A second press is worth seeing on the timeline, a retransmission is not.
		if err := tx.AlertEvent(ctx, id, AlertEventRepeat, string(in.Type)); err != nil {
			return nil, err
		}
	}
	return &escudo.Alert{ID: id, Status: escudo.AlertStatus(status), DeviceID: in.DeviceID, Type: in.Type, Duplicate: true}, nil
}

// repeatQuery is the lookup of the alert that in would repeat (empty for
// an alert that can repeat nothing), its arguments, and whether a match is
// a second press rather than a retransmission (qAlertByMessageOrRepeat
// tells by its third column).
func repeatQuery(in *escudo.AlertInput, window time.Duration, now time.Time) (string, []any, bool) {
	switch {
	case in.DedupKey != "":
		return qAlertByDedup, []any{in.DedupKey}, false
	case in.DeviceID != 0 && in.MessageID != "" && window > 0:
		return qAlertByMessageOrRepeat, []any{in.DeviceID, in.MessageID,
			in.DeviceID, string(in.Type), micros(now.Add(-window)), string(escudo.AlertResolved)}, false
	case in.DeviceID != 0 && in.MessageID != "":
		return qAlertByMessage, []any{in.DeviceID, in.MessageID}, false
	case in.DeviceID != 0 && window > 0:
		return qAlertRepeat, []any{in.DeviceID, string(in.Type), micros(now.Add(-window)), string(escudo.AlertResolved)}, true
	}
	return "", nil, false
}

// RepeatStored reports whether the alert that in would repeat is committed,
// as InsertAlerts would find it, from the read pool and outside any
// transaction: a node that lost an early-page claim to another node waits
// on it for that node's alert (internal/alert/early.go).
func (db *DB) RepeatStored(ctx context.Context, in *escudo.AlertInput, window time.Duration) (bool, error) {
	q, args, _ := repeatQuery(in, window, db.Now())
	if q == "" {
		return false, nil
	}
	// A waiting node asks every few milliseconds: on PostgreSQL on the
	// alert path's side connections, planned once (db.go).
	var rows *sql.Rows
	var err error
	if db.side != nil {
		rows, err = db.side.QueryContext(ctx, db.Rebind(q), args...)
	} else {
		rows, err = db.readQuery(ctx, q, args...)
	}
	if err != nil {
		return false, fmt.Errorf("store: alert dedup: %w", err)
	}
	defer rows.Close()
	found := rows.Next()
	return found, rows.Err()
}

// AlertEvent appends a step to an alert's timeline, by the acting user.
func (tx *Tx) AlertEvent(ctx context.Context, alertID int64, kind, detail string) error {
	_, err := tx.Exec(ctx, qAlertEvent,
		alertID, micros(tx.now), nullID(escudo.UserIDFromContext(ctx)), kind, detail)
	if err != nil {
		return fmt.Errorf("store: alert event: %w", err)
	}
	return nil
}

// EnqueueAlertNotification queues n for an alert and returns it with its id
// (0 when its DedupKey repeats). With hold > 0 the polling workers leave the
// row alone that long, because the caller hands it to a worker directly.
func (tx *Tx) EnqueueAlertNotification(ctx context.Context, n Notification, hold time.Duration) (Notification, error) {
	id, err := tx.enqueue(ctx, n, hold)
	n.ID, n.CreatedAt = id, tx.now
	if n.Channel == ChannelInbox {
		n.Status = OutboxDelivered
	} else {
		n.Status = OutboxPending
	}
	return n, err
}

// Recipient is a staff user an alert tier notifies.
type Recipient struct {
	UserID int64
	Email  string
	Locale string
}

// TierRecipients returns the enabled users of the tier's roles, limited to
// the entity and agencies when the tier says so.
func (tx *Tx) TierRecipients(ctx context.Context, t escudo.EscalationTier, entity string) ([]Recipient, error) {
	if len(t.Roles) == 0 {
		return nil, nil
	}
	q := `SELECT id, email, locale FROM users WHERE disabled = 0 AND role IN (` + placeholders(len(t.Roles)) + `)`
	args := make([]any, 0, len(t.Roles)+len(t.Agencies)+1)
	for _, r := range t.Roles {
		args = append(args, string(r))
	}
	if t.EntityScoped {
		q += ` AND entity = ?`
		args = append(args, entity)
	}
	if len(t.Agencies) > 0 {
		q += ` AND agency IN (` + placeholders(len(t.Agencies)) + `)`
		for _, a := range t.Agencies {
			args = append(args, a)
		}
	}
	rows, err := tx.Query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: tier recipients: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.UserID, &r.Email, &r.Locale); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// SetAlertTier records that tier was notified and when the next escalation
// is due (nil: never). It applies only while the alert is still open and at
// fromTier, so two nodes never escalate the same step twice.
func (tx *Tx) SetAlertTier(ctx context.Context, alertID int64, fromTier, tier int, next *time.Time) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE alerts SET tier = ?, escalations = escalations + ?, next_escalation_at = ? WHERE id = ? AND status = ? AND tier = ?`,
		tier, boolInt(tier != fromTier), nullMicros(next), alertID, string(escudo.AlertOpen), fromTier)
	if err != nil {
		return false, fmt.Errorf("store: alert tier: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DueAlert is an open, unacknowledged alert waiting for its next escalation.
type DueAlert struct {
	ID       int64
	PersonID int64
	Entity   string
	Type     escudo.AlertType
	Tier     int
	Due      time.Time
}

// EscalationsDue returns open alerts whose next escalation is due before
// until, soonest first. The scheduler loads them at start-up and sweeps for
// them as a fallback.
func (db *DB) EscalationsDue(ctx context.Context, until time.Time, limit int) ([]DueAlert, error) {
	rows, err := db.readQuery(ctx, `SELECT id, person_id, entity, type, tier, next_escalation_at FROM alerts
		WHERE next_escalation_at IS NOT NULL AND next_escalation_at <= ? AND status = ? ORDER BY next_escalation_at LIMIT ?`,
		micros(until), string(escudo.AlertOpen), limit)
	if err != nil {
		return nil, fmt.Errorf("store: escalations due: %w", err)
	}
	defer rows.Close()
	var out []DueAlert
	for rows.Next() {
		var d DueAlert
		var typ string
		var due int64
		if err := rows.Scan(&d.ID, &d.PersonID, &d.Entity, &typ, &d.Tier, &due); err != nil {
			return nil, err
		}
		d.Type, d.Due = escudo.AlertType(typ), fromMicros(due)
		out = append(out, d)
	}
	return out, rows.Err()
}

// AlertsAwaitingAck counts the open alerts nobody has acknowledged yet (they
// have an escalation time), on every node.
func (db *DB) AlertsAwaitingAck(ctx context.Context) (int, error) {
	var n int
	err := db.readRow(ctx, `SELECT COUNT(*) FROM alerts WHERE next_escalation_at IS NOT NULL AND status = ?`, string(escudo.AlertOpen)).Scan(&n)
	return n, err
}

// AlertForUpdate returns an alert's current state inside tx.
func (tx *Tx) AlertForUpdate(ctx context.Context, id int64) (*escudo.Alert, error) {
	if tx.db.Dialect == Postgres {
		// Locked until the commit: a second node escalating or closing the
		// same alert waits, then reads what the first wrote, instead of
		// both writing the same escalation (whose notification keys then
		// collide and fail the whole group commit).
		return tx.db.scanAlert(tx.QueryRow(ctx, qAlertForUpdate+` FOR UPDATE OF a`, id))
	}
	return tx.db.scanAlert(tx.QueryRow(ctx, qAlertForUpdate, id))
}

// AcknowledgeAlert records that the acting user has taken the alert; it
// stops the escalation. Acknowledging twice keeps the first time.
func (db *DB) AcknowledgeAlert(ctx context.Context, id int64) (a *escudo.Alert, err error) {
	err = db.WithTx(ctx, true, func(tx *Tx) error { a, err = tx.AcknowledgeAlert(ctx, id); return err })
	return a, err
}

// AcknowledgeAlert is AcknowledgeAlert inside tx.
func (tx *Tx) AcknowledgeAlert(ctx context.Context, id int64) (*escudo.Alert, error) {
	a, err := tx.AlertForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.AcknowledgedAt == nil {
		if err := tx.acknowledge(ctx, a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (tx *Tx) acknowledge(ctx context.Context, a *escudo.Alert) error {
	uid := escudo.UserIDFromContext(ctx)
	if _, err := tx.Exec(ctx, qAlertAcknowledge,
		string(escudo.AlertAcknowledged), micros(tx.now), nullID(uid), a.ID); err != nil {
		return fmt.Errorf("store: acknowledge alert: %w", err)
	}
	now := tx.now
	a.Status, a.AcknowledgedAt, a.AcknowledgedBy, a.NextEscalation = escudo.AlertAcknowledged, &now, uid, nil
	if err := tx.AlertEvent(ctx, a.ID, AlertEventAcknowledged, ""); err != nil {
		return err
	}
	return tx.Audit(ctx, AuditEntry{Action: "alert.acknowledge", ObjectType: "alert", ObjectID: fmt.Sprint(a.ID)})
}

// DispatchAlert records which agency or unit was sent and when. An alert not
// yet acknowledged is acknowledged by the same step.
func (db *DB) DispatchAlert(ctx context.Context, id int64, d escudo.Dispatch) (a *escudo.Alert, err error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	err = db.WithTx(ctx, true, func(tx *Tx) error { a, err = tx.DispatchAlert(ctx, id, d); return err })
	return a, err
}

// DispatchAlert is DispatchAlert inside tx; d must be valid.
func (tx *Tx) DispatchAlert(ctx context.Context, id int64, d escudo.Dispatch) (*escudo.Alert, error) {
	a, err := tx.AlertForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Status == escudo.AlertResolved {
		return nil, escudo.Errorf(escudo.ECONFLICT, "error.alert_resolved")
	}
	if a.AcknowledgedAt == nil {
		if err := tx.acknowledge(ctx, a); err != nil {
			return nil, err
		}
	}
	at := d.At
	if at.IsZero() || at.After(tx.now) {
		at = tx.now
	}
	uid := escudo.UserIDFromContext(ctx)
	if _, err := tx.Exec(ctx, `UPDATE alerts SET status = ?, dispatched_at = ?, dispatched_by = ?, agency = ?, unit = ? WHERE id = ?`,
		string(escudo.AlertDispatched), micros(at), nullID(uid), d.Agency, d.Unit, id); err != nil {
		return nil, fmt.Errorf("store: dispatch alert: %w", err)
	}
	a.Status, a.DispatchedAt, a.DispatchedBy, a.Agency, a.Unit = escudo.AlertDispatched, &at, uid, d.Agency, d.Unit
	if err := tx.AlertEvent(ctx, id, AlertEventDispatched, d.Agency+" "+d.Unit); err != nil {
		return nil, err
	}
	return a, tx.Audit(ctx, AuditEntry{Action: "alert.dispatch", ObjectType: "alert", ObjectID: fmt.Sprint(id), Fields: "agency,unit"})
}

// CheckResolution validates an outcome and note before resolving.
func CheckResolution(outcome escudo.AlertOutcome, note string) error {
	if outcome == "" {
		return escudo.FieldError("outcome", "validation.outcome_required", nil)
	}
	if !escudo.ValidOutcome(outcome) {
		return escudo.FieldError("outcome", "validation.choice", nil)
	}
	if len(note) > escudo.MaxLongText {
		return escudo.FieldError("note", "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	return nil
}

// ResolveAlert closes an alert with an outcome. An alert not yet
// acknowledged is acknowledged by the same step.
func (db *DB) ResolveAlert(ctx context.Context, id int64, outcome escudo.AlertOutcome, note string) (a *escudo.Alert, err error) {
	if err := CheckResolution(outcome, note); err != nil {
		return nil, err
	}
	err = db.WithTx(ctx, true, func(tx *Tx) error { a, err = tx.ResolveAlert(ctx, id, outcome, note); return err })
	return a, err
}

// ResolveAlert is ResolveAlert inside tx; outcome and note must be valid.
func (tx *Tx) ResolveAlert(ctx context.Context, id int64, outcome escudo.AlertOutcome, note string) (*escudo.Alert, error) {
	a, err := tx.AlertForUpdate(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Status == escudo.AlertResolved {
		return a, nil
	}
	if err := escudo.CheckOutcome(a, outcome); err != nil {
		return nil, err
	}
	var sealed []byte
	if note != "" {
		if sealed, err = tx.seal(vault.Risk, "alerts.resolution", note); err != nil {
			return nil, err
		}
	}
	uid := escudo.UserIDFromContext(ctx)
	now := tx.now
	objectID := strconv.FormatInt(id, 10)
	if a.AcknowledgedAt != nil {
		if _, err := tx.Exec(ctx, qAlertResolve,
			string(escudo.AlertResolved), micros(now), nullID(uid), string(outcome), sealed, id); err != nil {
			return nil, fmt.Errorf("store: resolve alert: %w", err)
		}
		a.Status, a.ResolvedAt, a.ResolvedBy, a.Outcome = escudo.AlertResolved, &now, uid, string(outcome)
		if err := tx.AlertEvent(ctx, id, AlertEventResolved, string(outcome)); err != nil {
			return nil, err
		}
		if err := tx.reevaluationForAlert(ctx, a); err != nil {
			return nil, err
		}
		return a, tx.Audit(ctx, AuditEntry{Action: "alert.resolve", ObjectType: "alert", ObjectID: objectID, Fields: "outcome"})
	}
	// Not yet acknowledged: the same step acknowledges it. One update sets
	// both, and its two events and two audit entries are written in one
	// statement each: a duty desk closing alerts as they come is half the
	// writer's work at 1,000 alerts a second.
	if _, err := tx.Exec(ctx, qAlertAckResolve, string(escudo.AlertResolved), micros(now), nullID(uid),
		micros(now), nullID(uid), string(outcome), sealed, id); err != nil {
		return nil, fmt.Errorf("store: resolve alert: %w", err)
	}
	a.Status, a.AcknowledgedAt, a.AcknowledgedBy, a.NextEscalation = escudo.AlertResolved, &now, uid, nil
	a.ResolvedAt, a.ResolvedBy, a.Outcome = &now, uid, string(outcome)
	if _, err := tx.Exec(ctx, qAlertEvent2, id, micros(now), nullID(uid), AlertEventAcknowledged, "",
		id, micros(now), nullID(uid), AlertEventResolved, string(outcome)); err != nil {
		return nil, fmt.Errorf("store: alert event: %w", err)
	}
	ack := AuditEntry{Action: "alert.acknowledge", ObjectType: "alert", ObjectID: objectID}
	res := AuditEntry{Action: "alert.resolve", ObjectType: "alert", ObjectID: objectID, Fields: "outcome"}
	fillAudit(ctx, &ack)
	fillAudit(ctx, &res)
	if err := tx.reevaluationForAlert(ctx, a); err != nil {
		return nil, err
	}
	return a, tx.appendAudit(ctx, []*AuditEntry{&ack, &res})
}

const alertColumns = `a.id, a.device_id, d.kind, a.person_id, a.entity, a.type, a.source, a.status, a.message_id, a.location_enc, a.battery, a.flags, a.note_enc,
	a.tier, a.escalations, a.next_escalation_at, a.occurred_at, a.received_at, a.stored_at, a.first_notified_at, a.acknowledged_at, a.acknowledged_by,
	a.dispatched_at, a.dispatched_by, a.agency, a.unit, a.resolved_at, a.resolved_by, a.outcome`

func (db *DB) scanAlert(row interface{ Scan(...any) error }) (*escudo.Alert, error) {
	a := &escudo.Alert{}
	var device, battery, next, occurred, first, acked, ackBy, disp, dispBy, resolved, resBy sql.NullInt64
	var kind, msgID sql.NullString
	var typ, source, status, flags string
	var loc, note []byte
	var received, stored int64
	err := row.Scan(&a.ID, &device, &kind, &a.PersonID, &a.Entity, &typ, &source, &status, &msgID, &loc, &battery, &flags, &note,
		&a.Tier, &a.Escalations, &next, &occurred, &received, &stored, &first, &acked, &ackBy, &disp, &dispBy, &a.Agency, &a.Unit, &resolved, &resBy, &a.Outcome)
	if isNoRows(err) {
		return nil, escudo.Errorf(escudo.ENOTFOUND, "error.alert_not_found")
	} else if err != nil {
		return nil, err
	}
	a.DeviceID, a.DeviceKind, a.MessageID = device.Int64, escudo.DeviceKind(kind.String), msgID.String
	a.Type, a.Source, a.Status = escudo.AlertType(typ), escudo.AlertSource(source), escudo.AlertStatus(status)
	if battery.Valid {
		b := int(battery.Int64)
		a.Battery = &b
	}
	if flags != "" {
		a.Flags = strings.Split(flags, ",")
	}
	a.NextEscalation, a.OccurredAt, a.ReceivedAt, a.StoredAt = ptrMicros(next), ptrMicros(occurred), fromMicros(received), fromMicros(stored)
	a.FirstNotified, a.AcknowledgedAt, a.AcknowledgedBy = ptrMicros(first), ptrMicros(acked), ackBy.Int64
	a.DispatchedAt, a.DispatchedBy, a.ResolvedAt, a.ResolvedBy = ptrMicros(disp), dispBy.Int64, ptrMicros(resolved), resBy.Int64
	if len(loc) > 0 {
		s, err := db.open("alerts.location", loc)
		if err != nil {
			return nil, err
		}
		a.Location = &escudo.Location{}
		if err := json.Unmarshal([]byte(s), a.Location); err != nil {
			return nil, fmt.Errorf("store: alert location: %w", err)
		}
	}
	if len(note) > 0 {
		if a.Note, err = db.open("alerts.note", note); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// FindAlertByID returns one alert with its location and notes.
func (db *DB) FindAlertByID(ctx context.Context, id int64) (*escudo.Alert, error) {
	return db.scanAlert(db.readRow(ctx, `SELECT `+alertColumns+` FROM alerts a LEFT JOIN devices d ON d.id = a.device_id WHERE a.id = ?`, id))
}

// FindAlerts lists alerts, newest first; Open selects unresolved ones.
func (db *DB) FindAlerts(ctx context.Context, f escudo.AlertFilter) ([]*escudo.Alert, error) {
	q := `SELECT ` + alertColumns + ` FROM alerts a LEFT JOIN devices d ON d.id = a.device_id WHERE 1 = 1`
	var args []any
	if f.Open {
		q += ` AND a.status <> ?`
		args = append(args, string(escudo.AlertResolved))
	}
	if f.Entity != "" {
		q += ` AND a.entity = ?`
		args = append(args, f.Entity)
	}
	if f.PersonID != 0 {
		q += ` AND a.person_id = ?`
		args = append(args, f.PersonID)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	args = append(args, f.Limit)
	rows, err := db.readQuery(ctx, q+` ORDER BY a.received_at DESC, a.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: find alerts: %w", err)
	}
	defer rows.Close()
	var out []*escudo.Alert
	for rows.Next() {
		a, err := db.scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AlertTimeline returns every step of an alert, oldest first.
func (db *DB) AlertTimeline(ctx context.Context, id int64) ([]AlertEvent, error) {
	rows, err := db.readQuery(ctx, `SELECT at, actor_id, kind, detail FROM alert_events WHERE alert_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AlertEvent
	for rows.Next() {
		var e AlertEvent
		var at int64
		var actor sql.NullInt64
		if err := rows.Scan(&at, &actor, &e.Kind, &e.Detail); err != nil {
			return nil, err
		}
		e.At, e.ActorID = fromMicros(at), actor.Int64
		out = append(out, e)
	}
	return out, rows.Err()
}

// AlertPerson is what the console shows about an alert's beneficiary.
type AlertPerson struct {
	Name    string
	Phone   string
	Address string
	Entity  string
	Muni    string
	// NeverSMS: the person asked never to be contacted by SMS.
	NeverSMS bool
	// The person's latest case, for the operator's link to it (0: none).
	CaseID        int64
	CaseReference string
	Procedure     escudo.Procedure
	// Withheld marks an address left out for this reader (a sign-in older
	// than the re-authentication window); the page offers to sign in again.
	Withheld bool
}

// Liaison is an implementing agency's contact for an entity.
type Liaison struct {
	UserID      int64
	DisplayName string
	Agency      string
	Email       string
}

// EntityLiaisons returns the enabled liaisons of an entity, for the console.
func (db *DB) EntityLiaisons(ctx context.Context, entity string) ([]Liaison, error) {
	rows, err := db.readQuery(ctx, `SELECT id, display_name, agency, email FROM users WHERE role = ? AND entity = ? AND disabled = 0 ORDER BY agency, id`,
		string(escudo.RoleLiaison), entity)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Liaison
	for rows.Next() {
		var l Liaison
		if err := rows.Scan(&l.UserID, &l.DisplayName, &l.Agency, &l.Email); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// PersonEntity returns a beneficiary's federal entity.
func (db *DB) PersonEntity(ctx context.Context, personID int64) (string, error) {
	e, err := db.personEntity(ctx, personID)
	if isNoRows(err) {
		return "", escudo.Errorf(escudo.ENOTFOUND, "error.person_not_found")
	}
	return e, err
}

// NotifyUnknownSMS puts an SMS from a number no device has in the inbox of
// every duty operator: it may be a person in danger writing from another
// phone. The number and text are sealed in the outbox.
func (db *DB) NotifyUnknownSMS(ctx context.Context, from, body string) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		users, err := tx.usersWithRole(ctx, escudo.RoleDuty)
		if err != nil {
			return err
		}
		for _, uid := range users {
			if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: uid, Kind: "sms_unknown_sender",
				Subject: "SMS", Body: from + ": " + body}); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, AuditEntry{Action: "sms.unknown_sender", ObjectType: "sms", Outcome: OutcomeDenied})
	})
}

// AlertPerson opens a beneficiary's name, phone and address for the console.
// The caller audits the read.
func (db *DB) AlertPerson(ctx context.Context, personID int64) (*AlertPerson, error) {
	p, err := db.FindPersonByID(ctx, personID)
	if err != nil {
		return nil, err
	}
	ap := &AlertPerson{Name: p.Name, Phone: p.Phone, Address: p.Address, Entity: p.Entity, Muni: p.Municipality, NeverSMS: p.Contact.NeverSMS}
	var procedure string
	err = db.readRow(ctx, `SELECT id, reference, procedure FROM cases WHERE person_id = ? ORDER BY received_at DESC, id DESC LIMIT 1`, personID).
		Scan(&ap.CaseID, &ap.CaseReference, &procedure)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("store: alert person's case: %w", err)
	}
	ap.Procedure = escudo.Procedure(procedure)
	return ap, nil
}

// RequireDurableCommit makes this transaction's commit wait for the disk
// even where an administrator turned PostgreSQL's synchronous_commit off:
// an alert is answered only once it is safe. SQLite runs with
// synchronous=FULL for every transaction already.
func (tx *Tx) RequireDurableCommit(ctx context.Context) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit TO on`); err != nil {
		return fmt.Errorf("store: synchronous commit: %w", err)
	}
	return nil
}

// Savepoint runs fn so that its failure undoes only its own writes and
// leaves the transaction usable (for the next item of a group commit).
func (tx *Tx) Savepoint(ctx context.Context, fn func() error) error {
	if _, err := tx.Exec(ctx, qSavepoint); err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	audits := len(tx.auditLater)
	if ferr := fn(); ferr != nil {
		tx.auditLater = tx.auditLater[:audits] // rolled back with the rest
		if _, err := tx.Exec(ctx, qSavepointBack); err != nil {
			return fmt.Errorf("store: rollback to savepoint: %w (after %v)", err, ferr)
		}
		if _, err := tx.Exec(ctx, qSavepointRelease); err != nil {
			return fmt.Errorf("store: release savepoint: %w", err)
		}
		return ferr
	}
	if _, err := tx.Exec(ctx, qSavepointRelease); err != nil {
		return fmt.Errorf("store: release savepoint: %w", err)
	}
	return nil
}

// ReserveIDs takes n ids of table ("alerts" or "outbox") that no insert
// will use unless given them explicitly, so the alert pipeline can number
// an alert and its notifications, and send them, before their transaction
// commits. Ids reserved and never used leave gaps. On SQLite it moves the
// AUTOINCREMENT counter in a write transaction; on PostgreSQL it draws from
// the identity sequence.
func (db *DB) ReserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	if table != "alerts" && table != "outbox" {
		return nil, fmt.Errorf("store: reserve ids: table %q", table)
	}
	if n <= 0 {
		return nil, nil
	}
	ids := make([]int64, 0, n)
	if db.Dialect == Postgres {
		rows, err := db.write.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
		if err != nil {
			return nil, fmt.Errorf("store: reserve ids: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		var seq, top int64
		err := tx.QueryRow(ctx, `SELECT seq FROM sqlite_sequence WHERE name = ?`, table).Scan(&seq)
		missing := isNoRows(err)
		if err != nil && !missing {
			return err
		}
		// #nosec G202 -- table is one of two names checked above
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&top); err != nil {
			return err
		}
		base := max(seq, top)
		if missing {
			_, err = tx.Exec(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`, table, base+int64(n))
		} else {
			_, err = tx.Exec(ctx, `UPDATE sqlite_sequence SET seq = ? WHERE name = ?`, base+int64(n), table)
		}
		if err != nil {
			return err
		}
		for i := int64(1); i <= int64(n); i++ {
			ids = append(ids, base+i)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: reserve ids: %w", err)
	}
	return ids, nil
}

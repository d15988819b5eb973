package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"escudo"
)

// Drill statuses.
const (
	DrillRunning         = "running"
	DrillAcknowledged    = "acknowledged"     // the whole chain answered
	DrillNotNotified     = "not_notified"     // no notification delivered before the timeout
	DrillNotAcknowledged = "not_acknowledged" // notified, but nobody acknowledged in time
	DrillFailed          = "failed"           // the test alert could not be raised
)

// Drill is one test alert sent through the whole chain, with its timings
// measured from its start.
type Drill struct {
	ID             int64      `json:"id"`
	DeviceID       int64      `json:"device_id"`
	AlertID        int64      `json:"alert_id,omitempty"`
	StartedAt      time.Time  `json:"started_at"`
	StoredAt       *time.Time `json:"stored_at,omitempty"`
	NotifiedAt     *time.Time `json:"notified_at,omitempty"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	Status         string     `json:"status"`
	Error          string     `json:"error,omitempty"`
}

// ToStore, ToNotify and ToAcknowledge are the measured times, or -1.
func (d *Drill) ToStore() time.Duration       { return since(d.StartedAt, d.StoredAt) }
func (d *Drill) ToNotify() time.Duration      { return since(d.StartedAt, d.NotifiedAt) }
func (d *Drill) ToAcknowledge() time.Duration { return since(d.StartedAt, d.AcknowledgedAt) }

func since(start time.Time, t *time.Time) time.Duration {
	if t == nil {
		return -1
	}
	return t.Sub(start)
}

// StartDrill records a drill about to raise its test alert.
func (db *DB) StartDrill(ctx context.Context, deviceID int64, at time.Time) (*Drill, error) {
	d := &Drill{DeviceID: deviceID, StartedAt: at.UTC(), Status: DrillRunning}
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		var err error
		d.ID, err = tx.InsertID(ctx, `INSERT INTO drills (device_id, started_at, status) VALUES (?, ?, ?)`, deviceID, micros(d.StartedAt), d.Status)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "drill.start", ObjectType: "device", ObjectID: fmt.Sprint(deviceID)})
	})
	if err != nil {
		return nil, fmt.Errorf("store: start drill: %w", err)
	}
	return d, nil
}

// DrillRaised records the drill's stored test alert, or why it failed.
func (db *DB) DrillRaised(ctx context.Context, drillID, alertID int64, storedAt time.Time, failure string) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var err error
		if failure != "" {
			_, err = tx.Exec(ctx, `UPDATE drills SET status = ?, error = ? WHERE id = ?`, DrillFailed, failure, drillID)
		} else {
			_, err = tx.Exec(ctx, `UPDATE drills SET alert_id = ?, stored_at = ? WHERE id = ?`, alertID, micros(storedAt), drillID)
		}
		return err
	})
}

// TrackDrills copies the notification and acknowledgement times of running
// drills' alerts and closes the drills that are answered or older than
// timeout. It returns the drills it closed.
func (db *DB) TrackDrills(ctx context.Context, now time.Time, timeout time.Duration) ([]Drill, error) {
	var closed []Drill
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT dr.id, dr.device_id, dr.alert_id, dr.started_at, dr.stored_at, a.first_notified_at, a.acknowledged_at
			FROM drills dr JOIN alerts a ON a.id = dr.alert_id WHERE dr.status = ?`, DrillRunning)
		if err != nil {
			return err
		}
		var all []Drill
		for rows.Next() {
			var d Drill
			var started int64
			var stored, notified, acked sql.NullInt64
			if err := rows.Scan(&d.ID, &d.DeviceID, &d.AlertID, &started, &stored, &notified, &acked); err != nil {
				rows.Close()
				return err
			}
			d.StartedAt, d.StoredAt, d.NotifiedAt, d.AcknowledgedAt = fromMicros(started), ptrMicros(stored), ptrMicros(notified), ptrMicros(acked)
			all = append(all, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range all {
			d.Status = DrillRunning
			switch {
			case d.AcknowledgedAt != nil:
				d.Status = DrillAcknowledged
			case now.Sub(d.StartedAt) > timeout && d.NotifiedAt == nil:
				d.Status = DrillNotNotified
			case now.Sub(d.StartedAt) > timeout:
				d.Status = DrillNotAcknowledged
			}
			if _, err := tx.Exec(ctx, `UPDATE drills SET notified_at = ?, acknowledged_at = ?, status = ? WHERE id = ?`,
				nullMicros(d.NotifiedAt), nullMicros(d.AcknowledgedAt), d.Status, d.ID); err != nil {
				return err
			}
			if d.Status != DrillRunning {
				closed = append(closed, d)
				if err := tx.Audit(ctx, AuditEntry{Action: "drill.finish", ObjectType: "device", ObjectID: fmt.Sprint(d.DeviceID), Fields: d.Status}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: track drills: %w", err)
	}
	return closed, nil
}

const drillColumns = `id, device_id, alert_id, started_at, stored_at, notified_at, acknowledged_at, status, error`

func scanDrill(row interface{ Scan(...any) error }) (*Drill, error) {
	var d Drill
	var alert, stored, notified, acked sql.NullInt64
	var started int64
	if err := row.Scan(&d.ID, &d.DeviceID, &alert, &started, &stored, &notified, &acked, &d.Status, &d.Error); err != nil {
		return nil, err
	}
	d.AlertID, d.StartedAt = alert.Int64, fromMicros(started)
	d.StoredAt, d.NotifiedAt, d.AcknowledgedAt = ptrMicros(stored), ptrMicros(notified), ptrMicros(acked)
	return &d, nil
}

// FindDrill returns one drill.
func (db *DB) FindDrill(ctx context.Context, id int64) (*Drill, error) {
	d, err := scanDrill(db.readRow(ctx, `SELECT `+drillColumns+` FROM drills WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, escudo.Errorf(escudo.ENOTFOUND, "error.drill_not_found")
	}
	return d, err
}

// FindDrills lists drills, newest first; deviceID 0 means every device.
func (db *DB) FindDrills(ctx context.Context, deviceID int64, limit int) ([]*Drill, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	q, args := `SELECT `+drillColumns+` FROM drills`, []any{}
	if deviceID != 0 {
		q += ` WHERE device_id = ?`
		args = append(args, deviceID)
	}
	args = append(args, limit)
	rows, err := db.readQuery(ctx, q+` ORDER BY started_at DESC, id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: find drills: %w", err)
	}
	defer rows.Close()
	var out []*Drill
	for rows.Next() {
		d, err := scanDrill(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DevicesDueForDrill lists enabled devices without a drill started since
// before, oldest registration first, at most limit.
func (db *DB) DevicesDueForDrill(ctx context.Context, before time.Time, limit int) ([]int64, error) {
	rows, err := db.readQuery(ctx, `SELECT d.id FROM devices d WHERE d.disabled = 0
		AND NOT EXISTS (SELECT 1 FROM drills dr WHERE dr.device_id = d.id AND dr.started_at >= ?) ORDER BY d.id LIMIT ?`, micros(before), limit)
	if err != nil {
		return nil, fmt.Errorf("store: devices due for drill: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

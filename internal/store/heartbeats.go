package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"escudo"
	"escudo/internal/vault"
)

// HeartbeatState is what the supervisor persists about one device.
type HeartbeatState struct {
	DeviceID    int64
	LastSeen    time.Time
	Battery     int // percent; -1 when the device never reported it
	Location    string
	SilentSince *time.Time // set while the device is considered silent
}

// heartbeatRowsPerStatement keeps each batch statement well under the
// engines' bound-parameter limits (SQLite 32766, PostgreSQL 65535).
const heartbeatRowsPerStatement = 500

// SaveHeartbeats upserts the states in transactions of at most chunk rows, so
// a large flush never holds the single SQLite writer for long while alerts
// wait behind it. chunk <= 0 means one transaction for everything.
func (db *DB) SaveHeartbeats(ctx context.Context, states []HeartbeatState, chunk int) error {
	if chunk <= 0 {
		chunk = len(states)
	}
	for len(states) > 0 {
		n := min(chunk, len(states))
		part := states[:n]
		states = states[n:]
		err := db.WithTx(ctx, true, func(tx *Tx) error {
			for len(part) > 0 {
				m := min(heartbeatRowsPerStatement, len(part))
				if err := tx.upsertHeartbeats(ctx, part[:m]); err != nil {
					return err
				}
				part = part[m:]
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: save heartbeats: %w", err)
		}
	}
	return nil
}

func (tx *Tx) upsertHeartbeats(ctx context.Context, states []HeartbeatState) error {
	var b strings.Builder
	b.WriteString(`INSERT INTO device_supervision (device_id, last_seen, battery, location_enc, silent_since, updated_at) VALUES `)
	args := make([]any, 0, len(states)*6)
	now := micros(tx.now)
	for i, s := range states {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?)")
		var battery any
		if s.Battery >= 0 {
			battery = s.Battery
		}
		var loc any
		if s.Location != "" {
			sealed, err := tx.seal(vault.Location, "device_supervision.location_enc", s.Location)
			if err != nil {
				return err
			}
			loc = sealed
		}
		args = append(args, s.DeviceID, micros(s.LastSeen), battery, loc, nullMicros(s.SilentSince), now)
	}
	// Keep the newest: a slow flush from another node must not move a
	// device's last_seen backwards, nor clear a silence another node
	// found. The row with the newer heartbeat decides whether the device is
	// silent (a heartbeat after the silence ends it); for the same
	// heartbeat, a silence found wins over a node that did not look.
	b.WriteString(` ON CONFLICT (device_id) DO UPDATE SET
		last_seen = CASE WHEN excluded.last_seen > device_supervision.last_seen THEN excluded.last_seen ELSE device_supervision.last_seen END,
		battery = COALESCE(excluded.battery, device_supervision.battery),
		location_enc = COALESCE(excluded.location_enc, device_supervision.location_enc),
		silent_since = CASE
			WHEN excluded.last_seen > device_supervision.last_seen THEN excluded.silent_since
			WHEN excluded.last_seen = device_supervision.last_seen THEN COALESCE(excluded.silent_since, device_supervision.silent_since)
			ELSE device_supervision.silent_since END,
		updated_at = excluded.updated_at`)
	if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
		return err
	}
	return nil
}

// HeartbeatStates returns every persisted device state, for the supervisor's
// start-up; locations are not opened.
func (db *DB) HeartbeatStates(ctx context.Context) (map[int64]HeartbeatState, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT device_id, last_seen, battery, silent_since FROM device_supervision`)
	if err != nil {
		return nil, fmt.Errorf("store: heartbeat states: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]HeartbeatState)
	for rows.Next() {
		var s HeartbeatState
		var seen int64
		var battery, silent sql.NullInt64
		if err := rows.Scan(&s.DeviceID, &seen, &battery, &silent); err != nil {
			return nil, err
		}
		s.LastSeen, s.SilentSince, s.Battery = fromMicros(seen), ptrMicros(silent), -1
		if battery.Valid {
			s.Battery = int(battery.Int64)
		}
		out[s.DeviceID] = s
	}
	return out, rows.Err()
}

// DeviceLocation returns the last location a device reported with a
// heartbeat, opened, or "" when none.
func (db *DB) DeviceLocation(ctx context.Context, deviceID int64) (string, time.Time, error) {
	var b []byte
	var seen int64
	err := db.readRow(ctx, `SELECT location_enc, last_seen FROM device_supervision WHERE device_id = ?`, deviceID).Scan(&b, &seen)
	if isNoRows(err) {
		return "", time.Time{}, nil
	} else if err != nil {
		return "", time.Time{}, fmt.Errorf("store: device location: %w", err)
	}
	if b == nil {
		return "", fromMicros(seen), nil
	}
	s, err := db.open("device_supervision.location_enc", b)
	return s, fromMicros(seen), err
}

// SupervisedDevice is an enabled device with its heartbeat interval.
type SupervisedDevice struct {
	ID         int64
	PersonID   int64
	Interval   time.Duration
	Registered time.Time
}

// SupervisedDevices lists every enabled device, for the supervisor.
func (db *DB) SupervisedDevices(ctx context.Context) ([]SupervisedDevice, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, person_id, heartbeat_interval, created_at FROM devices WHERE disabled = 0 ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: supervised devices: %w", err)
	}
	defer rows.Close()
	var out []SupervisedDevice
	for rows.Next() {
		var d SupervisedDevice
		var iv, created int64
		if err := rows.Scan(&d.ID, &d.PersonID, &iv, &created); err != nil {
			return nil, err
		}
		d.Interval, d.Registered = time.Duration(iv)*time.Microsecond, fromMicros(created)
		out = append(out, d)
	}
	return out, rows.Err()
}

// UntestedDevice is an enabled device that has not sent a test alert
// recently.
type UntestedDevice struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	PersonID   int64      `json:"person_id"`
	Entity     string     `json:"federal_entity"`
	Label      string     `json:"label,omitempty"`
	LastTestAt *time.Time `json:"last_test_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// UntestedDevices lists enabled devices whose last test alert (or, never
// tested, their registration) is older than before, oldest first; limit <= 0
// means all.
func (db *DB) UntestedDevices(ctx context.Context, before time.Time, limit int) ([]UntestedDevice, error) {
	q := `SELECT d.id, d.kind, d.person_id, p.entity_enc, d.label, d.last_test_at, d.created_at FROM devices d JOIN people p ON p.id = d.person_id
		WHERE d.disabled = 0 AND COALESCE(d.last_test_at, d.created_at) < ? ORDER BY COALESCE(d.last_test_at, d.created_at), d.id`
	args := []any{micros(before)}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := db.readQuery(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: untested devices: %w", err)
	}
	defer rows.Close()
	var out []UntestedDevice
	for rows.Next() {
		var d UntestedDevice
		var last sql.NullInt64
		var created int64
		var entity []byte
		if err := rows.Scan(&d.ID, &d.Kind, &d.PersonID, &entity, &d.Label, &last, &created); err != nil {
			return nil, err
		}
		if d.Entity, err = db.open("people.entity", entity); err != nil {
			return nil, err
		}
		d.LastTestAt, d.CreatedAt = ptrMicros(last), fromMicros(created)
		out = append(out, d)
	}
	return out, rows.Err()
}

// CountUntestedDevices counts what UntestedDevices lists, for /metrics.
func (db *DB) CountUntestedDevices(ctx context.Context, before time.Time) (int, error) {
	var n int
	err := db.readRow(ctx, `SELECT COUNT(*) FROM devices WHERE disabled = 0 AND COALESCE(last_test_at, created_at) < ?`, micros(before)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count untested devices: %w", err)
	}
	return n, nil
}

// SilenceContacts are who hears that a device went silent besides the duty
// operators: the beneficiary's follow-up officers and the beneficiary.
type SilenceContacts struct {
	Device   *escudo.Device
	Person   *escudo.Person
	Officers []Recipient // staff assigned to the beneficiary's open cases (follow-up officers first)
	Accounts []int64     // the beneficiary's own accounts, for their inbox
}

// SilenceContactsFor gathers the contacts of a silent device.
func (db *DB) SilenceContactsFor(ctx context.Context, deviceID int64) (*SilenceContacts, error) {
	d, err := db.FindDeviceByID(ctx, deviceID)
	if err != nil {
		return nil, err
	}
	p, err := db.FindPersonByID(ctx, d.PersonID)
	if err != nil {
		return nil, err
	}
	c := &SilenceContacts{Device: d, Person: p}
	rows, err := db.readQuery(ctx, `SELECT DISTINCT u.id, u.email, u.locale, u.role FROM cases c JOIN users u ON u.id = c.assigned_to
		WHERE c.person_id = ? AND c.stage <> ? AND u.disabled = 0 ORDER BY u.id`, d.PersonID, string(escudo.StageClosed))
	if err != nil {
		return nil, fmt.Errorf("store: silence contacts: %w", err)
	}
	var followUp, others []Recipient
	for rows.Next() {
		var r Recipient
		var role string
		if err := rows.Scan(&r.UserID, &r.Email, &r.Locale, &role); err != nil {
			rows.Close()
			return nil, err
		}
		if escudo.Role(role) == escudo.RoleFollowUp {
			followUp = append(followUp, r)
		} else {
			others = append(others, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The follow-up officer is the one to call the beneficiary; whoever holds
	// the case stands in when no follow-up officer is assigned.
	c.Officers = followUp
	if len(c.Officers) == 0 {
		c.Officers = others
	}
	rows, err = db.readQuery(ctx, `SELECT id FROM users WHERE person_id = ? AND role = ? AND disabled = 0 ORDER BY id`, d.PersonID, string(escudo.RoleBeneficiary))
	if err != nil {
		return nil, fmt.Errorf("store: silence contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		c.Accounts = append(c.Accounts, id)
	}
	return c, rows.Err()
}

// EnqueueForAlert queues notifications about an alert in one transaction;
// repeated dedup keys are skipped, so a retried step notifies nobody twice.
func (db *DB) EnqueueForAlert(ctx context.Context, alertID int64, ns []Notification) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		for _, n := range ns {
			n.AlertID = alertID
			if err := tx.Enqueue(ctx, n); err != nil {
				return err
			}
		}
		return nil
	})
}

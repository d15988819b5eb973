package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"escudo"
)

// FactorState is where an account stands with its second factors, for the
// administrators' list of accounts.
type FactorState struct {
	TOTP         TOTPState
	SecurityKeys int
}

// FactorStates returns the second-factor state of every account that has
// one; an account absent from the map has none.
func (db *DB) FactorStates(ctx context.Context) (map[int64]FactorState, error) {
	out := map[int64]FactorState{}
	rows, err := db.read.QueryContext(ctx, `SELECT user_id, confirmed_at FROM user_totp`)
	if err != nil {
		return nil, fmt.Errorf("store: factor states: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var confirmed sql.NullInt64
		if err := rows.Scan(&id, &confirmed); err != nil {
			return nil, err
		}
		st := out[id]
		st.TOTP = TOTPPending
		if confirmed.Valid {
			st.TOTP = TOTPConfirmed
		}
		out[id] = st
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	keys, err := db.read.QueryContext(ctx, `SELECT user_id, COUNT(*) FROM security_keys GROUP BY user_id`)
	if err != nil {
		return nil, fmt.Errorf("store: factor states: %w", err)
	}
	defer keys.Close()
	for keys.Next() {
		var id int64
		var n int
		if err := keys.Scan(&id, &n); err != nil {
			return nil, err
		}
		st := out[id]
		st.SecurityKeys = n
		out[id] = st
	}
	return out, keys.Err()
}

// PersonByReference returns the person whose case carries the folio ref
// (typed as people write it, with or without its prefix): how staff name a
// beneficiary on a form, never by an internal number.
func (db *DB) PersonByReference(ctx context.Context, ref string) (personID, caseID int64, err error) {
	ref = NormalizeReference(ref)
	if ref == "" || len(ref) > 20 {
		return 0, 0, escudo.FieldError("reference", "validation.reference_unknown", nil)
	}
	err = db.readRow(ctx, `SELECT person_id, id FROM cases WHERE reference = ?`, ref).Scan(&personID, &caseID)
	if isNoRows(err) {
		return 0, 0, escudo.FieldError("reference", "validation.reference_unknown", nil)
	}
	return personID, caseID, err
}

// References returns the folio of the first case of each person named, for
// lists that show people without opening their names.
func (db *DB) References(ctx context.Context, personIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for _, id := range personIDs {
		if _, ok := out[id]; ok {
			continue
		}
		var ref string
		err := db.readRow(ctx, `SELECT reference FROM cases WHERE person_id = ? ORDER BY id LIMIT 1`, id).Scan(&ref)
		if err != nil && !isNoRows(err) {
			return nil, fmt.Errorf("store: references: %w", err)
		}
		out[id] = ref
	}
	return out, nil
}

// SetUserPerson links a beneficiary's account to their person record: what
// the account reaches from then on. Only beneficiary accounts are linked.
func (db *DB) SetUserPerson(ctx context.Context, userID, personID int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var role string
		err := tx.QueryRow(ctx, `SELECT role FROM users WHERE id = ?`, userID).Scan(&role)
		if isNoRows(err) {
			return escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		} else if err != nil {
			return err
		}
		if escudo.Role(role) != escudo.RoleBeneficiary {
			return escudo.FieldError("reference", "validation.link_beneficiary_only", nil)
		}
		if err := tx.mustExist(ctx, "people", personID, "reference"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET person_id = ? WHERE id = ?`, personID, userID); err != nil {
			return fmt.Errorf("store: link person: %w", err)
		}
		// What the old sessions reached changes with the link.
		if err := tx.destroyUserSessions(ctx, userID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "user.link_person", ObjectType: "user", ObjectID: fmt.Sprint(userID), Fields: "person_id,sessions"})
	})
}

// TaskRow is one contractor task as the task pages show it: the case by
// its folio and the account by its name.
type TaskRow struct {
	escudo.ContractorTask
	Reference   string
	Username    string
	DisplayName string
	Role        escudo.Role
}

// Open reports whether the task still grants access at now.
func (t *TaskRow) Open(now time.Time) bool {
	return t.ClosedAt == nil && (t.Expires == nil || t.Expires.After(now))
}

// TaskFilter narrows FindTasks.
type TaskFilter struct {
	UserID int64 // only this account's tasks
	CaseID int64 // only tasks on this case
	Open   bool  // only tasks neither closed nor expired
	Limit  int   // 200 when zero
}

// FindTasks lists tasks, newest first.
func (db *DB) FindTasks(ctx context.Context, f TaskFilter) ([]*TaskRow, error) {
	q := `SELECT t.id, t.case_id, t.user_id, t.scope, t.description, t.created_at, t.expires_at, t.closed_at,
		c.reference, u.username, u.display_name, u.role
		FROM contractor_tasks t JOIN cases c ON c.id = t.case_id JOIN users u ON u.id = t.user_id WHERE 1 = 1`
	var args []any
	if f.UserID != 0 {
		q += ` AND t.user_id = ?`
		args = append(args, f.UserID)
	}
	if f.CaseID != 0 {
		q += ` AND t.case_id = ?`
		args = append(args, f.CaseID)
	}
	if f.Open {
		q += ` AND t.closed_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)`
		args = append(args, micros(db.Now()))
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	q += fmt.Sprintf(` ORDER BY t.id DESC LIMIT %d`, f.Limit)
	rows, err := db.readQuery(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: find tasks: %w", err)
	}
	defer rows.Close()
	var out []*TaskRow
	for rows.Next() {
		t := &TaskRow{}
		var scope string
		var created int64
		var expires, closed sql.NullInt64
		if err := rows.Scan(&t.ID, &t.CaseID, &t.UserID, &scope, &t.Description, &created, &expires, &closed,
			&t.Reference, &t.Username, &t.DisplayName, &t.Role); err != nil {
			return nil, err
		}
		t.Scope, t.CreatedAt, t.Expires, t.ClosedAt = splitScope(scope), fromMicros(created), ptrMicros(expires), ptrMicros(closed)
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeviceRow is one device as the device page lists it: no sealed field is
// opened, the person is named by the folio of their first case.
type DeviceRow struct {
	ID                int64
	Kind              escudo.DeviceKind
	PersonID          int64
	Reference         string
	Label             string
	Auth              escudo.DeviceAuth
	HeartbeatInterval time.Duration
	Disabled          bool
	LastSeen          time.Time // zero: never heard
	Battery           int       // -1 unknown
	SilentSince       *time.Time
}

// DeviceList lists up to limit devices, those supervision marked silent
// first, then by id, with their last persisted heartbeat.
func (db *DB) DeviceList(ctx context.Context, limit int) ([]*DeviceRow, error) {
	if limit <= 0 {
		limit = 500
	}
	q := fmt.Sprintf(`SELECT d.id, d.kind, d.person_id, d.label, d.auth, d.heartbeat_interval, d.disabled,
		s.last_seen, s.battery, s.silent_since,
		(SELECT c.reference FROM cases c WHERE c.person_id = d.person_id ORDER BY c.id LIMIT 1)
		FROM devices d LEFT JOIN device_supervision s ON s.device_id = d.id
		ORDER BY CASE WHEN s.silent_since IS NULL THEN 1 ELSE 0 END, d.id LIMIT %d`, limit)
	rows, err := db.readQuery(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: device list: %w", err)
	}
	defer rows.Close()
	var out []*DeviceRow
	for rows.Next() {
		d := &DeviceRow{Battery: -1}
		var interval int64
		var disabled int
		var seen, battery, silent sql.NullInt64
		var ref sql.NullString
		if err := rows.Scan(&d.ID, &d.Kind, &d.PersonID, &d.Label, &d.Auth, &interval, &disabled, &seen, &battery, &silent, &ref); err != nil {
			return nil, err
		}
		d.HeartbeatInterval, d.Disabled, d.Reference = time.Duration(interval)*time.Microsecond, disabled == 1, ref.String
		if seen.Valid {
			d.LastSeen = fromMicros(seen.Int64)
		}
		if battery.Valid {
			d.Battery = int(battery.Int64)
		}
		d.SilentSince = ptrMicros(silent)
		out = append(out, d)
	}
	return out, rows.Err()
}

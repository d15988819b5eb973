package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"time"

	"escudo"
	"escudo/internal/vault"
)

var _ escudo.DeviceService = (*DB)(nil)

// DeviceCredential is what authenticating a device needs: the MAC of its
// token, or its sealed-and-opened HMAC key.
type DeviceCredential struct {
	Device *escudo.Device
	MAC    []byte // AuthToken: MAC of the token
	Secret []byte // AuthHMAC: the signing key
}

// NewDeviceSecret returns a random secret of 256 bits, URL-safe.
func NewDeviceSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DeviceTokenMAC is the stored form of a device token.
func (db *DB) DeviceTokenMAC(token string) []byte { return db.Keys.MAC("device", []byte(token)) }

// CreateDevice registers d for an existing beneficiary and returns its
// secret, which is never stored in the clear and cannot be shown again.
func (db *DB) CreateDevice(ctx context.Context, d *escudo.Device) (string, error) {
	if err := d.Validate(); err != nil {
		return "", err
	}
	secret := NewDeviceSecret()
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		var sealedEntity []byte
		err := tx.QueryRow(ctx, `SELECT entity_enc FROM people WHERE id = ?`, d.PersonID).Scan(&sealedEntity)
		if isNoRows(err) {
			return escudo.FieldError("person_id", "validation.not_found", nil)
		} else if err != nil {
			return err
		}
		entity, err := db.open("people.entity", sealedEntity)
		if err != nil {
			return err
		}
		var mac, sealed, phone, phoneIdx []byte
		if d.Auth == escudo.AuthHMAC {
			if sealed, err = tx.seal(vault.Logistics, "devices.secret", secret); err != nil {
				return err
			}
		} else {
			mac = db.DeviceTokenMAC(secret)
		}
		if d.Phone != "" {
			if phone, err = tx.seal(vault.Identity, "devices.phone", d.Phone); err != nil {
				return err
			}
			phoneIdx = db.Keys.BlindIndex("device_phone", escudo.PhoneKey(d.Phone))
		}
		d.ID, err = tx.InsertID(ctx, `INSERT INTO devices (kind, person_id, label, auth, secret_mac, secret_enc, phone_enc, phone_bidx, heartbeat_interval, disabled, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
			string(d.Kind), d.PersonID, d.Label, string(d.Auth), mac, sealed, phone, phoneIdx, d.HeartbeatInterval.Microseconds(),
			nullID(escudo.UserIDFromContext(ctx)), micros(tx.now), micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: create device: %w", err)
		}
		d.CreatedAt, d.Entity = tx.now, entity
		return tx.Audit(ctx, AuditEntry{Action: "device.create", ObjectType: "device", ObjectID: fmt.Sprint(d.ID), Fields: "kind,person_id,auth,heartbeat_interval"})
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

const deviceColumns = `d.id, d.kind, d.person_id, d.label, d.auth, d.phone_enc, d.heartbeat_interval, d.disabled, d.last_test_at, d.last_alert_at, d.created_at, p.entity_enc`

func (db *DB) scanDevice(row interface{ Scan(...any) error }, extra ...any) (*escudo.Device, error) {
	d := &escudo.Device{}
	var kind, auth string
	var phone []byte
	var interval, created int64
	var disabled int
	var lastTest, lastAlert sql.NullInt64
	var entity []byte
	dest := append([]any{&d.ID, &kind, &d.PersonID, &d.Label, &auth, &phone, &interval, &disabled, &lastTest, &lastAlert, &created, &entity}, extra...)
	if err := row.Scan(dest...); err != nil {
		if isNoRows(err) {
			return nil, escudo.Errorf(escudo.ENOTFOUND, "error.device_not_found")
		}
		return nil, err
	}
	d.Kind, d.Auth, d.Disabled = escudo.DeviceKind(kind), escudo.DeviceAuth(auth), disabled == 1
	d.HeartbeatInterval = time.Duration(interval) * time.Microsecond
	d.LastTestAt, d.LastAlertAt, d.CreatedAt = ptrMicros(lastTest), ptrMicros(lastAlert), fromMicros(created)
	var err error
	if d.Entity, err = db.open("people.entity", entity); err != nil {
		return nil, err
	}
	if len(phone) > 0 {
		if d.Phone, err = db.open("devices.phone", phone); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// FindDeviceByID returns a device with its beneficiary's entity.
func (db *DB) FindDeviceByID(ctx context.Context, id int64) (*escudo.Device, error) {
	row := db.readRow(ctx, `SELECT `+deviceColumns+` FROM devices d JOIN people p ON p.id = d.person_id WHERE d.id = ?`, id)
	return db.scanDevice(row)
}

// DeviceCredential loads what is needed to authenticate device id.
func (db *DB) DeviceCredential(ctx context.Context, id int64) (*DeviceCredential, error) {
	var mac, sealed []byte
	row := db.readRow(ctx, `SELECT `+deviceColumns+`, d.secret_mac, d.secret_enc FROM devices d JOIN people p ON p.id = d.person_id WHERE d.id = ?`, id)
	d, err := db.scanDevice(row, &mac, &sealed)
	if err != nil {
		return nil, err
	}
	c := &DeviceCredential{Device: d, MAC: mac}
	if len(sealed) > 0 {
		s, err := db.open("devices.secret", sealed)
		if err != nil {
			return nil, err
		}
		c.Secret = []byte(s)
	}
	return c, nil
}

// FindDeviceByPhone returns the enabled device whose SIM number matches.
func (db *DB) FindDeviceByPhone(ctx context.Context, phone string) (*escudo.Device, error) {
	key := escudo.PhoneKey(phone)
	if len(key) < 7 {
		return nil, escudo.Errorf(escudo.ENOTFOUND, "error.device_not_found")
	}
	row := db.readRow(ctx, `SELECT `+deviceColumns+` FROM devices d JOIN people p ON p.id = d.person_id
		WHERE d.phone_bidx = ? AND d.disabled = 0 ORDER BY d.id DESC LIMIT 1`, db.Keys.BlindIndex("device_phone", key))
	return db.scanDevice(row)
}

// FindDevices lists a beneficiary's devices, or every device when personID is 0.
func (db *DB) FindDevices(ctx context.Context, personID int64) ([]*escudo.Device, error) {
	return db.FindDevicesWhere(ctx, escudo.DeviceFilter{PersonID: personID})
}

// FindDevicesWhere lists the devices the filter selects, oldest first.
func (db *DB) FindDevicesWhere(ctx context.Context, f escudo.DeviceFilter) ([]*escudo.Device, error) {
	q := `SELECT ` + deviceColumns + ` FROM devices d JOIN people p ON p.id = d.person_id WHERE 1 = 1`
	var args []any
	if f.PersonID != 0 {
		q += ` AND d.person_id = ?`
		args = append(args, f.PersonID)
	}
	rows, err := db.readQuery(ctx, q+` ORDER BY d.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*escudo.Device
	for rows.Next() {
		d, err := db.scanDevice(rows)
		if err != nil {
			return nil, err
		}
		// The beneficiary's entity is sealed: it is compared once opened.
		if f.Entity == "" || d.Entity == f.Entity {
			out = append(out, d)
		}
	}
	return out, rows.Err()
}

// SetDeviceDisabled enables or disables a device; a disabled device's
// requests are refused.
func (db *DB) SetDeviceDisabled(ctx context.Context, id int64, disabled bool) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE devices SET disabled = ?, updated_at = ? WHERE id = ?`, boolInt(disabled), micros(tx.now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return escudo.Errorf(escudo.ENOTFOUND, "error.device_not_found")
		}
		action := "device.enable"
		if disabled {
			action = "device.disable"
		}
		return tx.Audit(ctx, AuditEntry{Action: action, ObjectType: "device", ObjectID: fmt.Sprint(id)})
	})
}

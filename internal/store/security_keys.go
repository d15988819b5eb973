package store

import (
	"context"
	"fmt"
)

// SecurityKeys returns the stored WebAuthn credential records of a user.
func (db *DB) SecurityKeys(ctx context.Context, userID int64) ([][]byte, error) {
	rows, err := db.readQuery(ctx, `SELECT data FROM security_keys WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: security keys: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, []byte(s))
	}
	return out, rows.Err()
}

// AddSecurityKey stores a newly registered credential.
func (db *DB) AddSecurityKey(ctx context.Context, userID int64, credentialID, data []byte) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO security_keys (user_id, credential_id, data, created_at) VALUES (?, ?, ?, ?)`,
			userID, credentialID, string(data), micros(tx.now)); err != nil {
			return fmt.Errorf("store: add security key: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "security_key.register", ObjectType: "user", ObjectID: fmt.Sprint(userID)})
	})
}

// UseSecurityKey records a successful assertion and the new credential
// record (its sign counter), audited as a sign-in step.
func (db *DB) UseSecurityKey(ctx context.Context, userID int64, credentialID, data []byte) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE security_keys SET data = ?, last_used_at = ? WHERE credential_id = ? AND user_id = ?`,
			string(data), micros(tx.now), credentialID, userID)
		if err != nil {
			return fmt.Errorf("store: use security key: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errNotFound()
		}
		return tx.Audit(ctx, AuditEntry{Action: "security_key.verify", ObjectType: "user", ObjectID: fmt.Sprint(userID)})
	})
}

package store

import (
	"context"
	"fmt"
	"time"

	"escudo"
)

// RememberSignature records that a signed request of deviceID (0: the SMS
// gateway) with this MAC was accepted, for every node: a second request
// carrying the same signature within escudo.SignatureTolerance is a replay
// (ECONFLICT, "error.device_replay"), whichever node it reaches. Rows older
// than the tolerance are removed in the same transaction, so the table holds
// a few minutes of signed traffic.
func (db *DB) RememberSignature(ctx context.Context, deviceID int64, signedAt time.Time, mac []byte) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM device_signatures WHERE signed_at < ?`, micros(tx.now.Add(-2*escudo.SignatureTolerance))); err != nil {
			return fmt.Errorf("store: signatures: %w", err)
		}
		// Two nodes racing with the same signature: the key lets one in.
		res, err := tx.Exec(ctx, `INSERT INTO device_signatures (device_id, mac, signed_at) VALUES (?, ?, ?) ON CONFLICT (device_id, mac) DO NOTHING`,
			deviceID, mac, micros(signedAt))
		if err != nil {
			return fmt.Errorf("store: signatures: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("store: signatures: %w", err)
		} else if n == 0 {
			return escudo.Errorf(escudo.EUNAUTHORIZED, "error.device_replay")
		}
		return nil
	})
}

package store

import "context"

// AuditKey exposes the audit chain key to the tests, which play an attacker
// who also holds the master key.
func (db *DB) AuditKey() []byte { return db.auditKey }

// StartKeyedChain records the boundary of the keyed chain again, as
// migration 0460 does, for tests that build a log written before it.
func (db *DB) StartKeyedChain(ctx context.Context) error {
	return db.WithTx(ctx, true, func(tx *Tx) error { return tx.startKeyedChain(ctx) })
}

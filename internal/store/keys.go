package store

import (
	"context"
	"fmt"

	"escudo/internal/vault"
)

// loadKeys reads the wrapped data keys and creates any missing one.
func (db *DB) loadKeys(ctx context.Context) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		// Nodes starting together on a new database would each create
		// their own keys; one creates them, the others read them.
		if err := tx.startupLock(ctx); err != nil {
			return err
		}
		keys, err := tx.wrappedKeys(ctx)
		if err != nil {
			return err
		}
		ring, err := vault.NewKeyring(db.keyProvider, keys)
		if err != nil {
			return err
		}
		for _, c := range ring.Missing() {
			w, err := ring.NewDataKey(c)
			if err != nil {
				return err
			}
			if err := tx.insertKey(ctx, w); err != nil {
				return err
			}
		}
		db.Keys = ring
		if db.auditKey, err = deriveAuditKey(db.keyProvider); err != nil {
			return err
		}
		if err := tx.loadSigner(ctx); err != nil {
			return err
		}
		return tx.loadLetterKey(ctx)
	})
}

func (tx *Tx) wrappedKeys(ctx context.Context) ([]vault.WrappedKey, error) {
	rows, err := tx.Query(ctx, `SELECT id, compartment, wrapped, active FROM data_keys ORDER BY created_at`)
	if err != nil {
		return nil, fmt.Errorf("store: data keys: %w", err)
	}
	defer rows.Close()
	var out []vault.WrappedKey
	for rows.Next() {
		var w vault.WrappedKey
		var active int
		if err := rows.Scan(&w.ID, &w.Compartment, &w.Wrapped, &active); err != nil {
			return nil, err
		}
		w.Active = active == 1
		out = append(out, w)
	}
	return out, rows.Err()
}

func (tx *Tx) insertKey(ctx context.Context, w vault.WrappedKey) error {
	if _, err := tx.Exec(ctx, `UPDATE data_keys SET active = 0 WHERE compartment = ?`, string(w.Compartment)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO data_keys (id, compartment, wrapped, provider, active, created_at) VALUES (?, ?, ?, ?, 1, ?)`,
		w.ID, string(w.Compartment), w.Wrapped, tx.db.keyProvider.ID(), micros(tx.now))
	return err
}

// seal encrypts a field; callers name the field as table.column.
func (tx *Tx) seal(c vault.Compartment, field, s string) ([]byte, error) {
	tx.maybeRefreshKeys()
	b, err := tx.db.Keys.SealString(c, field, s)
	if err != nil {
		return nil, fmt.Errorf("store: seal %s: %w", field, err)
	}
	return b, nil
}

func (db *DB) open(field string, b []byte) (string, error) {
	s, err := db.Keys.OpenString(field, b)
	if err != nil && db.refreshForUnknownKey(b) {
		s, err = db.Keys.OpenString(field, b)
	}
	if err != nil {
		return "", fmt.Errorf("store: open %s: %w", field, err)
	}
	return s, nil
}

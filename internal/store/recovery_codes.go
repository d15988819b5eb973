package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"

	"escudo"
)

// RecoveryCodeCount is how many one-time recovery codes an account gets.
const RecoveryCodeCount = 10

// NewRecoveryCodes replaces the account's recovery codes with fresh ones
// and returns them, to be shown once: only their digests are stored.
func (db *DB) NewRecoveryCodes(ctx context.Context, u *escudo.User) ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		var b [10]byte // 80 bits
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("store: recovery code: %w", err)
		}
		s := base32.StdEncoding.EncodeToString(b[:]) // 16 letters and digits
		codes[i] = s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
	}
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM user_recovery_codes WHERE user_id = ?`, u.ID); err != nil {
			return fmt.Errorf("store: recovery codes: %w", err)
		}
		for _, c := range codes {
			if _, err := tx.Exec(ctx, `INSERT INTO user_recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)`,
				u.ID, recoveryDigest(c), micros(tx.now)); err != nil {
				return fmt.Errorf("store: recovery codes: %w", err)
			}
		}
		return tx.Audit(ctx, AuditEntry{ActorID: u.ID, ActorRole: string(u.Role), Action: "recovery.issue", ObjectType: "user",
			ObjectID: fmt.Sprint(u.ID), Fields: fmt.Sprintf("codes:%d", len(codes))})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// UseRecoveryCode spends one of the account's recovery codes, typed in
// any case, with or without dashes and spaces. A wrong or spent code is
// EUNAUTHORIZED; either way the attempt is audited.
func (db *DB) UseRecoveryCode(ctx context.Context, u *escudo.User, code string) error {
	var ok bool
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE user_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
			micros(tx.now), u.ID, recoveryDigest(code))
		if err != nil {
			return fmt.Errorf("store: use recovery code: %w", err)
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		var left int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = ? AND used_at IS NULL`, u.ID).Scan(&left); err != nil {
			return err
		}
		e := AuditEntry{ActorID: u.ID, ActorRole: string(u.Role), Action: "recovery.use", ObjectType: "user", ObjectID: fmt.Sprint(u.ID),
			Fields: fmt.Sprintf("left:%d", left)}
		if !ok {
			e.Outcome = OutcomeDenied
		}
		return tx.Audit(ctx, e)
	})
	if err != nil {
		return err
	}
	if !ok {
		return escudo.Errorf(escudo.EUNAUTHORIZED, "error.recovery_invalid")
	}
	return nil
}

// recoveryDigest is the stored form of a code: its normalised text hashed.
func recoveryDigest(code string) string {
	norm := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '2' && r <= '7':
			return r
		}
		return -1
	}, code)
	sum := sha256.Sum256([]byte("escudo-recovery:" + norm))
	return hex.EncodeToString(sum[:])
}

package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"escudo"
	"escudo/internal/vault"
)

// TOTP parameters: the common authenticator-app defaults.
const (
	totpPeriod = 30
	totpSkew   = 1 // steps either side accepted, for clock drift
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPState says where a user stands with their authenticator app.
type TOTPState int

const (
	TOTPNone      TOTPState = iota // never enrolled
	TOTPPending                    // secret issued, not yet confirmed with a code
	TOTPConfirmed                  // in use
)

// TOTPStatus returns the user's enrolment state.
func (db *DB) TOTPStatus(ctx context.Context, userID int64) (TOTPState, error) {
	var confirmed sql.NullInt64
	err := db.readRow(ctx, `SELECT confirmed_at FROM user_totp WHERE user_id = ?`, userID).Scan(&confirmed)
	switch {
	case isNoRows(err):
		return TOTPNone, nil
	case err != nil:
		return TOTPNone, fmt.Errorf("store: totp status: %w", err)
	case confirmed.Valid:
		return TOTPConfirmed, nil
	}
	return TOTPPending, nil
}

// BeginTOTP issues a new secret for a user who has no confirmed one, or
// returns the pending one, with its otpauth:// URI for the app.
func (db *DB) BeginTOTP(ctx context.Context, u *escudo.User) (secret, uri string, err error) {
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		var enc []byte
		var confirmed sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT secret_enc, confirmed_at FROM user_totp WHERE user_id = ?`, u.ID).Scan(&enc, &confirmed)
		switch {
		case err == nil && confirmed.Valid:
			return escudo.Errorf(escudo.ECONFLICT, "error.totp_enrolled")
		case err == nil:
			if secret, err = db.open("user_totp.secret", enc); err != nil {
				return err
			}
			return nil
		case !isNoRows(err):
			return err
		}
		key, err := totp.Generate(totp.GenerateOpts{Issuer: "escudo", AccountName: u.Username, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return fmt.Errorf("store: totp secret: %w", err)
		}
		secret = key.Secret()
		sealed, err := tx.seal(vault.Identity, "user_totp.secret", secret)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO user_totp (user_id, secret_enc, created_at) VALUES (?, ?, ?)`, u.ID, sealed, micros(tx.now)); err != nil {
			return fmt.Errorf("store: totp enrol: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{ActorID: u.ID, ActorRole: string(u.Role), Action: "totp.begin", ObjectType: "user", ObjectID: fmt.Sprint(u.ID)})
	})
	if err != nil {
		return "", "", err
	}
	key, err := otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/escudo:%s?secret=%s&issuer=escudo&period=%d&digits=6&algorithm=SHA1", u.Username, secret, totpPeriod))
	if err != nil {
		return "", "", err
	}
	return secret, key.URL(), nil
}

// ConfirmTOTP finishes enrolment with a first code from the app.
func (db *DB) ConfirmTOTP(ctx context.Context, u *escudo.User, code string) error {
	return db.checkTOTP(ctx, u, code, true)
}

// VerifyTOTP checks a login code. A code is accepted once: the time step it
// belongs to must be later than the last step accepted for the user, so a
// code seen over a shoulder or replayed from a log is refused.
func (db *DB) VerifyTOTP(ctx context.Context, u *escudo.User, code string) error {
	return db.checkTOTP(ctx, u, code, false)
}

func (db *DB) checkTOTP(ctx context.Context, u *escudo.User, code string, confirm bool) error {
	fail := escudo.Errorf(escudo.EUNAUTHORIZED, "error.totp_invalid")
	code = strings.TrimSpace(strings.ReplaceAll(code, " ", ""))
	action := "totp.verify"
	if confirm {
		action = "totp.confirm"
	}
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		var enc []byte
		var confirmed sql.NullInt64
		var last int64
		err := tx.QueryRow(ctx, `SELECT secret_enc, confirmed_at, last_step FROM user_totp WHERE user_id = ?`, u.ID).Scan(&enc, &confirmed, &last)
		if isNoRows(err) || err == nil && confirmed.Valid == confirm {
			return totpRefused{}
		} else if err != nil {
			return err
		}
		secret, err := db.open("user_totp.secret", enc)
		if err != nil {
			return err
		}
		step := int64(0)
		if len(code) == 6 {
			now := tx.now.Unix() / totpPeriod
			for s := now - totpSkew; s <= now+totpSkew; s++ {
				want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
				if err != nil {
					return err
				}
				if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
					step = s
				}
			}
		}
		if step == 0 || step <= last {
			return totpRefused{replayed: step != 0}
		}
		q := `UPDATE user_totp SET last_step = ? WHERE user_id = ? AND last_step < ?`
		if confirm {
			q = `UPDATE user_totp SET last_step = ?, confirmed_at = ` + fmt.Sprint(micros(tx.now)) + ` WHERE user_id = ? AND last_step < ?`
		}
		res, err := tx.Exec(ctx, q, step, u.ID, step)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fail
		}
		return tx.Audit(ctx, AuditEntry{ActorID: u.ID, ActorRole: string(u.Role), Action: action, ObjectType: "user", ObjectID: fmt.Sprint(u.ID)})
	})
	var refused totpRefused
	if errors.As(err, &refused) {
		fields := ""
		if refused.replayed {
			fields = "replayed"
		}
		if aerr := db.Audit(ctx, AuditEntry{ActorID: u.ID, ActorRole: string(u.Role), Action: action, ObjectType: "user", ObjectID: fmt.Sprint(u.ID),
			Outcome: OutcomeFailed, Fields: fields}); aerr != nil {
			return aerr
		}
		return fail
	}
	return err
}

// totpRefused ends a check that changes nothing; the refusal is audited
// after the transaction.
type totpRefused struct{ replayed bool }

func (totpRefused) Error() string { return "totp refused" }

// ResetTOTP removes a user's second factor so they enrol again at their
// next login (a lost phone); an administrator does it.
func (db *DB) ResetTOTP(ctx context.Context, userID int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		// Codes for the lost factor must not outlive it.
		if _, err := tx.Exec(ctx, `DELETE FROM user_recovery_codes WHERE user_id = ?`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_totp WHERE user_id = ?`, userID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "totp.reset", ObjectType: "user", ObjectID: fmt.Sprint(userID)})
	})
}

// LockoutRule limits failures for one kind of subject.
type LockoutRule struct {
	Max    int           // failures within Window that lock
	Window time.Duration // counting window
	Lock   time.Duration // how long the lock lasts
}

// Default lockout rules: per account name and per client address.
var (
	AccountLockout = LockoutRule{Max: 5, Window: 15 * time.Minute, Lock: 15 * time.Minute}
	AddressLockout = LockoutRule{Max: 20, Window: 15 * time.Minute, Lock: 15 * time.Minute}
)

// AccountSubject is the lockout key of an account name: a keyed hash, so the
// table neither lists names people tried nor tells which exist.
func (db *DB) AccountSubject(username string) string {
	return "acct:" + hex.EncodeToString(db.Keys.MAC("lockout", []byte(strings.ToLower(strings.TrimSpace(username))))[:16])
}

// AddressSubject is the lockout key of a client address (an IPv6 address
// counts by its /64, see AddressKey).
func AddressSubject(addr string) string { return "addr:" + AddressKey(addr) }

// Locked reports whether the subject is locked out now.
func (db *DB) Locked(ctx context.Context, subject string) (bool, error) {
	var until sql.NullInt64
	err := db.readRow(ctx, `SELECT locked_until FROM auth_lockouts WHERE subject = ?`, subject).Scan(&until)
	if isNoRows(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("store: lockout: %w", err)
	}
	return until.Valid && until.Int64 > micros(db.Now()), nil
}

// RecordFailure counts a failed attempt and locks the subject when the
// rule's limit is reached; it reports whether the subject is now locked.
func (db *DB) RecordFailure(ctx context.Context, subject string, rule LockoutRule) (bool, error) {
	locked := false
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		now := micros(tx.now)
		var failures int
		var start int64
		var until sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT failures, window_start, locked_until FROM auth_lockouts WHERE subject = ?`, subject).Scan(&failures, &start, &until)
		if isNoRows(err) {
			failures, start = 0, now
		} else if err != nil {
			return err
		}
		if now-start > rule.Window.Microseconds() {
			failures, start = 0, now
		}
		failures++
		var lockUntil any
		if until.Valid && until.Int64 > now {
			lockUntil, locked = until.Int64, true
		} else if failures >= rule.Max {
			lockUntil, locked = now+rule.Lock.Microseconds(), true
			failures, start = 0, now
			if err := tx.Audit(ctx, AuditEntry{Action: "login.lockout", ObjectType: strings.SplitN(subject, ":", 2)[0], Outcome: OutcomeDenied}); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO auth_lockouts (subject, failures, window_start, locked_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (subject) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, locked_until = excluded.locked_until`,
			subject, failures, start, lockUntil)
		return err
	})
	return locked, err
}

// ClearFailures forgets an account's failures after a successful login.
func (db *DB) ClearFailures(ctx context.Context, subject string) error {
	_, err := db.write.ExecContext(ctx, db.Rebind(`DELETE FROM auth_lockouts WHERE subject = ? AND (locked_until IS NULL OR locked_until <= ?)`), subject, micros(db.Now()))
	return err
}

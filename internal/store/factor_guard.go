package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"escudo"
	"escudo/internal/vault"
)

// Second-factor guessing. Whoever holds a password can ask for the code
// step as often as they like, so code failures are counted per account on
// their own subject, which only a correct code (or a reset by staff)
// clears: a correct password does not. From the FactorLockout.Max-th
// attempt on, each attempt that is not right locks the account's code step,
// for Base the first time and twice as long each time after, up to Cap.

// FactorRule is the growing lock of the second-factor step.
type FactorRule struct {
	Max  int           // failures before the first lock
	Base time.Duration // first lock
	Cap  time.Duration // longest lock
}

// FactorLockout is the default: five free tries, then 1, 2, 4, ... minutes,
// at most an hour. With three codes valid at any moment (clock skew) that
// leaves about 180 guesses in the first week, a chance near 0.05 %.
var FactorLockout = FactorRule{Max: 5, Base: time.Minute, Cap: time.Hour}

// FactorSubject is the lockout key of an account's second factor.
func (db *DB) FactorSubject(userID int64) string {
	return "factor:" + hex.EncodeToString(db.Keys.MAC("lockout", fmt.Appendf(nil, "factor:%d", userID))[:16])
}

// errFactorLocked ends an attempt transaction without counting it.
var errFactorLocked = errors.New("store: second factor locked")

// BeginFactorAttempt counts a second-factor attempt before it is checked
// and reports whether it may be checked at all. Counting first, in one
// transaction that holds the account's row, means parallel requests cannot
// slip extra guesses past a lock: each one is counted, and once the count
// reaches the rule's limit every later attempt finds the lock. A correct
// code then clears the count (ClearFactorFailures); a wrong one leaves it.
// While the step is locked the attempt is refused, uncounted, with the
// time the lock ends.
func (db *DB) BeginFactorAttempt(ctx context.Context, userID int64, rule FactorRule) (ok bool, until time.Time, err error) {
	subject := db.FactorSubject(userID)
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		now := micros(tx.now)
		// The upsert takes the row's lock (PostgreSQL) or the write lock
		// (SQLite) before anything is read.
		if _, err := tx.Exec(ctx, `INSERT INTO auth_lockouts (subject, failures, window_start, locked_until) VALUES (?, 1, ?, NULL)
			ON CONFLICT (subject) DO UPDATE SET failures = auth_lockouts.failures + 1`, subject, now); err != nil {
			return err
		}
		var failures int
		var locked sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT failures, locked_until FROM auth_lockouts WHERE subject = ?`, subject).Scan(&failures, &locked); err != nil {
			return err
		}
		if locked.Valid && locked.Int64 > now {
			until = fromMicros(locked.Int64)
			return errFactorLocked
		}
		if failures < rule.Max {
			return nil
		}
		// This attempt may still be right; if it is, its success clears
		// the lock set here. Otherwise the next attempt waits.
		d := rule.Base
		for i := rule.Max; i < failures && d < rule.Cap; i++ {
			d *= 2
		}
		d = min(d, rule.Cap)
		_, err := tx.Exec(ctx, `UPDATE auth_lockouts SET locked_until = ? WHERE subject = ?`, now+d.Microseconds(), subject)
		return err
	})
	if errors.Is(err, errFactorLocked) {
		return false, until, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("store: factor attempt: %w", err)
	}
	return true, time.Time{}, nil
}

// FactorFailed is called after a wrong code or a refused key: when that
// attempt locked the step, the lock is audited (an attempt that turns out
// right clears its lock instead, so it is not audited as one).
func (db *DB) FactorFailed(ctx context.Context, userID int64, rule FactorRule) error {
	var failures int
	var until sql.NullInt64
	err := db.readRow(ctx, `SELECT failures, locked_until FROM auth_lockouts WHERE subject = ?`, db.FactorSubject(userID)).Scan(&failures, &until)
	if isNoRows(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("store: factor failure: %w", err)
	}
	if failures < rule.Max || !until.Valid || until.Int64 <= micros(db.Now()) {
		return nil
	}
	return db.Audit(ctx, AuditEntry{Action: "factor.lockout", ObjectType: "user", ObjectID: fmt.Sprint(userID),
		Fields: fmt.Sprintf("failures=%d,until=%s", failures, fromMicros(until.Int64).UTC().Format(time.RFC3339)), Outcome: OutcomeDenied})
}

// ClearFactorFailures forgets the account's code failures, and the lock
// its own attempt may have set, after a correct code or security key.
func (db *DB) ClearFactorFailures(ctx context.Context, userID int64) error {
	_, err := db.write.ExecContext(ctx, db.Rebind(`DELETE FROM auth_lockouts WHERE subject = ?`), db.FactorSubject(userID))
	return err
}

// AddressKey is the key under which limits and lockouts count a client
// address: an IPv4 address as it is, an IPv6 address by its /64 network,
// since one subscriber commonly holds a whole /64 and can pick any address
// in it. Anything that is not an address is kept as written.
func AddressKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// Second factors a staff member can reset.
const (
	FactorTOTP         = "totp"
	FactorSecurityKeys = "security_keys"
)

// FactorReset is one reset of a lost second factor: whose, by whom, with
// which witness, which factors and why.
type FactorReset struct {
	UserID  int64
	By      *escudo.User // checked the owner's identity and ran the command
	Witness *escudo.User // a second staff member present
	Factors []string     // FactorTOTP, FactorSecurityKeys
	Reason  string
}

// ResetFactors removes the named second factors of an account, so that its
// owner enrols again at the next sign-in, and clears the account's code
// lock. It is audited under the staff member who did it and the witness;
// the reason is kept sealed.
func (db *DB) ResetFactors(ctx context.Context, r FactorReset) error {
	if strings.TrimSpace(r.Reason) == "" {
		return escudo.FieldError("reason", "validation.required", nil)
	}
	if r.By == nil || r.Witness == nil {
		return escudo.FieldError("by", "validation.required", nil)
	}
	if len(r.Factors) == 0 {
		return escudo.FieldError("factors", "validation.required", nil)
	}
	for _, f := range r.Factors {
		if f != FactorTOTP && f != FactorSecurityKeys {
			return escudo.FieldError("factors", "validation.choice", nil)
		}
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		sealed, err := tx.seal(vault.Identity, "factor_resets.reason", strings.TrimSpace(r.Reason))
		if err != nil {
			return err
		}
		for _, f := range r.Factors {
			q := `DELETE FROM user_totp WHERE user_id = ?`
			if f == FactorSecurityKeys {
				q = `DELETE FROM security_keys WHERE user_id = ?`
			}
			if _, err := tx.Exec(ctx, q, r.UserID); err != nil {
				return fmt.Errorf("store: reset %s: %w", f, err)
			}
			if f == FactorTOTP {
				// The recovery codes belong to the lost app.
				if _, err := tx.Exec(ctx, `DELETE FROM user_recovery_codes WHERE user_id = ?`, r.UserID); err != nil {
					return fmt.Errorf("store: reset recovery codes: %w", err)
				}
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM auth_lockouts WHERE subject = ?`, db.FactorSubject(r.UserID)); err != nil {
			return err
		}
		factors := strings.Join(r.Factors, ",")
		if _, err := tx.Exec(ctx, `INSERT INTO factor_resets (user_id, by_user, witness, factors, reason_enc, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			r.UserID, r.By.ID, r.Witness.ID, factors, sealed, micros(tx.now)); err != nil {
			return fmt.Errorf("store: record factor reset: %w", err)
		}
		for _, e := range []AuditEntry{
			{ActorID: r.By.ID, ActorRole: string(r.By.Role), Action: "user.reset_factor", ObjectType: "user", ObjectID: fmt.Sprint(r.UserID), Fields: factors},
			{ActorID: r.Witness.ID, ActorRole: string(r.Witness.Role), Action: "user.reset_factor.witness", ObjectType: "user", ObjectID: fmt.Sprint(r.UserID), Fields: factors},
		} {
			if err := tx.Audit(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTOTPWorksOnce(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		u := staff(t, db, "duty1", escudo.RoleDuty, 0)
		if st, _ := db.TOTPStatus(ctx, u.ID); st != store.TOTPNone {
			t.Fatal("fresh user enrolled")
		}
		secret, uri, err := db.BeginTOTP(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(uri, "otpauth://totp/") || !strings.Contains(uri, secret) {
			t.Fatalf("uri %q", uri)
		}
		again, _, err := db.BeginTOTP(ctx, u)
		if err != nil || again != secret {
			t.Fatal("reloading the enrolment page changed the secret")
		}
		if err := db.VerifyTOTP(ctx, u, code(t, secret, t0)); err == nil {
			t.Fatal("login code accepted before enrolment was confirmed")
		}
		if err := db.ConfirmTOTP(ctx, u, "000000"); escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			t.Fatalf("wrong confirmation code: %v", err)
		}
		if err := db.ConfirmTOTP(ctx, u, code(t, secret, t0)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.BeginTOTP(ctx, u); escudo.ErrorCode(err) != escudo.ECONFLICT {
			t.Fatal("a confirmed secret can be re-issued")
		}
		// The confirmation code cannot be used again to log in.
		if err := db.VerifyTOTP(ctx, u, code(t, secret, t0)); escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			t.Fatalf("replayed confirmation code: %v", err)
		}
		clock.Advance(30 * time.Second)
		c := code(t, secret, clock.Now())
		if err := db.VerifyTOTP(ctx, u, c); err != nil {
			t.Fatal(err)
		}
		if err := db.VerifyTOTP(ctx, u, c); escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			t.Fatal("replayed TOTP code accepted")
		}
		// An older code still within the skew is refused after a newer one.
		clock.Advance(30 * time.Second)
		if err := db.VerifyTOTP(ctx, u, c); err == nil {
			t.Fatal("older code accepted after a newer one")
		}
		clock.Advance(10 * time.Minute)
		if err := db.VerifyTOTP(ctx, u, code(t, secret, t0.Add(90*time.Second))); err == nil {
			t.Fatal("code from 10 minutes ago accepted")
		}
		if err := db.VerifyTOTP(ctx, u, code(t, secret, clock.Now())); err != nil {
			t.Fatal(err)
		}
		var replays int
		_ = db.WithTx(ctx, false, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'totp.verify' AND outcome = 'failed' AND fields = 'replayed'`).Scan(&replays)
		})
		if replays < 2 {
			t.Fatalf("replays audited: %d", replays)
		}
	})
}

func TestLockout(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		rule := store.LockoutRule{Max: 3, Window: time.Minute, Lock: 10 * time.Minute}
		real := db.AccountSubject("Ana")
		if real != db.AccountSubject(" ana ") || strings.Contains(real, "ana") {
			t.Fatalf("subject %q", real)
		}
		for i := range 3 {
			locked, err := db.RecordFailure(ctx, real, rule)
			if err != nil || locked != (i == 2) {
				t.Fatalf("failure %d: locked=%v err=%v", i, locked, err)
			}
		}
		if l, _ := db.Locked(ctx, real); !l {
			t.Fatal("not locked after 3 failures")
		}
		if l, _ := db.Locked(ctx, db.AccountSubject("otra")); l {
			t.Fatal("another account locked")
		}
		clock.Advance(11 * time.Minute)
		if l, _ := db.Locked(ctx, real); l {
			t.Fatal("lock did not expire")
		}
		// Failures spread beyond the window do not lock.
		for range 4 {
			if locked, _ := db.RecordFailure(ctx, real, rule); locked {
				t.Fatal("failures outside the window locked")
			}
			clock.Advance(40 * time.Second)
		}
	})
}

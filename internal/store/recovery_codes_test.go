package store_test

import (
	"context"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// A recovery code works once, typed any way; new codes replace the old;
// a reset of the app's secret takes the codes with it.
func TestRecoveryCodesStore(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var us []*escudo.User
		for _, n := range []struct {
			name string
			role escudo.Role
		}{{"dueña", escudo.RoleAnalyst}, {"admin", escudo.RoleAdmin}, {"testigo", escudo.RoleReception}} {
			u := &escudo.User{Username: strings.ReplaceAll(n.name, "ñ", "n"), DisplayName: n.name, Role: n.role}
			if err := db.CreateUser(ctx, u, "una contraseña larga"); err != nil {
				t.Fatal(err)
			}
			us = append(us, u)
		}
		owner := us[0]
		codes, err := db.NewRecoveryCodes(ctx, owner)
		if err != nil || len(codes) != store.RecoveryCodeCount {
			t.Fatalf("codes: %v %v", codes, err)
		}
		if err := db.UseRecoveryCode(ctx, owner, " "+strings.ToLower(strings.ReplaceAll(codes[0], "-", ""))+" "); err != nil {
			t.Fatalf("a code typed in lower case without dashes: %v", err)
		}
		if err := db.UseRecoveryCode(ctx, owner, codes[0]); escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			t.Fatalf("a spent code: %v", err)
		}
		if err := db.UseRecoveryCode(ctx, us[1], codes[1]); escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			t.Fatalf("another account's code: %v", err)
		}
		fresh, err := db.NewRecoveryCodes(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.UseRecoveryCode(ctx, owner, codes[1]); escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			t.Fatalf("a code from before new ones were issued: %v", err)
		}
		err = db.ResetFactors(ctx, store.FactorReset{UserID: owner.ID, By: us[1], Witness: us[2], Factors: []string{store.FactorTOTP}, Reason: "teléfono robado"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.UseRecoveryCode(ctx, owner, fresh[0]); escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			t.Fatalf("a code survived the reset of the app: %v", err)
		}
	})
}

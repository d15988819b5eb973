package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func TestAPITokens(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0) // one clock serves both engines
		ctx := context.Background()
		u := staff(t, db, "ana", escudo.RoleAnalyst, 0)
		tok, secret, err := db.CreateAPIToken(ctx, u.ID, "  sincronización  ", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, store.APITokenPrefix) || len(secret) < 40 || !strings.HasPrefix(secret, tok.Prefix) || tok.Name != "sincronización" {
			t.Fatalf("token %+v secret %q", tok, secret)
		}
		if tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(t0.Add(24*time.Hour)) {
			t.Fatalf("expiry %v", tok.ExpiresAt)
		}
		_, other, _ := db.CreateAPIToken(ctx, u.ID, "", 0)
		if other == secret {
			t.Fatal("two tokens alike")
		}
		got, err := db.AuthenticateAPIToken(ctx, secret)
		if err != nil || got.ID != u.ID {
			t.Fatalf("authenticate: %v %v", got, err)
		}
		// Use is recorded at most once a minute.
		used := func() time.Time {
			list, err := db.APITokens(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range list {
				if x.ID == tok.ID && x.LastUsedAt != nil {
					return *x.LastUsedAt
				}
			}
			return time.Time{}
		}
		first := used()
		clock.Advance(30 * time.Second)
		_, _ = db.AuthenticateAPIToken(ctx, secret)
		if !used().Equal(first) {
			t.Fatal("last use rewritten within a minute")
		}
		clock.Advance(time.Minute)
		_, _ = db.AuthenticateAPIToken(ctx, secret)
		if !used().After(first) {
			t.Fatal("last use not recorded after a minute")
		}
		for _, bad := range []string{"", "esc_", secret[:len(secret)-1], strings.ToUpper(secret), "Bearer " + secret, strings.Repeat("esc_", 100)} {
			if _, err := db.AuthenticateAPIToken(ctx, bad); escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
				t.Errorf("token %.20q: %v", bad, err)
			}
		}
		clock.Advance(24 * time.Hour)
		if _, err := db.AuthenticateAPIToken(ctx, secret); escudo.ErrorCode(err) != escudo.EUNAUTHORIZED {
			t.Fatalf("expired: %v", err)
		}
		if _, err := db.AuthenticateAPIToken(ctx, other); err != nil {
			t.Fatalf("token without expiry: %v", err)
		}
		if _, _, err := db.CreateAPIToken(ctx, u.ID, strings.Repeat("x", escudo.MaxShortText+1), 0); escudo.ErrorCode(err) != escudo.EINVALID {
			t.Fatalf("long name: %v", err)
		}
		if _, _, err := db.CreateAPIToken(ctx, u.ID, "", -time.Hour); escudo.ErrorCode(err) != escudo.EINVALID {
			t.Fatalf("negative lifetime: %v", err)
		}
	})
}

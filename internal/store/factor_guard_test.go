package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestFactorAttemptsInParallel: attempts sent all at once cannot slip past
// the lock: exactly the rule's number is checked, the rest are refused.
func TestFactorAttemptsInParallel(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		u := &escudo.User{Username: "turno", DisplayName: "Turno", Role: escudo.RoleDuty}
		if err := db.CreateUser(ctx, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		rule := store.FactorRule{Max: 5, Base: time.Minute, Cap: time.Hour}
		var mu sync.Mutex
		checked := 0
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				ok, _, err := db.BeginFactorAttempt(ctx, u.ID, rule)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					checked++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if checked != rule.Max {
			t.Fatalf("%d of 40 parallel attempts checked, want %d", checked, rule.Max)
		}
		// The lock lasts a minute, then one attempt, then two minutes.
		clock.Advance(59 * time.Second)
		if ok, until, _ := db.BeginFactorAttempt(ctx, u.ID, rule); ok || !until.Equal(t0.Add(time.Minute)) {
			t.Fatalf("within the first minute: %v until %v", ok, until)
		}
		clock.Advance(2 * time.Second)
		if ok, _, _ := db.BeginFactorAttempt(ctx, u.ID, rule); !ok {
			t.Fatal("after the first minute")
		}
		if ok, until, _ := db.BeginFactorAttempt(ctx, u.ID, rule); ok || !until.Equal(t0.Add(61*time.Second+2*time.Minute)) {
			t.Fatalf("second lock: %v until %v", ok, until)
		}
		// A correct factor clears the count and the lock its attempt set.
		if err := db.ClearFactorFailures(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := db.BeginFactorAttempt(ctx, u.ID, rule); !ok {
			t.Fatal("after a correct factor")
		}
	})
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2::1":      "2001:db8:1:2::/64",
		"fe80::1%eth0":         "fe80::/64",
		"not an address":       "not an address",
	} {
		if got := store.AddressKey(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

// Early-page claims between two handles: a key claimed within the window is
// refused to the other node, free again after the window or once
// forgotten; a claim naming one taken key fails as a whole; the sweep
// deletes old claims only.
func TestEarlyPageClaims(t *testing.T) {
	base := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	const window = time.Minute
	testdb.EachPair(t, testdb.Options{}, nil, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		claim := func(db *store.DB, at time.Time, keys ...string) bool {
			t.Helper()
			ok, err := db.ClaimEarlyPages(ctx, nil, []store.EarlyClaim{{Keys: keys, At: at}}, window)
			if err != nil {
				t.Fatal(err)
			}
			return ok[0]
		}
		if !claim(a, base, "m1", "r1") {
			t.Fatal("a first claim failed")
		}
		if claim(b, base.Add(time.Second), "m2", "r1") {
			t.Fatal("a key claimed a second ago was claimed again by the other node")
		}
		if claim(b, base.Add(window-time.Second), "r1") {
			t.Fatal("claimed again inside the window")
		}
		if !claim(b, base.Add(window), "r1") {
			t.Fatal("not claimed once the window passed")
		}
		if _, err := a.ClaimEarlyPages(ctx, []string{"r1"}, nil, window); err != nil {
			t.Fatal(err)
		}
		if !claim(a, base.Add(window+time.Second), "r1") {
			t.Fatal("not claimed after being forgotten")
		}
		if !claim(a, base) {
			t.Fatal("an alert without keys is never a repeat")
		}
		// One batch: a key freed, then claimed; of two claims naming one
		// key the first has it.
		at := base.Add(window + time.Second)
		ok, err := b.ClaimEarlyPages(ctx, []string{"r1"}, []store.EarlyClaim{
			{Keys: []string{"r1"}, At: at}, {Keys: []string{"x1", "r1"}, At: at}, {Keys: []string{"x2"}, At: at}}, window)
		if err != nil || !ok[0] || ok[1] || !ok[2] {
			t.Fatalf("one batch: %v %v; want true, false, true", ok, err)
		}
		if _, err := b.ClaimEarlyPages(ctx, []string{"x1", "x2"}, nil, window); err != nil {
			t.Fatal(err)
		}
		// m1 at base, m2 at base+1s (claimed by the failed claim, which
		// the next retransmission then finds taken), r1 at window+1s.
		for _, c := range []struct {
			before time.Time
			want   int64
		}{{base, 1}, {base.Add(time.Second), 1}, {base.Add(window), 0}, {base.Add(window + time.Second), 1}} {
			if n, err := b.SweepEarlyClaims(ctx, c.before); err != nil || n != c.want {
				t.Fatalf("sweep up to %v: %d (%v), want %d", c.before, n, err, c.want)
			}
		}
	})
}

// BenchmarkClaimEarlyPage is the round trip a node adds before an early
// page on PostgreSQL (two keys: the device's message, and device and type).
func BenchmarkClaimEarlyPage(b *testing.B) {
	db := testdb.OpenPostgres(b, testdb.Options{})
	ctx := context.Background()
	now := time.Now()
	b.ResetTimer()
	for i := range b.N {
		k := strconv.Itoa(i)
		if _, err := db.ClaimEarlyPages(ctx, nil, []store.EarlyClaim{{Keys: []string{"m" + k, "r" + k}, At: now}}, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// The pool of claims and notifications commits without waiting for the
// disk, and the main pool still waits.
func TestSidePoolCommitsAsynchronously(t *testing.T) {
	db := testdb.OpenPostgres(t, testdb.Options{})
	side, main, err := db.SynchronousCommit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if side != "off" || main != "on" {
		t.Fatalf("synchronous_commit: side pool %q, main pool %q; want off and on", side, main)
	}
}

// The alert path's connections (claims and the repeat wait on the side
// pool, the group-commit writer's lane) keep one generic plan per
// statement instead of planning the repeat lookup again at every call;
// the main pool, where reports run, keeps PostgreSQL's default.
func TestAlertPathPlansOnce(t *testing.T) {
	db := testdb.OpenPostgres(t, testdb.Options{})
	side, lane, main, err := db.PlanCacheModes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if side != "force_generic_plan" || lane != "force_generic_plan" || main != "auto" {
		t.Fatalf("plan_cache_mode: side %q, lane %q, main %q; want force_generic_plan, force_generic_plan, auto", side, lane, main)
	}
}

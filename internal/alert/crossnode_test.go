package alert

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// An alert left unacknowledged escalates on time even when the node that
// took it died at once: another node, on its own handle of the database,
// finds it by its periodic sweep and pages the next tier at the deadline.
func TestEscalationSweptByAnotherNode(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.EachPair(t, testdb.Options{Now: clock.Now}, nil, func(t *testing.T, db, other *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		f := setup(t, db, clock)
		a := f.press(t, escudo.AlertPanic, "m-died")
		f.stopLoop() // the node that took the alert is gone

		p2, err := New(Options{DB: other, Policy: f.policy, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		if err := other.PrepareAlertStatements(ctx); err != nil {
			t.Fatal(err)
		}
		wctx, stop := context.WithCancel(ctx)
		stopped := make(chan struct{})
		go func() { p2.writeLoop(wctx); close(stopped) }()
		defer func() { stop(); <-stopped }()

		sweepAndEscalate := func() int {
			t.Helper()
			if err := p2.SweepEscalations(ctx); err != nil {
				t.Fatal(err)
			}
			n, err := p2.EscalateDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		clock.Advance(14 * time.Second)
		if n := sweepAndEscalate(); n != 0 {
			t.Fatalf("escalated %d before the acknowledgement time ran out", n)
		}
		clock.Advance(time.Second) // the first tier's 15 s are up
		if n := sweepAndEscalate(); n != 1 {
			t.Fatalf("the other node escalated %d alerts at the deadline, want 1", n)
		}
		got, err := other.FindAlertByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Tier != 1 || got.Escalations != 1 {
			t.Fatalf("tier %d, escalations %d; want 1, 1", got.Tier, got.Escalations)
		}
		key := "alert:" + itoa(a.ID) + ":1:inbox:u" + itoa(f.coord.ID)
		if !notified(t, other, a.ID)[key] {
			t.Fatalf("the second tier (%s) was not paged", f.coord.Username)
		}
	})
}

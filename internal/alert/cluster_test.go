package alert

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// An alert taken by one node, then acknowledged and resolved there, shows
// on the other node's console stream, each change once; the node that took
// it tells its own consoles once, with no echo from the other node.
func TestChangesReachTheOtherNodesConsoles(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.EachPair(t, testdb.Options{Now: clock.Now}, nil, func(t *testing.T, db, other *store.DB) {
		if !db.Shared() {
			t.Skip("SQLite is always one node")
		}
		clock.Set(t0)
		ctx := context.Background()
		f := setup(t, db, clock)
		p2, err := New(Options{DB: other, Policy: f.policy, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		rctx, stop := context.WithCancel(ctx)
		done := make(chan struct{}, 2)
		for _, p := range []*Pipeline{f.p, p2} {
			go func() { _ = p.ShareChanges(rctx); done <- struct{}{} }()
		}
		defer func() { stop(); <-done; <-done }()
		mine, cancelMine := f.p.Subscribe()
		defer cancelMine()
		theirs, cancelTheirs := p2.Subscribe()
		defer cancelTheirs()
		// The listeners are up once a change makes the round trip.
		waitUntil(t, "the relays listening", func() bool {
			if err := db.PublishAlertChanges(ctx, []store.AlertChange{{Kind: "probe"}}); err != nil {
				t.Fatal(err)
			}
			select {
			case c := <-theirs:
				return c.Kind == "probe"
			case <-time.After(50 * time.Millisecond):
				return false
			}
		})
		for len(theirs) > 0 {
			<-theirs
		}

		a := f.press(t, escudo.AlertPanic, "m-console")
		staff := escudo.NewContextWithUser(ctx, f.duty)
		if _, err := f.p.Acknowledge(staff, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.p.Resolve(staff, a.ID, escudo.OutcomeFalseAlarm, ""); err != nil {
			t.Fatal(err)
		}
		want := []string{store.AlertEventReceived, store.AlertEventAcknowledged, store.AlertEventResolved}
		for _, k := range want {
			select {
			case c := <-theirs:
				if c.AlertID != a.ID || c.Kind != k || c.Entity != "OAX" || c.Type != escudo.AlertPanic {
					t.Fatalf("the other node's console got %+v, want %s of alert %d", c, k, a.ID)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("the other node's console never heard %s", k)
			}
		}
		for _, k := range want {
			if c := <-mine; c.AlertID != a.ID || c.Kind != k {
				t.Fatalf("this node's console got %+v, want %s", c, k)
			}
		}
		// Nothing more on either: no echo, no repeat.
		select {
		case c := <-mine:
			t.Fatalf("this node's console got an echo: %+v", c)
		case c := <-theirs:
			t.Fatalf("the other node's console got a change twice: %+v", c)
		case <-time.After(200 * time.Millisecond):
		}
	})
}

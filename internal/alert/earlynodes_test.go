package alert

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// A repeat of an alert that reaches another node pages once: a
// retransmission, a second press and a repeated dedup key, each through the
// node that did not take the first. After a resolution, a new press through
// the other node is paged early again. (PostgreSQL: SQLite is one node.)
func TestEarlyPageOnceAcrossNodes(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.EachPair(t, testdb.Options{Now: clock.Now}, nil, func(t *testing.T, db, other *store.DB) {
		if db.Dialect != store.Postgres {
			t.Skip("SQLite is always one node")
		}
		clock.Set(t0)
		ctx := context.Background()
		f := setup(t, db, clock)
		f.p.startEarly(ctx)
		rec2 := &recorder{}
		p2, err := New(Options{DB: other, Policy: f.policy, Deliverer: rec2, Now: clock.Now, ConsoleURL: "https://escudo.example"})
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
		p2.startEarly(ctx)
		// On a loaded test machine a claim may take longer than the
		// production bound, after which an alert is paged unclaimed.
		for _, p := range []*Pipeline{f.p, p2} {
			p.early.Load().shared.timeout = 10 * time.Second
		}
		var early1, early2 atomic.Int32
		f.rec.hook = func([]store.Notification) { early1.Add(1) }
		rec2.hook = func([]store.Notification) { early2.Add(1) }
		press := func(p *Pipeline, in escudo.AlertInput) *escudo.Alert {
			t.Helper()
			a, err := p.Submit(ctx, in, "OAX")
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		in := func(msg string) escudo.AlertInput {
			return escudo.AlertInput{DeviceID: f.device.ID, PersonID: f.person.ID, Type: escudo.AlertPanic, Source: escudo.SourceDevice, MessageID: msg}
		}

		first := press(f.p, in("m-1"))
		if first.Duplicate || early1.Load() != 1 {
			t.Fatalf("first press: %+v, %d early pages", first, early1.Load())
		}
		ok, failed := f.rec.takeAll()
		if len(ok) != 3 || failed != 0 {
			t.Fatalf("first press paged %d (%d failed), want 3", len(ok), failed)
		}
		for _, r := range []escudo.AlertInput{in("m-1"), in("m-2")} {
			a := press(p2, r)
			if !a.Duplicate || a.ID != first.ID {
				t.Fatalf("repeat %s through the other node: %+v", r.MessageID, a)
			}
		}
		if n := early2.Load(); n != 0 {
			t.Fatalf("the other node paged %d times for repeats", n)
		}
		if ok, failed := rec2.takeAll(); len(ok)+failed != 0 {
			t.Fatalf("the other node handed %d notifications (%d failed) for repeats", len(ok), failed)
		}

		// One dedup key through both nodes.
		keyed := escudo.AlertInput{PersonID: f.person.ID, Type: escudo.AlertCall, Source: escudo.SourceHotline, DedupKey: "call:7781"}
		k1 := press(p2, keyed)
		k2 := press(f.p, keyed)
		if k1.Duplicate || !k2.Duplicate || k2.ID != k1.ID {
			t.Fatalf("dedup key through both nodes: %+v then %+v", k1, k2)
		}
		if early1.Load() != 1 || early2.Load() != 1 {
			t.Fatalf("early pages after the keyed alert: node 1 %d, node 2 %d; want 1 and 1", early1.Load(), early2.Load())
		}
		f.rec.take()
		rec2.take()

		// Resolved on the first node: a new press through the second is a
		// new alert, paged early there.
		staff := escudo.NewContextWithUser(ctx, f.duty)
		if _, err := f.p.Resolve(staff, first.ID, escudo.OutcomeFalseAlarm, ""); err != nil {
			t.Fatal(err)
		}
		again := press(p2, in("m-3"))
		if again.Duplicate || early2.Load() != 2 {
			t.Fatalf("press after resolution through the other node: %+v, its early pages %d", again, early2.Load())
		}
		if ok, failed := rec2.takeAll(); len(ok) != 3 || failed != 0 {
			t.Fatalf("press after resolution paged %d (%d failed), want 3", len(ok), failed)
		}

		// Two presses of the button at once, one through each node: one
		// alert (the other press its repeat), paged once.
		last := again
		for i := 0; i < 5; i++ {
			if _, err := f.p.Resolve(staff, last.ID, escudo.OutcomeFalseAlarm, ""); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			got := make([]*escudo.Alert, 2)
			for j, p := range []*Pipeline{f.p, p2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					a, err := p.Submit(ctx, in(fmt.Sprintf("both-%d-%d", i, j)), "OAX")
					if err != nil {
						t.Error(err)
					}
					got[j] = a
				}()
			}
			wg.Wait()
			if t.Failed() {
				return
			}
			if got[0].Duplicate == got[1].Duplicate || got[0].ID != got[1].ID {
				t.Fatalf("round %d: two presses at once through two nodes gave %d (repeat %v) and %d (repeat %v); want one alert and its repeat",
					i, got[0].ID, got[0].Duplicate, got[1].ID, got[1].Duplicate)
			}
			// One alert's pages go out, once: the node that lost the
			// early-page claim waits for the other node's alert.
			ok1, failed1 := f.rec.takeAll()
			ok2, failed2 := rec2.takeAll()
			if len(ok1)+len(ok2) != 3 || failed1+failed2 != 0 {
				t.Fatalf("round %d: %d+%d pages committed (%d+%d not), want 3 committed in all", i, len(ok1), len(ok2), failed1, failed2)
			}
			last = got[0]
		}

		// A node that claimed a press and died before storing it: the
		// press through the other node waits for it, in vain, then is
		// stored and paged there.
		if _, err := f.p.Resolve(staff, last.ID, escudo.OutcomeFalseAlarm, ""); err != nil {
			t.Fatal(err)
		}
		orphan := in("claimed-by-a-dead-node")
		orphan.ReceivedAt = clock.Now()
		if won, err := db.ClaimEarlyPages(ctx, nil, []store.EarlyClaim{{Keys: f.p.early.Load().shared.keys(&orphan), At: clock.Now()}},
			time.Duration(f.policy.DedupWindow)); err != nil || !won[0] {
			t.Fatalf("claim of the dead node: %v %v", won, err)
		}
		stored := press(p2, orphan)
		if stored.Duplicate || testutil.ToFloat64(p2.m.claimWaitExpired) != 1 {
			t.Fatalf("press claimed by a dead node: %+v, waits expired %v", stored, testutil.ToFloat64(p2.m.claimWaitExpired))
		}
		if ok, failed := rec2.takeAll(); len(ok) != 3 || failed != 0 {
			t.Fatalf("press claimed by a dead node paged %d (%d failed), want 3", len(ok), failed)
		}

		// The sweep deletes claims older than the window, and only those.
		if err := f.p.SweepEarlyPages(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := db.SweepEarlyClaims(ctx, clock.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("claims of the last minutes swept: %d %v", n, err)
		}
		clock.Advance(2 * time.Duration(f.policy.DedupWindow))
		clock.Advance(2 * time.Minute)
		if err := p2.SweepEarlyPages(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := db.SweepEarlyClaims(ctx, clock.Now()); err != nil || n != 0 {
			t.Fatalf("%d claims left after the sweep (%v)", n, err)
		}
	})
}

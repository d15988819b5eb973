package heartbeat

import (
	"context"
	"testing"
	"time"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

// node is one supervisor of a two-node cluster in a test.
type node struct {
	s *Supervisor
	r *raised
}

func twoNodes(t *testing.T, clock *testdb.Clock, a, b *store.DB, devs []Device, shared bool) [2]node {
	t.Helper()
	var out [2]node
	for i, db := range []*store.DB{a, b} {
		r := &raised{}
		s := New(Options{DB: db, Now: clock.Now, Raiser: r, Shared: shared,
			Devices: func(context.Context) ([]Device, error) { return devs, nil }})
		if err := s.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		out[i] = node{s, r}
	}
	return out
}

// tick is one second of both nodes' lives: flush and check, as their loops
// do.
func tick(t *testing.T, clock *testdb.Clock, ns [2]node) int {
	t.Helper()
	ctx := context.Background()
	clock.Advance(time.Second)
	found := 0
	for _, n := range ns {
		if _, err := n.s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		f, err := n.s.check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found += f
	}
	return found
}

// A device whose heartbeats go to one node and then the other, whatever
// the interval, is never reported silent by either; without sharing the
// same heartbeats give false alarms (the test's own control).
func TestHeartbeatsAlternatingBetweenNodesNeverSilent(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.EachPair(t, testdb.Options{Now: clock.Now}, nil, func(t *testing.T, a, b *store.DB) {
		for _, tc := range []struct {
			iv     time.Duration
			every  int // heartbeats to one node before switching
			shared bool
			alarms bool
		}{
			{5 * time.Second, 1, true, false},
			{5 * time.Second, 3, true, false},
			{30 * time.Second, 4, true, false},
			{5 * time.Second, 4, false, true},
		} {
			clock.Set(t0)
			id := int64(1 + tc.every + int(tc.iv/time.Second)) // a device of its own per case
			if !tc.shared {
				id += 100
			}
			devs := []Device{{ID: id, Interval: tc.iv, Registered: t0}}
			ns := twoNodes(t, clock, a, b, devs, tc.shared)
			found := 0
			for beat := 0; beat < 24; beat++ {
				to := ns[(beat/tc.every)%2]
				if err := to.s.Record(id, clock.Now().UnixNano(), Beat{Battery: 70}); err != nil {
					t.Fatal(err)
				}
				for range int(tc.iv / time.Second) {
					found += tick(t, clock, ns)
				}
			}
			if got := found > 0; got != tc.alarms {
				t.Fatalf("interval %v, %d beats per node, shared %v: %d silences found, want alarms %v",
					tc.iv, tc.every, tc.shared, found, tc.alarms)
			}
			for i, n := range ns {
				if tc.shared && n.s.State(id).Silent {
					t.Fatalf("node %d holds the device silent", i)
				}
			}
		}
	})
}

// A device that falls silent is raised once across the cluster, within the
// bound, by whichever node decides first; the other node takes the silence
// over without raising it again, and both see it end when the device
// speaks to either.
func TestSilenceRaisedOnceAcrossNodes(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.EachPair(t, testdb.Options{Now: clock.Now}, nil, func(t *testing.T, a, b *store.DB) {
		clock.Set(t0)
		const id = 9
		iv := 10 * time.Second
		ns := twoNodes(t, clock, a, b, []Device{{ID: id, Interval: iv, Registered: t0}}, true)
		// Heard by node 0, then node 1 last.
		if err := ns[0].s.Record(id, clock.Now().UnixNano(), Beat{Battery: 50}); err != nil {
			t.Fatal(err)
		}
		tick(t, clock, ns)
		last := clock.Now()
		if err := ns[1].s.Record(id, last.UnixNano(), Beat{Battery: 50}); err != nil {
			t.Fatal(err)
		}
		var detected time.Time
		for clock.Now().Before(last.Add(3*iv + time.Minute)) {
			if tick(t, clock, ns) > 0 && detected.IsZero() {
				detected = clock.Now()
			}
		}
		if detected.IsZero() {
			t.Fatal("the silent device was never found")
		}
		if took := detected.Sub(last); took <= 3*iv || took > 3*iv+5*time.Second {
			t.Fatalf("found %v after the last heartbeat; want in (3×%v, 3×%v+5s]", took, iv, iv)
		}
		if n := ns[0].r.count() + ns[1].r.count(); n != 1 {
			t.Fatalf("%d alerts raised for one silence (node 0: %d, node 1: %d)", n, ns[0].r.count(), ns[1].r.count())
		}
		for _, n := range ns {
			if n.r.count() == 1 && !n.r.list[0].LastSeen.Equal(last) {
				t.Fatalf("raised with last heartbeat %v, want %v", n.r.list[0].LastSeen, last)
			}
		}
		for i, n := range ns {
			if !n.s.State(id).Silent {
				t.Fatalf("node %d does not hold the device silent", i)
			}
		}
		// The device speaks to the node that did not raise it: both see
		// the silence end within an interval and a flush.
		quiet := 0
		if ns[0].r.count() == 1 {
			quiet = 1
		}
		if err := ns[quiet].s.Record(id, clock.Now().UnixNano(), Beat{Battery: 50}); err != nil {
			t.Fatal(err)
		}
		for range int(iv/time.Second) + 2 {
			tick(t, clock, ns)
		}
		for i, n := range ns {
			if n.s.State(id).Silent {
				t.Fatalf("node %d still holds the device silent after it spoke to node %d", i, quiet)
			}
		}
		st, err := a.SharedHeartbeats(context.Background(), []int64{id})
		if err != nil {
			t.Fatal(err)
		}
		if st[id].SilentSince != nil {
			t.Fatalf("the stored state still says silent: %+v", st[id])
		}
	})
}

// A node whose alert could not be raised gives the silence back, and the
// other node raises it at its next check.
func TestFailedRaiseTakenOverByOtherNode(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.EachPair(t, testdb.Options{Now: clock.Now}, nil, func(t *testing.T, a, b *store.DB) {
		clock.Set(t0)
		const id = 11
		iv := 5 * time.Second
		ns := twoNodes(t, clock, a, b, []Device{{ID: id, Interval: iv, Registered: t0}}, true)
		if err := ns[0].s.Record(id, clock.Now().UnixNano(), Beat{Battery: -1}); err != nil {
			t.Fatal(err)
		}
		ns[0].r.fail = true
		ctx := context.Background()
		for clock.Now().Before(t0.Add(3*iv + 10*time.Second)) {
			clock.Advance(time.Second)
			if _, err := ns[0].s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			ns[0].s.Check(ctx) // node 0 alone: its raise fails
		}
		if ns[0].r.count() != 0 || ns[0].s.State(id).Silent {
			t.Fatal("a failed raise left the device counted silent")
		}
		if n, err := ns[1].s.check(ctx); err != nil || n != 1 || ns[1].r.count() != 1 {
			t.Fatalf("the other node found %d (%v), raised %d; want 1", n, err, ns[1].r.count())
		}
	})
}

package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

// Two nodes write the same device's state in any order: the newest
// heartbeat is kept, and the silence is decided by the row with the newest
// heartbeat (for the same heartbeat, a silence found wins).
func TestHeartbeatWritesMergeAcrossNodes(t *testing.T) {
	base := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }
	sil := func(s int) *time.Time { v := at(s); return &v }
	cases := []struct {
		name        string
		first, then store.HeartbeatState
		seen        time.Time
		silent      *time.Time
		wantBattery int
	}{
		{name: "older heartbeat does not move last_seen back",
			first: store.HeartbeatState{LastSeen: at(20), Battery: 50}, then: store.HeartbeatState{LastSeen: at(10), Battery: -1},
			seen: at(20), wantBattery: 50},
		{name: "newer heartbeat moves it on",
			first: store.HeartbeatState{LastSeen: at(10), Battery: 50}, then: store.HeartbeatState{LastSeen: at(20), Battery: 40},
			seen: at(20), wantBattery: 40},
		{name: "a node that did not look does not clear a silence on the same heartbeat",
			first: store.HeartbeatState{LastSeen: at(10), Battery: -1, SilentSince: sil(50)}, then: store.HeartbeatState{LastSeen: at(10), Battery: -1},
			seen: at(10), silent: sil(50), wantBattery: -1},
		{name: "an older heartbeat does not clear a silence",
			first: store.HeartbeatState{LastSeen: at(10), Battery: -1, SilentSince: sil(50)}, then: store.HeartbeatState{LastSeen: at(5), Battery: -1},
			seen: at(10), silent: sil(50), wantBattery: -1},
		{name: "a newer heartbeat ends the silence",
			first: store.HeartbeatState{LastSeen: at(10), Battery: -1, SilentSince: sil(50)}, then: store.HeartbeatState{LastSeen: at(60), Battery: -1},
			seen: at(60), wantBattery: -1},
		{name: "a silence found on the newest heartbeat is kept",
			first: store.HeartbeatState{LastSeen: at(10), Battery: -1}, then: store.HeartbeatState{LastSeen: at(10), Battery: -1, SilentSince: sil(50)},
			seen: at(10), silent: sil(50), wantBattery: -1},
		{name: "a silence found on an older heartbeat is not",
			first: store.HeartbeatState{LastSeen: at(30), Battery: -1}, then: store.HeartbeatState{LastSeen: at(10), Battery: -1, SilentSince: sil(50)},
			seen: at(30), wantBattery: -1},
	}
	testdb.EachPair(t, testdb.Options{}, nil, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		for i, c := range cases {
			id := int64(100 + i)
			c.first.DeviceID, c.then.DeviceID = id, id
			if err := a.SaveHeartbeats(ctx, []store.HeartbeatState{c.first}, 0); err != nil {
				t.Fatal(err)
			}
			if err := b.SaveHeartbeats(ctx, []store.HeartbeatState{c.then}, 0); err != nil {
				t.Fatal(err)
			}
			got, err := a.SharedHeartbeats(ctx, []int64{id})
			if err != nil {
				t.Fatal(err)
			}
			st := got[id]
			if !st.LastSeen.Equal(c.seen) || st.Battery != c.wantBattery || (st.SilentSince == nil) != (c.silent == nil) ||
				(c.silent != nil && !st.SilentSince.Equal(*c.silent)) {
				t.Errorf("%s: stored %+v (silent %v), want last seen %v, battery %d, silent %v", c.name, st, st.SilentSince, c.seen, c.wantBattery, c.silent)
			}
		}
	})
}

// Nodes claiming the same silence at once: exactly one claim lands; a
// claim on a heartbeat older than the stored one fails; a released claim
// can be made again.
func TestSilenceClaimedOnce(t *testing.T) {
	base := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	testdb.EachPair(t, testdb.Options{}, nil, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		for round := range 5 {
			id := int64(7 + round)
			if err := a.SaveHeartbeats(ctx, []store.HeartbeatState{{DeviceID: id, LastSeen: base, Battery: -1}}, 0); err != nil {
				t.Fatal(err)
			}
			claim := []store.SilenceClaim{{DeviceID: id, LastSeen: base, Since: base.Add(time.Minute)}}
			var wg sync.WaitGroup
			wins := make([]bool, 2)
			for i, db := range []*store.DB{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					won, err := db.ClaimSilences(ctx, claim)
					if err != nil {
						t.Error(err)
					}
					wins[i] = won[id]
				}()
			}
			wg.Wait()
			if wins[0] == wins[1] {
				t.Fatalf("round %d: claims landed %v, want exactly one", round, wins)
			}
		}
		// Heard at +30 s by a node that wrote it: a claim on the older
		// heartbeat fails.
		if err := b.SaveHeartbeats(ctx, []store.HeartbeatState{{DeviceID: 50, LastSeen: base.Add(30 * time.Second), Battery: -1}}, 0); err != nil {
			t.Fatal(err)
		}
		won, err := a.ClaimSilences(ctx, []store.SilenceClaim{{DeviceID: 50, LastSeen: base, Since: base.Add(time.Minute)}})
		if err != nil || won[50] {
			t.Fatalf("claim on an older heartbeat: %v %v", won, err)
		}
		// Never heard: the claim creates the row.
		since := base.Add(time.Minute)
		won, err = a.ClaimSilences(ctx, []store.SilenceClaim{{DeviceID: 51, LastSeen: base, Since: since}})
		if err != nil || !won[51] {
			t.Fatalf("claim on a device never heard: %v %v", won, err)
		}
		if err := b.ReleaseSilence(ctx, 51, since); err != nil {
			t.Fatal(err)
		}
		won, err = b.ClaimSilences(ctx, []store.SilenceClaim{{DeviceID: 51, LastSeen: base, Since: since.Add(time.Second)}})
		if err != nil || !won[51] {
			t.Fatalf("claim after release: %v %v", won, err)
		}
	})
}

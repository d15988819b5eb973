package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// heard collects what a listener hears.
type heard struct {
	mu      sync.Mutex
	changes []store.AlertChange
	resyncs int
}

func (h *heard) add(cs []store.AlertChange, resync bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if resync {
		h.resyncs++
	}
	h.changes = append(h.changes, cs...)
}

func (h *heard) state() (int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.changes), h.resyncs
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
	}
}

// Changes published by one node reach the other's listener in order, many
// to a notification, and never come back to their own node; when the
// listener's connection is cut (as by a PostgreSQL restart) it reconnects
// by itself, says its consoles must reload, and hears what follows.
func TestAlertChangesBetweenNodes(t *testing.T) {
	u := testdb.FreshPostgres(t)
	ctx := context.Background()
	handles := make([]*store.DB, 2)
	for i := range handles {
		db, err := store.Open(ctx, store.Options{URL: u, Keys: testdb.TestKey(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		handles[i] = db
	}
	a, b := handles[0], handles[1]
	lctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var atA, atB heard
	for _, l := range []struct {
		db *store.DB
		h  *heard
	}{{a, &atA}, {b, &atB}} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = l.db.ListenAlertChanges(lctx, l.h.add) }()
	}
	defer func() { stop(); wg.Wait() }()
	admin, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	listeners := func() int {
		var n int
		if err := admin.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, store.ListenerName).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, "both listeners connected", func() bool { return listeners() == 2 })

	const n = 600 // several notifications' worth
	cs := make([]store.AlertChange, n)
	for i := range cs {
		cs[i] = store.AlertChange{AlertID: int64(i + 1), Kind: store.AlertEventReceived, Type: escudo.AlertPanic, Entity: "OAX"}
	}
	if err := a.PublishAlertChanges(ctx, cs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the other node hears every change", func() bool { got, _ := atB.state(); return got == n })
	atB.mu.Lock()
	for i, c := range atB.changes {
		if c != cs[i] {
			atB.mu.Unlock()
			t.Fatalf("change %d heard as %+v, sent %+v", i, c, cs[i])
		}
	}
	atB.mu.Unlock()
	if err := b.PublishAlertChanges(ctx, []store.AlertChange{{AlertID: 9, Kind: store.AlertEventAcknowledged, Tier: 1, Entity: "CHH"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node A hears node B", func() bool { got, _ := atA.state(); return got == 1 })
	if got, resyncs := atB.state(); got != n || resyncs != 0 {
		t.Fatalf("node B heard %d changes (its own came back?) and %d resyncs", got, resyncs)
	}

	// Cut the listeners' connections, as a restart of PostgreSQL does.
	if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, store.ListenerName); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the listener reconnects and asks for a reload", func() bool { _, r := atB.state(); return r == 1 })
	waitFor(t, "both listeners back", func() bool { return listeners() == 2 })
	if err := a.PublishAlertChanges(ctx, []store.AlertChange{{AlertID: 1000, Kind: store.AlertEventResolved, Entity: "OAX"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a change after the reconnection", func() bool { got, _ := atB.state(); return got == n+1 })
	if got := fmt.Sprint(atB.changes[n]); got != fmt.Sprint(store.AlertChange{AlertID: 1000, Kind: store.AlertEventResolved, Entity: "OAX"}) {
		t.Fatalf("heard %s after the reconnection", got)
	}
}

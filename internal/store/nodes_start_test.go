package store_test

import (
	"context"
	"sync"
	"testing"

	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/vault"
)

// TestNodesStartTogether: several nodes started at once on an empty
// PostgreSQL database all migrate without error and share one set of data
// keys, so what one node seals another opens (issue 12, item 2). Repeated,
// because the race it guards against is lost only some of the time.
func TestNodesStartTogether(t *testing.T) {
	testdb.PostgresURL(t) // skips without PostgreSQL, fails when it is required
	const nodes, rounds = 4, 5
	ctx := context.Background()
	for round := range rounds {
		dbURL := testdb.FreshPostgres(t)
		key := testdb.TestKey(t)
		dbs := make([]*store.DB, nodes)
		errs := make([]error, nodes)
		var wg sync.WaitGroup
		for i := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, err := store.Open(ctx, store.Options{URL: dbURL, Keys: key})
				if err != nil {
					errs[i] = err
					return
				}
				dbs[i] = db
				_, errs[i] = db.Migrate(ctx)
			}()
		}
		wg.Wait()
		for i, db := range dbs {
			if db != nil {
				defer db.Close()
			}
			if errs[i] != nil {
				t.Fatalf("round %d: node %d: %v", round, i, errs[i])
			}
		}
		for _, c := range []vault.Compartment{vault.Identity, vault.Location, vault.Risk, vault.Logistics, vault.SafeHouse, vault.Blind} {
			want := dbs[0].Keys.ActiveKey(c)
			for i, db := range dbs[1:] {
				if got := db.Keys.ActiveKey(c); got != want {
					t.Fatalf("round %d: node %d uses data key %s for %s, node 0 uses %s", round, i+1, got, c, want)
				}
			}
		}
		sealed, err := dbs[0].Keys.SealString(vault.Identity, "people.name", "Silvia Pérez Yescas")
		if err != nil {
			t.Fatal(err)
		}
		for i, db := range dbs[1:] {
			if got, err := db.Keys.OpenString("people.name", sealed); err != nil || got != "Silvia Pérez Yescas" {
				t.Fatalf("round %d: node %d cannot open what node 0 sealed: %q %v", round, i+1, got, err)
			}
		}
	}
}

package store_test

import (
	"context"
	"testing"
	"time"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

// Reserved ids are unique, never handed to an insert that does not name
// them, and usable by one that does.
func TestReserveIDs(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, err := db.ReserveIDs(ctx, "outbox", 5)
		if err != nil || len(a) != 5 {
			t.Fatalf("reserve: %v %v", a, err)
		}
		b, err := db.ReserveIDs(ctx, "outbox", 5)
		if err != nil || len(b) != 5 {
			t.Fatalf("reserve: %v %v", b, err)
		}
		seen := map[int64]bool{}
		for _, id := range append(append([]int64(nil), a...), b...) {
			if seen[id] {
				t.Fatalf("id %d reserved twice", id)
			}
			seen[id] = true
		}
		var ns []store.Notification
		err = db.WithTx(ctx, true, func(tx *store.Tx) error {
			ns, err = tx.EnqueueBatch(ctx, []store.Notification{
				{Channel: store.ChannelWebhook, Recipient: "http://a.example/", Kind: "alert", Body: "{}", DedupKey: "r1"},
				{ID: b[2], Channel: store.ChannelWebhook, Recipient: "http://b.example/", Kind: "alert", Body: "{}", DedupKey: "r2"},
			}, time.Minute)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if seen[ns[0].ID] {
			t.Fatalf("an insert without an id was given reserved id %d", ns[0].ID)
		}
		if ns[1].ID != b[2] {
			t.Fatalf("insert naming reserved id %d stored as %d", b[2], ns[1].ID)
		}
		if got, err := db.FindNotification(ctx, b[2]); err != nil || got.Recipient != "http://b.example/" {
			t.Fatalf("row under the reserved id: %+v %v", got, err)
		}
		if _, err := db.ReserveIDs(ctx, "users", 1); err == nil {
			t.Fatal("reserved ids of a table that is not reservable")
		}
	})
}

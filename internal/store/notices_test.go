package store_test

import (
	"context"
	"fmt"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// Notices are read or unread per person; marking reaches only the
// person's own notices, and the count follows.
func TestNoticesReadState(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var users []*escudo.User
		for _, name := range []string{"ana", "beto"} {
			u := &escudo.User{Username: name, DisplayName: name, Role: escudo.RoleAnalyst}
			if err := db.CreateUser(ctx, u, "una contraseña larga"); err != nil {
				t.Fatal(err)
			}
			users = append(users, u)
		}
		ana, beto := users[0], users[1]
		err := db.WithTx(ctx, true, func(tx *store.Tx) error {
			for i := 0; i < 3; i++ {
				for _, u := range users {
					if err := tx.Enqueue(ctx, store.Notification{Channel: store.ChannelInbox, UserID: u.ID, Kind: "assigned",
						Subject: fmt.Sprintf("ESC-%d", i), DedupKey: fmt.Sprintf("t:%d:%d", i, u.ID)}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := db.UnreadCount(ctx, ana.ID); err != nil || n != 3 {
			t.Fatalf("unread before: %d %v", n, err)
		}
		inbox, err := db.Inbox(ctx, ana.ID, 10)
		if err != nil || len(inbox) != 3 {
			t.Fatalf("inbox: %d %v", len(inbox), err)
		}
		others, _ := db.Inbox(ctx, beto.ID, 10)
		// Ana marks one of hers and one of Beto's: only hers changes.
		if n, err := db.MarkNoticesRead(ctx, ana.ID, []int64{inbox[0].ID, others[0].ID}); err != nil || n != 1 {
			t.Fatalf("marked %d, %v", n, err)
		}
		if n, _ := db.UnreadCount(ctx, ana.ID); n != 2 {
			t.Errorf("ana unread %d, want 2", n)
		}
		if n, _ := db.UnreadCount(ctx, beto.ID); n != 3 {
			t.Errorf("beto unread %d, want 3: another person's notice was marked", n)
		}
		if inbox, _ = db.Inbox(ctx, ana.ID, 10); inbox[0].ReadAt == nil || inbox[1].ReadAt != nil {
			t.Errorf("read state not shown by the inbox")
		}
		if n, err := db.MarkNoticesRead(ctx, ana.ID, nil); err != nil || n != 2 {
			t.Fatalf("mark all: %d %v", n, err)
		}
		if n, _ := db.UnreadCount(ctx, ana.ID); n != 0 {
			t.Errorf("ana unread %d after marking all", n)
		}
	})
}

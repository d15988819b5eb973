package store_test

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// One press of a device reaching two nodes within milliseconds (the
// device retried through the other one) is stored once: the second node's
// transaction, which cannot see the first one's row yet, ends with the
// earlier alert marked as the duplicate instead of a second row or a
// unique-key error that would fail its whole group commit.
func TestSamePressThroughTwoNodesStoredOnce(t *testing.T) {
	pressesThroughTwoNodes(t, "press-1", "press-1")
}

// Two presses of one device within the dedup window (different message
// ids: the person pressed twice) reaching two nodes at once make one alert
// with a repeat, as they do through one node: the second node's repeat
// check waits for the first node's commit instead of missing its alert.
func TestTwoPressesThroughTwoNodesMakeOneAlert(t *testing.T) {
	pressesThroughTwoNodes(t, "press-1", "press-2")
}

func pressesThroughTwoNodes(t *testing.T, firstID, secondID string) {
	testdb.EachPair(t, testdb.Options{}, nil, func(t *testing.T, first, other *store.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p := &escudo.Person{Profile: escudo.ProfileDefender, Name: "Persona", Entity: "OAX"}
		if err := first.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		dev := &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: p.ID, Auth: escudo.AuthToken, HeartbeatInterval: time.Minute}
		if _, err := first.CreateDevice(ctx, dev); err != nil {
			t.Fatal(err)
		}
		press := func(id string) *store.NewAlert {
			return &store.NewAlert{In: &escudo.AlertInput{DeviceID: dev.ID, PersonID: p.ID, Type: escudo.AlertPanic,
				Source: escudo.SourceDevice, MessageID: id, ReceivedAt: time.Now()}, Entity: "OAX"}
		}
		a, b := press(firstID), press(secondID)
		inserted, release := make(chan error, 1), make(chan struct{})
		firstDone := make(chan error, 1)
		go func() {
			firstDone <- first.WithTx(ctx, true, func(tx *store.Tx) error {
				err := tx.InsertAlerts(ctx, []*store.NewAlert{a}, time.Minute)
				inserted <- err
				<-release // the row is written, not committed
				return err
			})
		}()
		if err := <-inserted; err != nil {
			close(release)
			t.Fatal(err)
		}
		secondDone := make(chan error, 1)
		go func() {
			secondDone <- other.WithTx(ctx, true, func(tx *store.Tx) error {
				return tx.InsertAlerts(ctx, []*store.NewAlert{b}, time.Minute)
			})
		}()
		if first.Dialect == store.Postgres {
			// Hold the first commit until the second insert waits on it.
			for waiting := 0; waiting == 0; {
				rows, err := other.QueryForTest(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
				if err != nil {
					close(release)
					t.Fatal(err)
				}
				rows.Next()
				_ = rows.Scan(&waiting)
				rows.Close()
				select {
				case err := <-secondDone:
					close(release)
					t.Fatalf("the second node finished (%v) while the first had not committed", err)
				case <-ctx.Done():
					close(release)
					t.Fatal("the second node never waited")
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
		close(release)
		if err := <-firstDone; err != nil {
			t.Fatal(err)
		}
		if err := <-secondDone; err != nil {
			t.Fatalf("second node: %v", err)
		}
		if a.Alert.Duplicate || !b.Alert.Duplicate || b.Alert.ID != a.Alert.ID {
			t.Fatalf("first %+v, second %+v: want the second to be the first's duplicate", a.Alert, b.Alert)
		}
		rows, err := other.QueryForTest(ctx, `SELECT count(*) FROM alerts WHERE device_id = ?`, dev.ID)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		rows.Next()
		_ = rows.Scan(&n)
		rows.Close()
		if n != 1 {
			t.Fatalf("%d alerts stored for one press of the button (or one with its repeat)", n)
		}
	})
}

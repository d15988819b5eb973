package alert

import (
	"context"
	"errors"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// A group commit the database does not answer (here: rows and the audit
// chain's lock held by another node's transaction, standing in for a
// frozen server) is given up after CommitTimeout with an "unavailable"
// error, for alerts and actions alike, instead of holding the writer; once
// the database answers again both go through.
func TestCommitBoundedWhenTheDatabaseDoesNotAnswer(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.EachPair(t, testdb.Options{Now: clock.Now}, nil, func(t *testing.T, db, other *store.DB) {
		if db.Dialect != store.Postgres {
			t.Skip("locks held by another connection that make a commit wait: PostgreSQL")
		}
		f := setup(t, db, clock)
		f.p.opts.CommitTimeout = 300 * time.Millisecond
		a := f.press(t, escudo.AlertPanic, "lock-1")
		ctx := escudo.NewContextWithUser(context.Background(), f.duty)

		locked, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			held <- other.WithTx(ctx, true, func(tx *store.Tx) error {
				// The update holds the alert's row, its audit entry the
				// audit chain's lock, until this transaction ends.
				if _, err := tx.AcknowledgeAlert(ctx, a.ID); err != nil {
					return err
				}
				close(locked)
				<-release
				return errors.New("roll back")
			})
		}()
		<-locked
		defer func() {
			select {
			case <-release:
			default:
				close(release)
			}
		}()
		within := func(what string, fn func() error) {
			t.Helper()
			done := make(chan error, 1)
			go func() { done <- fn() }()
			select {
			case err := <-done:
				if err == nil || !store.IsUnavailable(err) {
					t.Fatalf("%s while the database does not answer: %v, want an unavailable error", what, err)
				}
			case <-time.After(time.Minute):
				t.Fatalf("%s: the commit waited with no bound", what)
			}
		}
		within("acknowledge", func() error { _, err := f.p.Acknowledge(ctx, a.ID); return err })
		in := escudo.AlertInput{DeviceID: f.device.ID, PersonID: f.person.ID, Type: escudo.AlertAlarm, Source: escudo.SourceDevice, MessageID: "lock-2"}
		within("a new alert", func() error { _, err := f.p.Submit(ctx, in, "OAX"); return err })

		close(release)
		<-held
		if got, err := f.p.Acknowledge(ctx, a.ID); err != nil || got.Status != escudo.AlertAcknowledged {
			t.Fatalf("acknowledge once the database answers: %+v %v", got, err)
		}
		b, err := f.p.Submit(ctx, in, "OAX")
		if err != nil || b.Duplicate {
			t.Fatalf("the alert sent again once the database answers: %+v %v", b, err)
		}
		if got, err := db.FindAlertByID(ctx, b.ID); err != nil || got.MessageID != "lock-2" {
			t.Fatalf("alert sent again: %+v %v", got, err)
		}
	})
}

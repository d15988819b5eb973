package store_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestResolveUnacknowledgedAlert resolves an alert nobody acknowledged
// (what a duty desk closing alerts as they ring does) and one acknowledged
// earlier: the first is acknowledged by the same step, with both events and
// both audit entries, in order, and the audit chain still verifies.
func TestResolveUnacknowledgedAlert(t *testing.T) {
	start := time.Date(2026, 4, 6, 9, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(start)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(start)
		user := &escudo.User{Username: "guardia", DisplayName: "Guardia", Role: escudo.RoleDuty}
		if err := db.CreateUser(context.Background(), user, "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
		ctx := escudo.NewContextWithUser(context.Background(), user)
		p := &escudo.Person{Profile: escudo.ProfileDefender, Name: "Persona", Entity: "OAX"}
		if err := db.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		raise := func() int64 {
			t.Helper()
			var id int64
			err := db.WithTx(ctx, true, func(tx *store.Tx) error {
				it := &store.NewAlert{In: &escudo.AlertInput{PersonID: p.ID, Type: escudo.AlertPanic, Source: escudo.SourceHotline, ReceivedAt: clock.Now()},
					Entity: "OAX", Escalate: clock.Now().Add(time.Minute)}
				if err := tx.InsertAlerts(ctx, []*store.NewAlert{it}, 0); err != nil {
					return err
				}
				id = it.Alert.ID
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		fresh, acked := raise(), raise()
		clock.Advance(5 * time.Second)
		if _, err := db.AcknowledgeAlert(ctx, acked); err != nil {
			t.Fatal(err)
		}
		clock.Advance(10 * time.Second)
		for _, id := range []int64{fresh, acked} {
			a, err := db.ResolveAlert(ctx, id, escudo.OutcomeFalseAlarm, "Botón oprimido por error.")
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != escudo.AlertResolved || a.NextEscalation != nil || a.AcknowledgedAt == nil || a.ResolvedBy != user.ID {
				t.Fatalf("answer %+v", a)
			}
		}
		got, err := db.FindAlertByID(ctx, fresh)
		if err != nil {
			t.Fatal(err)
		}
		done := start.Add(15 * time.Second)
		if got.Status != escudo.AlertResolved || got.AcknowledgedAt == nil || !got.AcknowledgedAt.Equal(done) || got.AcknowledgedBy != user.ID ||
			got.ResolvedAt == nil || !got.ResolvedAt.Equal(done) || got.ResolvedBy != user.ID || got.Outcome != string(escudo.OutcomeFalseAlarm) ||
			got.NextEscalation != nil {
			t.Fatalf("stored %+v", got)
		}
		if other, err := db.FindAlertByID(ctx, acked); err != nil || !other.AcknowledgedAt.Equal(start.Add(5*time.Second)) {
			t.Fatalf("acknowledged earlier: %+v %v", other, err)
		}
		kinds := func(q string, id int64) []string {
			t.Helper()
			rows, err := db.QueryForTest(ctx, q, strconv.FormatInt(id, 10))
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					t.Fatal(err)
				}
				out = append(out, k)
			}
			return out
		}
		for _, c := range []struct {
			id           int64
			events, acts string
		}{{fresh, "acknowledged resolved", "alert.acknowledge alert.resolve"}, {acked, "acknowledged resolved", "alert.acknowledge alert.resolve"}} {
			ev := kinds(`SELECT kind FROM alert_events WHERE alert_id = CAST($1 AS BIGINT) ORDER BY id`, c.id)
			if got := strings.Join(ev, " "); got != c.events {
				t.Errorf("alert %d events %q, want %q", c.id, got, c.events)
			}
			acts := kinds(`SELECT action FROM audit_log WHERE object_type = 'alert' AND object_id = $1 AND action IN ('alert.acknowledge', 'alert.resolve') ORDER BY seq`, c.id)
			if got := strings.Join(acts, " "); got != c.acts {
				t.Errorf("alert %d audit %q, want %q", c.id, got, c.acts)
			}
		}
		if _, err := db.VerifyAudit(ctx, nil); err != nil {
			t.Fatalf("audit chain: %v", err)
		}
	})
}

// TestDeferAudit writes audit entries in a transaction that defers them:
// they are appended in order at the commit, one made inside a savepoint
// that rolled back is gone, and the chain verifies.
func TestDeferAudit(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		refused := errors.New("refused")
		err := db.WithTx(ctx, true, func(tx *store.Tx) error {
			tx.DeferAudit()
			for _, id := range []string{"d1", "d2"} {
				if err := tx.Audit(ctx, store.AuditEntry{Action: "alert.acknowledge", ObjectType: "alert", ObjectID: id}); err != nil {
					return err
				}
			}
			if err := tx.Savepoint(ctx, func() error {
				if err := tx.Audit(ctx, store.AuditEntry{Action: "alert.acknowledge", ObjectType: "alert", ObjectID: "d3"}); err != nil {
					return err
				}
				return refused
			}); err != refused {
				return fmt.Errorf("savepoint: %v", err)
			}
			return tx.Savepoint(ctx, func() error {
				return tx.Audit(ctx, store.AuditEntry{Action: "alert.acknowledge", ObjectType: "alert", ObjectID: "d4"})
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.QueryForTest(ctx, `SELECT object_id, seq FROM audit_log WHERE object_id IN ('d1', 'd2', 'd3', 'd4') ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		var last int64
		for rows.Next() {
			var id string
			var seq int64
			if err := rows.Scan(&id, &seq); err != nil {
				t.Fatal(err)
			}
			if last != 0 && seq != last+1 {
				t.Errorf("seq %d after %d", seq, last)
			}
			got, last = append(got, id), seq
		}
		if strings.Join(got, " ") != "d1 d2 d4" {
			t.Fatalf("entries %v, want d1 d2 d4", got)
		}
		if _, err := db.VerifyAudit(ctx, nil); err != nil {
			t.Fatalf("audit chain: %v", err)
		}
	})
}

// TestWriterTxWhilePoolBusy holds every connection of the shared pool in
// open transactions (readers queueing under load) and commits through the
// alert writer's lane: it must not wait for them. With the lane on the
// shared pool this blocks until the deadline and fails.
func TestWriterTxWhilePoolBusy(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var held []*store.Tx
		defer func() {
			for _, tx := range held {
				_ = tx.Rollback()
			}
		}()
		n := 8 // SQLite's read pool; the writer is its own connection there
		if db.Dialect == store.Postgres {
			n = 20
		}
		for range n {
			tx, err := db.Begin(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, tx)
		}
		err := db.WithWriterTx(ctx, func(tx *store.Tx) error {
			return tx.Audit(ctx, store.AuditEntry{Action: "alert.acknowledge", ObjectType: "alert", ObjectID: "lane"})
		})
		if err != nil {
			t.Fatalf("writer lane waited for the pool: %v", err)
		}
	})
}

// TestAlertForUpdateLocksOnPostgres: while one node's transaction holds an
// alert it read for a change, a second node's read of it waits for that
// commit and then sees the new tier, so the two never escalate the same
// step twice. The wait is observed in pg_stat_activity, not by timing.
func TestAlertForUpdateLocksOnPostgres(t *testing.T) {
	testdb.EachPair(t, testdb.Options{}, nil, func(t *testing.T, first, other *store.DB) {
		if first.Dialect != store.Postgres {
			t.Skip("SQLite has one writer: transactions cannot interleave")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p := &escudo.Person{Profile: escudo.ProfileDefender, Name: "Persona", Entity: "OAX"}
		if err := first.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := first.WithTx(ctx, true, func(tx *store.Tx) error {
			it := &store.NewAlert{In: &escudo.AlertInput{PersonID: p.ID, Type: escudo.AlertPanic, Source: escudo.SourceHotline, ReceivedAt: time.Now()},
				Entity: "OAX", Escalate: time.Now().Add(time.Minute)}
			err := tx.InsertAlerts(ctx, []*store.NewAlert{it}, 0)
			id = it.Alert.ID
			return err
		}); err != nil {
			t.Fatal(err)
		}
		escalated, release := make(chan struct{}), make(chan struct{})
		firstDone := make(chan error, 1)
		go func() {
			firstDone <- first.WithTx(ctx, true, func(tx *store.Tx) error {
				if _, err := tx.AlertForUpdate(ctx, id); err != nil {
					return err
				}
				if ok, err := tx.SetAlertTier(ctx, id, 0, 1, nil); err != nil || !ok {
					return fmt.Errorf("set tier: %v %v", ok, err)
				}
				close(escalated)
				<-release // held until the second node is seen waiting
				return nil
			})
		}()
		<-escalated
		seen := make(chan *escudo.Alert, 1)
		secondErr := make(chan error, 1)
		go func() {
			err := other.WithTx(context.Background(), true, func(tx *store.Tx) error {
				a, err := tx.AlertForUpdate(context.Background(), id)
				if err == nil {
					seen <- a
				}
				return err
			})
			secondErr <- err
		}()
		// Wait until the second read is blocked on the first one's lock.
		for {
			rows, err := other.QueryForTest(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
			if err != nil {
				t.Fatal(err)
			}
			var waiting int
			rows.Next()
			_ = rows.Scan(&waiting)
			rows.Close()
			if waiting > 0 {
				break
			}
			select {
			case a := <-seen:
				close(release)
				t.Fatalf("the second node read the alert (tier %d) while the first held it", a.Tier)
			case <-ctx.Done():
				close(release)
				t.Fatal("the second node never waited")
			case <-time.After(10 * time.Millisecond):
			}
		}
		close(release)
		if err := <-firstDone; err != nil {
			t.Fatal(err)
		}
		if err := <-secondErr; err != nil {
			t.Fatal(err)
		}
		if a := <-seen; a.Tier != 1 {
			t.Fatalf("the second node read tier %d after the first escalated", a.Tier)
		}
	})
}

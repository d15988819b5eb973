package alert

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// An alert left unacknowledged escalates on time even when the node that
// took it died at once: another node, on its own handle of the database,
// finds it by its periodic sweep and pages the next tier at the deadline.
func TestEscalationSweptByAnotherNode(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.EachPair(t, testdb.Options{Now: clock.Now}, nil, func(t *testing.T, db, other *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		f := setup(t, db, clock)
		a := f.press(t, escudo.AlertPanic, "m-died")
		f.stopLoop() // the node that took the alert is gone

		p2, err := New(Options{DB: other, Policy: f.policy, Now: clock.Now})
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

		sweepAndEscalate := func() int {
			t.Helper()
			if err := p2.SweepEscalations(ctx); err != nil {
				t.Fatal(err)
			}
			n, err := p2.EscalateDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		clock.Advance(14 * time.Second)
		if n := sweepAndEscalate(); n != 0 {
			t.Fatalf("escalated %d before the acknowledgement time ran out", n)
		}
		clock.Advance(time.Second) // the first tier's 15 s are up
		if n := sweepAndEscalate(); n != 1 {
			t.Fatalf("the other node escalated %d alerts at the deadline, want 1", n)
		}
		got, err := other.FindAlertByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Tier != 1 || got.Escalations != 1 {
			t.Fatalf("tier %d, escalations %d; want 1, 1", got.Tier, got.Escalations)
		}
		key := "alert:" + itoa(a.ID) + ":1:inbox:u" + itoa(f.coord.ID)
		if !notified(t, other, a.ID)[key] {
			t.Fatalf("the second tier (%s) was not paged", f.coord.Username)
		}
	})
}

// infoLog counts the log records of each message.
type infoLog struct {
	mu   sync.Mutex
	msgs map[string]int
}

func (h *infoLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *infoLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *infoLog) WithGroup(string) slog.Handler            { return h }
func (h *infoLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.msgs[r.Message]++
	h.mu.Unlock()
	return nil
}

func (h *infoLog) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.msgs[msg]
}

// A running node escalates on its own, through its periodic sweep, an alert
// another node took after it started, tier after tier, and says so in its
// log; it stops when its context ends.
func TestRunningNodeEscalatesAnotherNodesAlert(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.EachPair(t, testdb.Options{Now: clock.Now}, nil, func(t *testing.T, db, other *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		f := setup(t, db, clock)
		logs := &infoLog{msgs: map[string]int{}}
		p2, err := New(Options{DB: other, Policy: f.policy, Now: clock.Now, SweepInterval: time.Millisecond, Logger: slog.New(logs)})
		if err != nil {
			t.Fatal(err)
		}
		rctx, stop := context.WithCancel(ctx)
		stopped := make(chan error, 1)
		go func() { stopped <- p2.Run(rctx) }()
		a := f.press(t, escudo.AlertPanic, "m-running")
		tierIs := func(want int) func() bool {
			return func() bool {
				got, err := other.FindAlertByID(ctx, a.ID)
				return err == nil && got.Tier == want
			}
		}
		clock.Advance(15 * time.Second)
		waitUntil(t, "the first escalation", tierIs(1))
		clock.Advance(60 * time.Second)
		waitUntil(t, "the second escalation", tierIs(2))
		waitUntil(t, "the escalations logged", func() bool { return logs.count("alerts escalated") >= 2 })
		stop()
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		if n := logs.count("alerts escalated"); n != 2 {
			t.Fatalf("%d log records of escalations, want 2", n)
		}
		if n := logs.count("alert escalation") + logs.count("alert escalation sweep"); n != 0 {
			t.Fatalf("%d errors logged", n)
		}
	})
}

// waitUntil polls cond; the generous limit only ends a test that would
// otherwise hang.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
	}
}

// The escalation timer forgets the entries of acknowledged alerts once they
// outnumber the open ones, before their due time, and keeps the open ones:
// memory follows the alerts awaiting acknowledgement, and an open alert
// still escalates after the clean-up.
func TestSchedulerDropsStaleEntriesKeepsOpen(t *testing.T) {
	s := newScheduler()
	due := t0.Add(15 * time.Second)
	for id := int64(1); id <= 2000; id++ {
		s.add(id, 0, due)
	}
	for id := int64(1); id <= 2000; id++ {
		if id != 7 {
			s.remove(id)
		}
	}
	if got := s.popDue(t0); len(got) != 0 {
		t.Fatalf("%d entries due before their time", len(got))
	}
	s.mu.Lock()
	left := s.h.Len()
	s.mu.Unlock()
	if left != 1 {
		t.Fatalf("%d timer entries kept for 1 open alert", left)
	}
	if got := s.popDue(due); len(got) != 1 || got[0].id != 7 {
		t.Fatalf("the open alert after the clean-up: %+v", got)
	}
}

package alert

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"escudo"
	"escudo/internal/jobs"
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

// A running node escalates on its own, through the job runner's escalation
// job, an alert another node took after it started, tier after tier, and
// counts each step; nothing is logged per escalation. It stops when its
// context ends.
func TestRunningNodeEscalatesAnotherNodesAlert(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.EachPair(t, testdb.Options{Now: clock.Now}, nil, func(t *testing.T, db, other *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		f := setup(t, db, clock)
		logs := &infoLog{msgs: map[string]int{}}
		reg := prometheus.NewRegistry()
		p2, err := New(Options{DB: other, Policy: f.policy, Now: clock.Now, Logger: slog.New(logs), Registry: reg})
		if err != nil {
			t.Fatal(err)
		}
		rctx, stop := context.WithCancel(ctx)
		stopped := make(chan error, 2)
		go func() { stopped <- p2.Run(rctx) }()
		r := jobs.New(jobs.Options{DB: other, Poll: time.Millisecond, Log: slog.New(logs)})
		r.Every("alert.escalate", EscalateEvery, func(ctx context.Context) error { _, err := p2.EscalateDue(ctx); return err })
		go func() { stopped <- r.Run(rctx) }()
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
		// The step is counted once its commit has returned, a moment after
		// the tier is visible: stopping before then would lose the count.
		waitUntil(t, "the second escalation counted", func() bool { return testutil.ToFloat64(p2.m.escalated) >= 2 })
		stop()
		for range 2 {
			if err := <-stopped; err != nil {
				t.Fatal(err)
			}
		}
		if n := testutil.ToFloat64(p2.m.escalated); n != 2 {
			t.Fatalf("%v escalations counted, want 2", n)
		}
		if n := len(logs.msgs); n != 0 {
			t.Fatalf("%d kinds of log records for two escalations: %v", n, logs.msgs)
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

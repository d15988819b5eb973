package clock_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"escudo"
	"escudo/internal/clock"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// A restart loses nothing: a new scheduler on the same database finds the
// breaches that fell due while nothing was running, once each.
func TestSweepAfterDowntime(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	c := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: c.Now}, func(t *testing.T, db *store.DB) {
		c.Set(t0)
		ctx := context.Background()
		for i := 0; i < 3; i++ {
			p := &escudo.Person{Profile: escudo.ProfileDefender, Name: "Persona de prueba", Entity: "CHS"}
			k := &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "amenazas", ImminentDanger: i == 0}
			if _, err := db.FileRequest(ctx, k, p); err != nil {
				t.Fatal(err)
			}
		}
		reg := prometheus.NewRegistry()
		s := &clock.Scheduler{DB: db, Batch: 2}
		s.Register(reg)
		if n, err := s.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("nothing is due yet: %d %v", n, err)
		}
		c.Advance(11 * 24 * time.Hour) // down for 11 days
		s2 := &clock.Scheduler{DB: db, Batch: 2}
		reg2 := prometheus.NewRegistry()
		s2.Register(reg2)
		n, err := s2.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// 3 evaluation clocks + 2 urgent clocks of the extraordinary case.
		if n != 5 {
			t.Fatalf("breaches handled: %d, want 5", n)
		}
		metrics, err := reg2.Gather()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range metrics {
			if m.GetName() == "escudo_clock_breaches_total" {
				found = true
				if v := m.GetMetric()[0].GetCounter().GetValue(); v != 5 {
					t.Fatalf("breach counter %v", v)
				}
			}
		}
		if !found {
			t.Fatal("escudo_clock_breaches_total is not registered")
		}
		if n, _ := s2.Sweep(ctx); n != 0 {
			t.Fatalf("breaches handled twice: %d", n)
		}
	})
}

// logRecords keeps the scheduler's log records.
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecords) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecords) WithGroup(string) slog.Handler            { return h }
func (h *logRecords) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r)
	h.mu.Unlock()
	return nil
}

// handled returns what the "clock sweep" info records say was handled, and
// how many error records there are.
func (h *logRecords) handled() (counts []int64, errs int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.recs {
		if r.Level == slog.LevelError {
			errs++
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "handled" {
				counts = append(counts, a.Value.Int64())
			}
			return true
		})
	}
	return counts, errs
}

// waitFor polls cond until it holds; the generous limit only ends a test
// that would otherwise hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
	}
}

// Run sweeps at once and again at each interval until its context ends: a
// breach due at start is handled by the first sweep, its escalation by a
// later one. The log says what each sweep handled, never an empty sweep,
// and reports a failing sweep as an error.
func TestRunSweepsUntilStopped(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	c := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: c.Now}, func(t *testing.T, db *store.DB) {
		c.Set(t0)
		ctx := context.Background()
		p := &escudo.Person{Profile: escudo.ProfileJournalist, Name: "Persona de prueba", Entity: "GRO"}
		k := &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "amenazas", ImminentDanger: true}
		rc, err := db.FileRequest(ctx, k, p)
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(3*time.Hour + time.Second) // urgent_issued breached
		logs := &logRecords{}
		s := &clock.Scheduler{DB: db, Interval: time.Millisecond, Log: slog.New(logs)}
		reg := prometheus.NewRegistry()
		s.Register(reg)
		rctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { s.Run(rctx); close(done) }()
		waitFor(t, "the breach handled", func() bool { n, _ := logs.handled(); return len(n) >= 1 })
		c.Advance(time.Hour + time.Second) // urgent_issued escalates every hour
		waitFor(t, "the escalation handled", func() bool { n, _ := logs.handled(); return len(n) >= 2 })
		stop()
		<-done
		counts, errs := logs.handled()
		if errs != 0 || len(counts) != 2 || counts[0] != 1 || counts[1] != 1 {
			t.Fatalf("log says handled %v with %d errors; want [1 1] and none", counts, errs)
		}
		if got := counters(t, reg); got["escudo_clock_breaches_total"] != 1 || got["escudo_clock_escalations_total"] != 1 {
			t.Fatalf("metrics %v; want one breach and one escalation", got)
		}
		ev, err := db.Timeline(ctx, rc.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range ev {
			kinds = append(kinds, e.Kind)
		}
		if !slices.Contains(kinds, escudo.EventClockBreach) || !slices.Contains(kinds, escudo.EventEscalation) {
			t.Fatalf("timeline %v", kinds)
		}

		// A sweep that fails while running is logged as an error.
		db.Close()
		logs = &logRecords{}
		s = &clock.Scheduler{DB: db, Interval: time.Millisecond, Log: slog.New(logs)}
		rctx, stop = context.WithCancel(ctx)
		done = make(chan struct{})
		go func() { s.Run(rctx); close(done) }()
		waitFor(t, "the failure logged", func() bool { _, e := logs.handled(); return e > 0 })
		stop()
		<-done
	})
}

// counters returns the registry's counters by name.
func counters(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	ms, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, m := range ms {
		out[m.GetName()] = m.GetMetric()[0].GetCounter().GetValue()
	}
	return out
}

// With no interval and no logger set, Run still sweeps at once (and every
// 30 s after) without a log to write to.
func TestRunDefaults(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	c := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: c.Now}, func(t *testing.T, db *store.DB) {
		c.Set(t0)
		ctx := context.Background()
		p := &escudo.Person{Profile: escudo.ProfileJournalist, Name: "Persona de prueba", Entity: "GRO"}
		k := &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "amenazas", ImminentDanger: true}
		rc, err := db.FileRequest(ctx, k, p)
		if err != nil {
			t.Fatal(err)
		}
		c.Advance(3*time.Hour + time.Second)
		rctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { (&clock.Scheduler{DB: db}).Run(rctx); close(done) }()
		waitFor(t, "the breach recorded", func() bool {
			ev, err := db.Timeline(ctx, rc.CaseID)
			return err == nil && slices.ContainsFunc(ev, func(e escudo.Event) bool { return e.Kind == escudo.EventClockBreach })
		})
		stop()
		<-done
	})
}

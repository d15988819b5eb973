package clock_test

import (
	"context"
	"slices"
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
	testdb.Each(t, testdb.Options{Now: c.Now, Rules: testdb.RulesWithout("immediate_evaluation")}, func(t *testing.T, db *store.DB) {
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

// Sweep handles a breach due now, then its escalation once that is due,
// and counts each; a sweep that fails says so.
func TestSweepCountsBreachesAndEscalations(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	c := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: c.Now, Rules: testdb.RulesWithout("immediate_evaluation")}, func(t *testing.T, db *store.DB) {
		c.Set(t0)
		ctx := context.Background()
		p := &escudo.Person{Profile: escudo.ProfileJournalist, Name: "Persona de prueba", Entity: "GRO"}
		k := &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "amenazas", ImminentDanger: true}
		rc, err := db.FileRequest(ctx, k, p)
		if err != nil {
			t.Fatal(err)
		}
		s := &clock.Scheduler{DB: db}
		reg := prometheus.NewRegistry()
		s.Register(reg)
		if n, err := s.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("sweep before any deadline: %d %v", n, err)
		}
		c.Advance(3*time.Hour + time.Second) // urgent_issued breached
		if n, err := s.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("sweep at the breach: %d %v", n, err)
		}
		if n, err := s.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("second sweep at the breach: %d %v", n, err)
		}
		c.Advance(time.Hour + time.Second) // urgent_issued escalates every hour
		if n, err := s.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("sweep at the escalation: %d %v", n, err)
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
		db.Close()
		if _, err := s.Sweep(ctx); err == nil {
			t.Fatal("a sweep on a closed store reported no error")
		}
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

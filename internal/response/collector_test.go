package response

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func TestCollectorObservesSteps(t *testing.T) {
	start := time.Date(2026, 4, 6, 9, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(start)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(start)
		reg := prometheus.NewRegistry()
		c := NewCollector(db, reg)
		c.Now = clock.Now
		if err := c.Poll(ctx); err != nil { // sets the starting point
			t.Fatal(err)
		}
		p := &escudo.Person{Profile: escudo.ProfileDefender, Name: "Ana", Entity: "CHH"}
		if err := db.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		raise := func(typ escudo.AlertType, src escudo.AlertSource) int64 {
			it := &store.NewAlert{In: &escudo.AlertInput{PersonID: p.ID, Type: typ, Source: src, ReceivedAt: clock.Now()}, Entity: "CHH"}
			if err := db.WithTx(ctx, true, func(tx *store.Tx) error { return tx.InsertAlerts(ctx, []*store.NewAlert{it}, 0) }); err != nil {
				t.Fatal(err)
			}
			return it.Alert.ID
		}
		real := raise(escudo.AlertPanic, escudo.SourceHotline)
		drill := raise(escudo.AlertTest, escudo.SourceDrill)
		clock.Advance(12 * time.Second)
		for _, id := range []int64{real, drill} {
			if _, err := db.AcknowledgeAlert(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(50 * time.Second)
		if _, err := db.DispatchAlert(ctx, real, escudo.Dispatch{Agency: "Policía estatal"}); err != nil {
			t.Fatal(err)
		}
		// Not yet: steps within the lag wait for the next poll.
		clock.Advance(time.Second)
		if err := c.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if n := sampleCount(t, reg, "escudo_alert_time_to_dispatch_seconds"); n != 0 {
			t.Fatalf("dispatch observed within the lag: %d", n)
		}
		clock.Advance(time.Minute)
		if err := c.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if got := gaugeValue(t, reg, "escudo_alert_ack_within_target_ratio", "CHH"); got != 1 {
			t.Fatalf("ack share %v", got)
		}
		// The drill is left out: one observation of 12 s.
		if n, sum := sampleCount(t, reg, "escudo_alert_time_to_acknowledge_seconds"), sampleSum(t, reg, "escudo_alert_time_to_acknowledge_seconds"); n != 1 || sum != 12 {
			t.Fatalf("acknowledge observed %d, sum %v; want one of 12 s", n, sum)
		}
		if sampleSum(t, reg, "escudo_alert_time_to_dispatch_seconds") != 62 {
			t.Fatalf("dispatch seconds %v", sampleSum(t, reg, "escudo_alert_time_to_dispatch_seconds"))
		}
	})
}

func sampleSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetHistogram().GetSampleSum()
		}
	}
	return sum
}

func sampleCount(t *testing.T, reg *prometheus.Registry, name string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}

func gaugeValue(t *testing.T, reg *prometheus.Registry, name, entity string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "entity" && l.GetValue() == entity {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return -1
}

package store_test

import (
	"context"
	"math"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestResponseTimes files alerts in two entities, answers them after known
// delays with an injected clock, and checks the report a user reads.
func TestResponseTimes(t *testing.T) {
	start := time.Date(2026, 4, 6, 9, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(start)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(start)
		people := map[string]int64{}
		for _, e := range []string{"OAX", "GRO"} {
			p := &escudo.Person{Profile: escudo.ProfileDefender, Name: "Persona " + e, Entity: e}
			if err := db.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
			people[e] = p.ID
		}
		raise := func(entity string, typ escudo.AlertType, source escudo.AlertSource) int64 {
			t.Helper()
			var id int64
			err := db.WithTx(ctx, true, func(tx *store.Tx) error {
				it := &store.NewAlert{In: &escudo.AlertInput{PersonID: people[entity], Type: typ, Source: source, ReceivedAt: clock.Now()}, Entity: entity}
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
		// Ten alerts in Oaxaca acknowledged after 1..10 s, dispatched by the
		// state police after 30 s (the last two by the federal police
		// after 100 s), resolved after an hour.
		for i := 1; i <= 10; i++ {
			clock.Set(start.Add(time.Duration(i) * time.Hour))
			id := raise("OAX", escudo.AlertPanic, escudo.SourceHotline)
			clock.Advance(time.Duration(i) * time.Second)
			if _, err := db.AcknowledgeAlert(ctx, id); err != nil {
				t.Fatal(err)
			}
			agency, delay := "Policía estatal", 30*time.Second
			if i > 8 {
				agency, delay = "Guardia Nacional", 100*time.Second
			}
			clock.Set(start.Add(time.Duration(i)*time.Hour + delay))
			if _, err := db.DispatchAlert(ctx, id, escudo.Dispatch{Agency: agency}); err != nil {
				t.Fatal(err)
			}
			clock.Set(start.Add(time.Duration(i)*time.Hour + time.Hour))
			if _, err := db.ResolveAlert(ctx, id, escudo.OutcomeAttended, ""); err != nil {
				t.Fatal(err)
			}
		}
		// Guerrero: one acknowledged after 40 s, one never acknowledged.
		clock.Set(start.Add(20 * time.Hour))
		g := raise("GRO", escudo.AlertAlarm, escudo.SourceHotline)
		clock.Advance(40 * time.Second)
		if _, err := db.AcknowledgeAlert(ctx, g); err != nil {
			t.Fatal(err)
		}
		raise("GRO", escudo.AlertPanic, escudo.SourceHotline)
		// A drill answered in an hour is left out by default.
		d := raise("GRO", escudo.AlertTest, escudo.SourceDrill)
		clock.Advance(time.Hour)
		if _, err := db.AcknowledgeAlert(ctx, d); err != nil {
			t.Fatal(err)
		}

		rep, err := db.ResponseTimes(ctx, store.ResponseFilter{From: start, To: clock.Now().Add(time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		near := func(got, want float64) bool { return math.Abs(got-want) < 1e-6 }
		if rep.Total.Alerts != 12 || rep.Total.Acknowledge.Count != 11 {
			t.Fatalf("total %+v", rep.Total)
		}
		if len(rep.Entities) != 2 || rep.Entities[0].Entity != "GRO" || rep.Entities[1].Entity != "OAX" {
			t.Fatalf("entities %+v", rep.Entities)
		}
		oax := rep.Entities[1]
		if !near(oax.Acknowledge.P50, 5) || !near(oax.Acknowledge.P90, 9) || !near(oax.Acknowledge.P99, 10) || !near(oax.Acknowledge.Max, 10) {
			t.Fatalf("OAX acknowledge %+v", oax.Acknowledge)
		}
		if !near(oax.Dispatch.P50, 30) || !near(oax.Dispatch.P90, 100) || !near(oax.Resolve.P50, 3600) {
			t.Fatalf("OAX dispatch %+v resolve %+v", oax.Dispatch, oax.Resolve)
		}
		if !near(oax.AckWithinTarget, 1) || !oax.AckTargetMet || !near(oax.DispatchWithinTarget, 0.8) || oax.DispatchTargetMet {
			t.Fatalf("OAX targets %+v", oax)
		}
		gro := rep.Entities[0]
		// Neither Guerrero alert was acknowledged within 15 s.
		if gro.Alerts != 2 || !near(gro.AckWithinTarget, 0) || gro.AckTargetMet || gro.Dispatch.Count != 0 || gro.DispatchWithinTarget != 0 {
			t.Fatalf("GRO %+v", gro)
		}
		if len(rep.Agencies) != 2 || rep.Agencies[0].Agency != "Guardia Nacional" || rep.Agencies[0].Dispatch.Count != 2 || !near(rep.Agencies[1].Dispatch.P99, 30) {
			t.Fatalf("agencies %+v", rep.Agencies)
		}
		// Entity filter and drills on request.
		rep, err = db.ResponseTimes(ctx, store.ResponseFilter{From: start, To: clock.Now().Add(time.Second), Entity: "GRO", IncludeTests: true})
		if err != nil || rep.Total.Alerts != 3 || !near(rep.Total.Acknowledge.Max, 3600) {
			t.Fatalf("GRO with drills %+v %v", rep.Total, err)
		}
		// The collector's feed: steps that happened in a window.
		evs, err := db.ResponseEventsBetween(ctx, start.Add(time.Hour), start.Add(time.Hour+time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		steps := map[string]float64{}
		for _, e := range evs {
			steps[e.Step] = e.Seconds
		}
		if len(evs) != 2 || !near(steps["acknowledge"], 1) || !near(steps["dispatch"], 30) {
			t.Fatalf("events %+v", evs)
		}
	})
}

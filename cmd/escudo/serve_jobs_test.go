package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"escudo"
	"escudo/internal/clock"
	"escudo/internal/jobs"
	"escudo/internal/testdb"
)

// TestBreachFoundWithinTheSweepInterval: with clock_sweep at its shortest
// (1 s) and at the default (30 s), the job runner's sweep records a breach
// no later than one interval after the deadline passed. Time is the store's
// clock, moved by the test in steps of a tenth of the interval, each step
// waiting for the runner to have taken any turn then due.
func TestBreachFoundWithinTheSweepInterval(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	for _, sweep := range []time.Duration{time.Second, 30 * time.Second} {
		t.Run(sweep.String(), func(t *testing.T) {
			c := testdb.NewClock(t0)
			db := testdb.OpenSQLite(t, testdb.Options{Now: c.Now})
			ctx := context.Background()
			rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "amenazas", ImminentDanger: true},
				&escudo.Person{Profile: escudo.ProfileJournalist, Name: "Persona de prueba", Entity: "GRO"})
			if err != nil {
				t.Fatal(err)
			}
			var due time.Time
			cl, err := db.CaseClocks(ctx, rc.CaseID)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range cl {
				if k.Rule == "urgent_issued" {
					due = k.DueAt
				}
			}
			if due.IsZero() {
				t.Fatalf("no urgent_issued clock in %+v", cl)
			}
			r := jobs.New(jobs.Options{DB: db, Poll: time.Millisecond})
			scheduleClockSweep(r, &clock.Scheduler{DB: db}, sweep)
			rctx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { _ = r.Run(rctx); close(done) }()
			defer func() { stop(); <-done }()
			settled := func() {
				t.Helper()
				for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
					ss, err := db.Schedules(ctx)
					if err == nil && len(ss) == 1 && ss[0].NextRun.After(c.Now()) && ss[0].LeaseUntil.IsZero() {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("the sweep's turn at %v was never taken: %+v", c.Now(), ss)
					}
				}
			}
			breached := func() bool {
				ev, err := db.Timeline(ctx, rc.CaseID)
				return err == nil && slices.ContainsFunc(ev, func(e escudo.Event) bool { return e.Kind == escudo.EventClockBreach })
			}
			settled()
			c.Set(due.Add(-sweep / 2))
			step := sweep / 10
			for !breached() {
				if c.Now().Sub(due) > 2*sweep {
					t.Fatalf("no breach recorded %v after the deadline", c.Now().Sub(due))
				}
				c.Advance(step)
				settled()
			}
			if late := c.Now().Sub(due); late > sweep+step {
				t.Fatalf("breach found %v after the deadline, over the sweep interval %v", late, sweep)
			} else {
				t.Logf("breach found %v after the deadline (interval %v)", late, sweep)
			}
		})
	}
}

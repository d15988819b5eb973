package demo_test

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/demo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The demo's duty console is alive on first sight: devices with
// heartbeats and one silent, open and closed alerts, and a drill.
func TestSeedGivesTheConsoleLife(t *testing.T) {
	clock := &demo.Clock{}
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res, err := demo.Seed(ctx, db, clock, demo.Options{Seed: 1, Cases: 40, Now: now, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		c := res.Console
		if c == nil || len(c.Devices) < 4 || c.SilentDevice == 0 {
			t.Fatalf("console seed: %+v", c)
		}
		// The demo contractor has an open task on the first device's case.
		tasks, err := db.FindTasks(ctx, store.TaskFilter{UserID: res.Users["tecnico"].ID, Open: true})
		if err != nil || len(tasks) != 1 || tasks[0].ID != res.Task || tasks[0].Expires == nil {
			t.Fatalf("contractor's open tasks: %+v %v", tasks, err)
		}
		if res.WitnessKey == "" {
			t.Error("the demo witness has no app key")
		}
		for _, name := range append([]string{demo.WitnessUsername}, demo.LostPhoneUsernames...) {
			if st, _ := db.TOTPStatus(ctx, res.Users[name].ID); st != store.TOTPConfirmed {
				t.Errorf("%s has no authenticator app", name)
			}
		}
		if scope, _ := db.TaskScope(ctx, res.Users["tecnico"], c.Devices[0].PersonID, 0); len(scope) == 0 {
			t.Error("the demo task reaches nothing of the device's person")
		}
		states, err := db.HeartbeatStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Supervision calls a device silent after 3 intervals and 5 s.
		for _, d := range c.Devices {
			s, ok := states[d.ID]
			if !ok {
				t.Fatalf("device %d has no heartbeat", d.ID)
			}
			quiet := now.Sub(s.LastSeen) > 3*d.HeartbeatInterval+5*time.Second
			if quiet != (d.ID == c.SilentDevice) {
				t.Errorf("device %d (interval %s) last seen %s before now: silent %v", d.ID, d.HeartbeatInterval, now.Sub(s.LastSeen), quiet)
			}
		}
		open, err := db.FindAlerts(ctx, escudo.AlertFilter{Open: true})
		if err != nil {
			t.Fatal(err)
		}
		var unanswered, answered int
		for _, a := range open {
			switch a.Status {
			case escudo.AlertOpen:
				unanswered++
			case escudo.AlertAcknowledged, escudo.AlertDispatched:
				answered++
			}
		}
		if unanswered == 0 || answered == 0 {
			t.Errorf("open alerts: %d unanswered, %d answered", unanswered, answered)
		}
		all, _ := db.FindAlerts(ctx, escudo.AlertFilter{})
		outcomes := map[string]bool{}
		var drill bool
		for _, a := range all {
			if a.Status == escudo.AlertResolved {
				outcomes[a.Outcome] = true
			}
			if a.Source == escudo.SourceDrill && a.Type == escudo.AlertTest {
				drill = true
			}
		}
		if !outcomes["attended"] || !outcomes["false_alarm"] || !drill {
			t.Errorf("closed alerts: outcomes %v, drill %v", outcomes, drill)
		}
	})
}

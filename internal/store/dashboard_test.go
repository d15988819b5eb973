package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestDashboard seeds cases whose clocks stand at known distances from now
// and alerts answered after known delays, and checks every figure of the
// coordinator's dashboard, for the whole country and for each entity.
func TestDashboard(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(now)
	testdb.Each(t, testdb.Options{Now: clock.Now, Rules: testdb.RulesWithout("immediate_evaluation")}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ana := staff(t, db, "ana", escudo.RoleAnalyst, 0)
		beto := staff(t, db, "beto", escudo.RoleAnalyst, 0)
		file := func(name, entity string, ago time.Duration, danger bool) int64 {
			t.Helper()
			clock.Set(now.Add(-ago))
			c, p := newRequest(name)
			p.Entity, c.ImminentDanger = entity, danger
			rc, err := db.FileRequest(ctx, c, p)
			if err != nil {
				t.Fatal(err)
			}
			return rc.CaseID
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		day := 24 * time.Hour
		// The evaluation clock runs 10 days from reception and is due soon
		// in its last 2; the urgent ones run 3 and 9 hours, due soon in
		// their last 12 hours (escudo.DueSoonFloor).
		c1 := file("Caso Uno", "OAX", 20*day, false)     // evaluation 10 days overdue
		c2 := file("Caso Dos", "OAX", 12*day, false)     // 2 days overdue
		c3 := file("Caso Tres", "GRO", 9*day, false)     // due in 1 day
		c4 := file("Caso Cuatro", "OAX", day, false)     // on time
		c5 := file("Caso Cinco", "GRO", time.Hour, true) // urgent clocks due in 2 and 8 hours
		c6 := file("Caso Seis", "OAX", 3*day, false)     // refused: closed
		c7 := file("Caso Siete", "OAX", 2*day, true)     // urgent clocks 45 and 39 hours overdue
		clock.Set(now.Add(-time.Minute))
		admit := escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}
		must(db.DecideAdmission(ctx, c2, admit))
		must(db.DecideAdmission(ctx, c7, admit))
		must(db.DecideAdmission(ctx, c6, escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted, Reason: "Sin relación con la labor."}))
		must(db.AssignCase(ctx, c1, ana.ID, ""))
		must(db.AssignCase(ctx, c2, ana.ID, ""))
		must(db.AssignCase(ctx, c4, beto.ID, ""))
		must(db.AssignCase(ctx, c7, beto.ID, ""))
		must(db.AssignCase(ctx, c6, beto.ID, ""))

		// Alerts, none resolved: in Oaxaca three acknowledged after 4 s, 20 s
		// and 70 s, and one from 40 days ago (outside the 30-day window); in
		// Guerrero a drill acknowledged after 8 s and a panic nobody has
		// answered. c5 and c7 each rang the console when filed (imminent
		// danger) and are still unacknowledged.
		person := &escudo.Person{Profile: escudo.ProfileDefender, Name: "Persona de alertas", Entity: "OAX"}
		must(db.CreatePerson(ctx, person))
		raise := func(entity string, ago time.Duration, typ escudo.AlertType, source escudo.AlertSource, ack time.Duration) {
			t.Helper()
			clock.Set(now.Add(-ago))
			it := &store.NewAlert{In: &escudo.AlertInput{PersonID: person.ID, Type: typ, Source: source, ReceivedAt: clock.Now()}, Entity: entity}
			must(db.WithTx(ctx, true, func(tx *store.Tx) error { return tx.InsertAlerts(ctx, []*store.NewAlert{it}, 0) }))
			if ack > 0 {
				clock.Advance(ack)
				_, err := db.AcknowledgeAlert(ctx, it.Alert.ID)
				must(err)
			}
		}
		raise("OAX", 5*day, escudo.AlertPanic, escudo.SourceDevice, 4*time.Second)
		raise("OAX", 4*day, escudo.AlertPanic, escudo.SourceDevice, 20*time.Second)
		raise("OAX", 3*day, escudo.AlertCall, escudo.SourceHotline, 70*time.Second)
		raise("OAX", 40*day, escudo.AlertPanic, escudo.SourceDevice, 3*time.Second)
		raise("GRO", 2*day, escudo.AlertTest, escudo.SourceDrill, 8*time.Second)
		raise("GRO", 10*time.Minute, escudo.AlertPanic, escudo.SourceDevice, 0)
		clock.Set(now)

		clocks := func(cs []store.DashboardClock) string {
			var out []string
			for _, c := range cs {
				out = append(out, fmt.Sprintf("%d:%s:%s:%s", c.CaseID, c.Stage, c.Rule, now.Sub(c.DueAt)))
			}
			return fmt.Sprint(out)
		}
		aging := func(d *store.Dashboard) string {
			var out []string
			for _, a := range d.Aging {
				out = append(out, fmt.Sprintf("%s%v", a.Stage, a.Buckets))
			}
			return fmt.Sprint(out)
		}
		loads := func(d *store.Dashboard) string {
			var out []string
			for _, p := range d.Workload {
				out = append(out, fmt.Sprintf("%s:%d/%d", p.Name, p.Open, p.Overdue))
			}
			return fmt.Sprint(out)
		}
		for _, c := range []struct {
			entity                    string
			breached                  int
			breachedClocks            string
			dueSoon                   int
			dueSoonClocks             string
			unassigned                string
			alerts, waiting           int
			oldest                    time.Duration
			workload, aging           string
			ack, ackBins              string
			drills                    string
			withinAck, withinDispatch float64
		}{
			{"", 3, fmt.Sprintf("[%d:reception:evaluation:240h0m0s %d:evaluation:evaluation:48h0m0s %d:evaluation:urgent_issued:45h0m0s %d:evaluation:urgent_implemented:39h0m0s]", c1, c2, c7, c7),
				2, fmt.Sprintf("[%d:reception:urgent_issued:-2h0m0s %d:reception:urgent_implemented:-8h0m0s %d:reception:evaluation:-24h0m0s]", c5, c5, c3),
				fmt.Sprintf("[%d]", c5), 8, 3, 48 * time.Hour,
				"[ana:2/2 beto:2/1]", "[reception[1 2 0 1] evaluation[0 0 2 0] board[0 0 0 0] implementation[0 0 0 0] follow_up[0 0 0 0]]",
				"6 alerts, 3 unacknowledged", "[1 0 0 1 0 1 0 0]", "1 alerts, 0 unacknowledged", 1.0 / 3, 2.0 / 3},
			{"OAX", 3, fmt.Sprintf("[%d:reception:evaluation:240h0m0s %d:evaluation:evaluation:48h0m0s %d:evaluation:urgent_issued:45h0m0s %d:evaluation:urgent_implemented:39h0m0s]", c1, c2, c7, c7),
				0, "[]", "[]", 5, 1, 48 * time.Hour,
				"[ana:2/2 beto:2/1]", "[reception[1 0 0 1] evaluation[0 0 2 0] board[0 0 0 0] implementation[0 0 0 0] follow_up[0 0 0 0]]",
				"4 alerts, 1 unacknowledged", "[1 0 0 1 0 1 0 0]", "0 alerts, 0 unacknowledged", 1.0 / 3, 2.0 / 3},
			{"GRO", 0, "[]", 2, fmt.Sprintf("[%d:reception:urgent_issued:-2h0m0s %d:reception:urgent_implemented:-8h0m0s %d:reception:evaluation:-24h0m0s]", c5, c5, c3),
				fmt.Sprintf("[%d]", c5), 3, 2, time.Hour,
				"[]", "[reception[0 2 0 0] evaluation[0 0 0 0] board[0 0 0 0] implementation[0 0 0 0] follow_up[0 0 0 0]]",
				"2 alerts, 2 unacknowledged", "[0 0 0 0 0 0 0 0]", "1 alerts, 0 unacknowledged", -1, -1},
		} {
			t.Run("entity="+c.entity, func(t *testing.T) {
				d, err := db.Dashboard(ctx, store.DashboardFilter{Entity: c.entity})
				if err != nil {
					t.Fatal(err)
				}
				if d.Breached != c.breached || clocks(d.BreachedClocks) != c.breachedClocks {
					t.Errorf("breached %d %s, want %d %s", d.Breached, clocks(d.BreachedClocks), c.breached, c.breachedClocks)
				}
				if d.DueSoon != c.dueSoon || clocks(d.DueSoonClocks) != c.dueSoonClocks {
					t.Errorf("due soon %d %s, want %d %s", d.DueSoon, clocks(d.DueSoonClocks), c.dueSoon, c.dueSoonClocks)
				}
				var un []int64
				for _, u := range d.UnassignedCases {
					un = append(un, u.CaseID)
					if !u.ImminentDanger || u.Procedure != escudo.ProcedureExtraordinary {
						t.Errorf("unassigned urgent case %+v", u)
					}
				}
				if got := fmt.Sprint(un); got != c.unassigned && !(got == "[]" && c.unassigned == "[]") || d.Unassigned != len(un) {
					t.Errorf("unassigned %d %s, want %s", d.Unassigned, got, c.unassigned)
				}
				if d.OpenAlerts != c.alerts || d.WaitingAlerts != c.waiting || d.OldestWaiting == nil || now.Sub(*d.OldestWaiting) != c.oldest {
					t.Errorf("alerts %d open, %d waiting, oldest %v; want %d, %d, %s ago", d.OpenAlerts, d.WaitingAlerts, d.OldestWaiting, c.alerts, c.waiting, c.oldest)
				}
				if got := loads(d); got != c.workload {
					t.Errorf("workload %s, want %s", got, c.workload)
				}
				if got := aging(d); got != c.aging {
					t.Errorf("aging %s, want %s", got, c.aging)
				}
				if got := fmt.Sprintf("%d alerts, %d unacknowledged", d.Ack.Alerts, d.Ack.Unacknowledged); got != c.ack || fmt.Sprint(d.Ack.Bins) != c.ackBins {
					t.Errorf("acknowledgements %s %v, want %s %s", got, d.Ack.Bins, c.ack, c.ackBins)
				}
				if got := fmt.Sprintf("%d alerts, %d unacknowledged", d.AckDrills.Alerts, d.AckDrills.Unacknowledged); got != c.drills {
					t.Errorf("drills %s, want %s", got, c.drills)
				}
				if !near(d.Ack.WithinAck, c.withinAck) || !near(d.Ack.WithinDispatch, c.withinDispatch) {
					t.Errorf("within targets %v %v, want %v %v", d.Ack.WithinAck, d.Ack.WithinDispatch, c.withinAck, c.withinDispatch)
				}
			})
		}

		// The figures of cases are reused: a change shows once they are
		// store.DashboardRecountAfter old, recounted behind the figures
		// served; alerts show at once.
		must(db.AssignCase(ctx, c5, ana.ID, ""))
		raise("GRO", 0, escudo.AlertPanic, escudo.SourceDevice, 0)
		dash := func(at time.Time) *store.Dashboard {
			t.Helper()
			clock.Set(at)
			d, err := db.Dashboard(ctx, store.DashboardFilter{})
			must(err)
			return d
		}
		if d := dash(now.Add(store.DashboardRecountAfter - time.Second)); d.Unassigned != 1 || d.OpenAlerts != 9 || !d.At.Equal(now) {
			t.Fatalf("right after a change: unassigned %d, alerts %d, figures of %v", d.Unassigned, d.OpenAlerts, d.At)
		}
		later := now.Add(store.DashboardRecountAfter)
		if d := dash(later); d.Unassigned != 1 || !d.At.Equal(now) {
			t.Fatalf("the view that starts a recount does not wait for it: unassigned %d, figures of %v", d.Unassigned, d.At)
		}
		db.WaitDashboardRecounts()
		if d := dash(later); d.Unassigned != 0 || loads(d) != "[ana:3/2 beto:2/1]" || !d.At.Equal(later) {
			t.Fatalf("after the recount: unassigned %d, workload %s, figures of %v", d.Unassigned, loads(d), d.At)
		}
		// Figures older than store.DashboardStaleFor are recounted before
		// the page is answered.
		must(db.AssignCase(ctx, c3, beto.ID, ""))
		if d := dash(later.Add(store.DashboardStaleFor)); loads(d) != "[ana:3/2 beto:3/1]" {
			t.Fatalf("stale figures served: workload %s, figures of %v", loads(d), d.At)
		}
	})
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

package store_test

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The tests in this file each catch a bug planted by hand in the store's
// clock rules (docs/testing.md, "Mutation"): the store is too slow to mutate
// whole, so its rules are pinned by what a person would see go wrong.

const day = 24 * time.Hour

// fileCase files a request at the clock's time and fails the test if it is
// refused.
func fileCase(t *testing.T, db *store.DB, name string, imminent bool) int64 {
	t.Helper()
	c, p := newRequest(name)
	c.ImminentDanger = imminent
	rc, err := db.FileRequest(context.Background(), c, p)
	if err != nil {
		t.Fatal(err)
	}
	return rc.CaseID
}

// breachedRules returns the rules of the sweep's breaches on caseID.
func breachedRules(found []store.Breach, caseID int64) map[string]int {
	out := map[string]int{}
	for _, b := range found {
		if b.Clock.CaseID == caseID {
			out[b.Clock.Rule] = b.Escalation
		}
	}
	return out
}

// inboxKinds returns the kinds of the clock notices in uid's inbox about
// caseID.
func inboxKinds(t *testing.T, db *store.DB, uid, caseID int64) []string {
	t.Helper()
	in, err := db.Inbox(context.Background(), uid, 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range in {
		if n.CaseID == caseID && (n.Kind == escudo.EventClockBreach || n.Kind == escudo.EventEscalation) {
			out = append(out, n.Kind)
		}
	}
	return out
}

// A deadline due exactly now is not yet breached (escudo.ClockState.Evaluate
// says the same): the sweep breaches it the next instant, not before.
func TestSweepDueExactlyNowIsNotBreached(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now, Rules: testdb.RulesWithout("immediate_evaluation")}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		id := fileCase(t, db, "Defensora de la Montaña", true)
		clock.Set(t0.Add(3 * time.Hour)) // urgent_issued falls due now
		found, err := db.SweepClocks(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 0 {
			t.Fatalf("a deadline due exactly now was breached: %+v", found)
		}
		if k := clocksOf(t, db, id)["urgent_issued"]; k.Status == escudo.ClockBreached || k.BreachedAt != nil {
			t.Fatalf("urgent_issued at its deadline: %+v", k)
		}
		clock.Advance(time.Microsecond)
		found, err = db.SweepClocks(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if got := breachedRules(found, id); len(got) != 1 || got["urgent_issued"] != 0 {
			t.Fatalf("one instant after the deadline: %v", got)
		}
	})
}

// The periodic re-evaluation re-arms when it is done, even after it was
// breached: the next period starts clean and is breached again when it too
// runs out, instead of being missed silently.
func TestRecurringClockReArmsAfterBreach(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		id := fileCase(t, db, "Colectivo de Madres Buscadoras", false)
		if err := db.DecideAdmission(ctx, id, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err != nil {
			t.Fatal(err)
		}
		for _, m := range []escudo.Milestone{escudo.MilestoneEvaluated, escudo.MilestoneSentToBoard} {
			if err := db.RecordMilestone(ctx, id, m, time.Time{}, ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.ResolveStepForTest(ctx, id); err != nil {
			t.Fatal(err)
		}
		clock.Advance(180*day + time.Hour)
		found, err := db.SweepClocks(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := breachedRules(found, id)["reevaluation"]; !ok || e != 0 {
			t.Fatalf("the re-evaluation was not breached after 180 days: %+v", found)
		}
		// Re-evaluated late: the clock starts a new period at once.
		rearmed := clock.Now()
		if err := db.RecordMilestone(ctx, id, escudo.MilestoneReevaluated, time.Time{}, ""); err != nil {
			t.Fatal(err)
		}
		k := clocksOf(t, db, id)["reevaluation"]
		if k.StoppedAt != nil || k.BreachedAt != nil || k.Escalation != 0 || k.Status != escudo.ClockRunning ||
			!k.StartedAt.Equal(rearmed) || !k.DueAt.Equal(rearmed.Add(180*day)) {
			t.Fatalf("re-armed re-evaluation %+v", k)
		}
		// Its old breach does not escalate any more.
		clock.Advance(31 * day)
		found, err = db.SweepClocks(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := breachedRules(found, id)["reevaluation"]; ok {
			t.Fatalf("the re-armed clock escalated its old breach (level %d)", e)
		}
		// The new period runs out: breached again, as a new breach.
		clock.Set(rearmed.Add(180*day + time.Second))
		found, err = db.SweepClocks(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := breachedRules(found, id)["reevaluation"]; !ok || e != 0 {
			t.Fatalf("the second period's breach was missed: %+v", found)
		}
	})
}

// A change of a clock's limit in the configuration moves the deadlines of
// the clocks still running when the next process starts (RecomputeDeadlines
// at start-up), and leaves the clocks already met as they were.
func TestRecomputeDeadlinesAppliesNewLimit(t *testing.T) {
	clock := testdb.NewClock(t0)
	shorter := escudo.DefaultClockRules()
	for i := range shorter {
		if shorter[i].Name == "evaluation" {
			shorter[i].Limit = escudo.Duration(5 * day)
		}
	}
	testdb.EachPair(t, testdb.Options{Now: clock.Now}, func(o *testdb.Options) { o.Rules = shorter }, func(t *testing.T, before, after *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		running := fileCase(t, before, "Radio Comunitaria de la Costa", false)
		met := fileCase(t, before, "Periodista de la Huasteca", false)
		if err := before.DecideAdmission(ctx, met, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err != nil {
			t.Fatal(err)
		}
		clock.Set(t0.Add(7 * day)) // met in 7 days: on time under the old limit
		if err := before.RecordMilestone(ctx, met, escudo.MilestoneEvaluated, time.Time{}, ""); err != nil {
			t.Fatal(err)
		}
		if err := after.RecomputeDeadlines(ctx); err != nil {
			t.Fatal(err)
		}
		if k := clocksOf(t, after, running)["evaluation"]; !k.DueAt.Equal(t0.Add(5*day)) || k.Status != escudo.ClockBreached {
			t.Fatalf("running clock under the new 5-day limit: %+v", k)
		}
		if k := clocksOf(t, after, met)["evaluation"]; !k.DueAt.Equal(t0.Add(10*day)) || k.Status != escudo.ClockMet {
			t.Fatalf("a clock met under the old limit changed: %+v", k)
		}
		found, err := after.SweepClocks(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := breachedRules(found, running)["evaluation"]; !ok || len(found) != 1 {
			t.Fatalf("sweep under the new limit: %+v", found)
		}
	})
}

// A rule's warn_at decides when its clock turns "due soon", on the case and
// in the backlog's count, instead of the default share.
func TestWarnAtSetsDueSoon(t *testing.T) {
	clock := testdb.NewClock(t0)
	rules := escudo.DefaultClockRules()
	for i := range rules {
		if rules[i].Name == "evaluation" {
			rules[i].WarnAt = 0.5 // due soon with 5 of its 10 days left
		}
	}
	testdb.Each(t, testdb.Options{Now: clock.Now, Rules: rules}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		id := fileCase(t, db, "Defensor del Territorio Yaqui", false)
		clock.Set(t0.Add(4*day + 23*time.Hour))
		if k := clocksOf(t, db, id)["evaluation"]; k.Status != escudo.ClockRunning {
			t.Fatalf("with more than half the limit left: %s", k.Status)
		}
		// 4 days 23 hours left: the default share (0.8) would still say
		// running; half the limit is gone, so it is due soon.
		clock.Set(t0.Add(5*day + time.Hour))
		if k := clocksOf(t, db, id)["evaluation"]; k.Status != escudo.ClockDueSoon {
			t.Fatalf("past the warning share: %s", k.Status)
		}
		b, err := db.Backlog(ctx, escudo.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if b.DueSoonCount != 1 || b.BreachedCount != 0 {
			t.Fatalf("backlog counts due soon %d, breached %d; want 1, 0", b.DueSoonCount, b.BreachedCount)
		}
	})
}

// Breach notices reach the assignee and their supervisor; the coordinators
// are told from the first escalation on, and at once when nobody is
// assigned to the case.
func TestCoordinatorsOnBreachNotices(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now, Rules: testdb.RulesWithout("immediate_evaluation")}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		coord := staff(t, db, "coordinadora", escudo.RoleCoordinator, 0)
		sup := staff(t, db, "jefa", escudo.RoleFollowUp, 0)
		analyst := staff(t, db, "analista", escudo.RoleAnalyst, sup.ID)
		assigned := fileCase(t, db, "Colectivo Somos Nosotros", true)
		if err := db.AssignCase(ctx, assigned, analyst.ID, ""); err != nil {
			t.Fatal(err)
		}
		nobody := fileCase(t, db, "Periodista sin asignar", true)
		clock.Set(t0.Add(3*time.Hour + time.Second)) // urgent_issued breached on both
		if _, err := db.SweepClocks(ctx, 100); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*escudo.User{analyst, sup} {
			if got := inboxKinds(t, db, u.ID, assigned); len(got) != 1 || got[0] != escudo.EventClockBreach {
				t.Fatalf("%s's notices of the breach: %v", u.Username, got)
			}
		}
		if got := inboxKinds(t, db, coord.ID, assigned); len(got) != 0 {
			t.Fatalf("coordinator told of a breach the assignee has: %v", got)
		}
		if got := inboxKinds(t, db, coord.ID, nobody); len(got) != 1 || got[0] != escudo.EventClockBreach {
			t.Fatalf("coordinator's notices of a breach on an unassigned case: %v", got)
		}
		clock.Advance(time.Hour + time.Second) // urgent_issued escalates every hour
		found, err := db.SweepClocks(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if got := breachedRules(found, assigned); got["urgent_issued"] != 1 {
			t.Fatalf("first escalation: %v", got)
		}
		if got := inboxKinds(t, db, coord.ID, assigned); len(got) != 1 || got[0] != escudo.EventEscalation {
			t.Fatalf("coordinator's notices at the first escalation: %v", got)
		}
	})
}

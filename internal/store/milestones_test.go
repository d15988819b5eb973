package store_test

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// clocksOf returns a case's clocks by rule.
func clocksOf(t *testing.T, db *store.DB, caseID int64) map[string]escudo.ClockState {
	t.Helper()
	ks, err := db.CaseClocks(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]escudo.ClockState{}
	for _, k := range ks {
		out[k.Rule] = k
	}
	return out
}

// Milestones entered late and out of order: the store carries out the clock
// plans of internal/procedure on both engines.
func TestMilestonesOutOfOrder(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		c, p := newRequest("Radio Comunitaria Ñomndaa")
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(24 * time.Hour)
		// Sent to the Board before the evaluation is recorded: refused, the
		// procedure keeps its order.
		if err := db.RecordMilestone(ctx, rc.CaseID, escudo.MilestoneSentToBoard, time.Time{}, ""); escudo.ErrorKey(err) != "error.milestone_stage" {
			t.Fatalf("sent to the Board before the evaluation: %v", err)
		}
		// The evaluation entered late, dated earlier, then the sending (now).
		evaluated := t0.Add(12 * time.Hour)
		if err := db.RecordMilestone(ctx, rc.CaseID, escudo.MilestoneEvaluated, evaluated, "dictamen"); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordMilestone(ctx, rc.CaseID, escudo.MilestoneSentToBoard, time.Time{}, ""); err != nil {
			t.Fatal(err)
		}
		k := clocksOf(t, db, rc.CaseID)
		if b := k["to_board"]; b.StoppedAt == nil || !b.StoppedAt.Equal(t0.Add(24*time.Hour)) || !b.StartedAt.Equal(evaluated) || b.Status != escudo.ClockMet {
			t.Fatalf("to_board must be born stopped at the earlier stop: %+v", b)
		}
		if e := k["evaluation"]; e.StoppedAt == nil || !e.StoppedAt.Equal(evaluated) || e.Status != escudo.ClockMet {
			t.Fatalf("evaluation %+v", e)
		}
		if r := k["reevaluation"]; r.StoppedAt != nil || !r.DueAt.Equal(evaluated.Add(180*24*time.Hour)) || r.Status != escudo.ClockRunning {
			t.Fatalf("reevaluation %+v", r)
		}
		got, _ := db.FindCaseByID(ctx, rc.CaseID)
		if got.Stage != escudo.StageBoard {
			t.Fatalf("stage %s", got.Stage)
		}
		// The recurring clock restarts at each re-evaluation (once measures are resolved).
		if err := db.RecordMilestone(ctx, rc.CaseID, escudo.MilestoneResolved, time.Time{}, ""); err != nil {
			t.Fatal(err)
		}
		clock.Advance(24 * time.Hour)
		if err := db.RecordMilestone(ctx, rc.CaseID, escudo.MilestoneReevaluated, time.Time{}, ""); err != nil {
			t.Fatal(err)
		}
		if r := clocksOf(t, db, rc.CaseID)["reevaluation"]; r.StoppedAt != nil || !r.StartedAt.Equal(t0.Add(48*time.Hour)) || !r.DueAt.Equal(t0.Add(48*time.Hour+180*24*time.Hour)) {
			t.Fatalf("reevaluation after restart %+v", r)
		}
	})
}

func TestMilestoneTimeBoundaries(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		c, p := newRequest("Defensora del Río Atoyac")
		c.ImminentDanger = true
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		now := t0.Add(time.Hour)
		tests := []struct {
			m   escudo.Milestone
			at  time.Time
			key string
		}{
			{escudo.MilestoneEvaluated, now.Add(time.Minute + time.Microsecond), "validation.future"},
			{escudo.MilestoneEvaluated, t0.Add(-time.Microsecond), "validation.before_received"},
			{escudo.MilestoneUrgentIssued, now, "validation.choice"}, // recorded by issuing urgent measures
			{escudo.MilestoneEvaluated, now.Add(time.Minute), ""},
			{escudo.MilestoneAdmitted, now, "validation.choice"},
			{escudo.MilestoneClosed, time.Time{}, ""},
			{escudo.MilestoneNotified, now, "error.case_closed"},
		}
		for _, tt := range tests {
			err := db.RecordMilestone(ctx, rc.CaseID, tt.m, tt.at, "")
			if tt.key == "" && err != nil || tt.key != "" && escudo.ErrorKey(err) != tt.key {
				t.Fatalf("%s at %v: got %v, want %q", tt.m, tt.at, err, tt.key)
			}
		}
		got, _ := db.FindCaseByID(ctx, rc.CaseID)
		if got.Stage != escudo.StageClosed || len(got.Clocks) != 1 || got.Clocks[0].Rule != "evaluation" {
			t.Fatalf("closing cancels the running clocks and keeps the stopped ones: %s %+v", got.Stage, got.Clocks)
		}
		for _, k := range got.Clocks {
			if k.StoppedAt == nil {
				t.Fatalf("clock %s still running on a closed case", k.Rule)
			}
		}
	})
}

// Moving a case to the ordinary procedure at admission drops its running
// urgent clocks and keeps the stopped one as a record.
func TestAdmissionToOrdinaryDropsUrgentClocks(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		c, p := newRequest("Periodista de Tierra Caliente")
		c.ImminentDanger = true
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Hour)
		issueUrgent(t, db, ctx, rc.CaseID)
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
			t.Fatal(err)
		}
		k := clocksOf(t, db, rc.CaseID)
		if _, ok := k["urgent_implemented"]; ok || len(k) != 2 {
			t.Fatalf("clocks %+v", k)
		}
		if u := k["urgent_issued"]; u.Status != escudo.ClockMet {
			t.Fatalf("urgent_issued %+v", u)
		}
		if e := k["evaluation"]; e.Status != escudo.ClockRunning || !e.StartedAt.Equal(t0) {
			t.Fatalf("evaluation %+v", e)
		}
	})
}

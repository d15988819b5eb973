package procedure_test

import (
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/procedure"
)

func TestStageAfter(t *testing.T) {
	want := map[escudo.Milestone]escudo.Stage{
		escudo.MilestoneAdmitted:            escudo.StageEvaluation,
		escudo.MilestoneEvaluated:           escudo.StageBoard,
		escudo.MilestoneResolved:            escudo.StageImplementation,
		escudo.MilestoneMeasuresImplemented: escudo.StageFollowUp,
		escudo.MilestoneClosed:              escudo.StageClosed,
	}
	for _, m := range append(escudo.Milestones, "", "unknown") {
		got, ok := procedure.StageAfter(m)
		w, wok := want[m]
		if got != w || ok != wok {
			t.Errorf("StageAfter(%q) = %q %v, want %q %v", m, got, ok, w, wok)
		}
	}
}

func TestRecordable(t *testing.T) {
	for _, m := range append(escudo.Milestones, "", "unknown", "Closed") {
		want := escudo.ValidMilestone(m) && m != escudo.MilestoneReceived && m != escudo.MilestoneAdmitted && m != escudo.MilestoneImmediateEvaluated &&
			m != escudo.MilestoneUrgentIssued && m != escudo.MilestoneUrgentImplemented && m != escudo.MilestoneMeasuresImplemented
		if got := procedure.Recordable(m); got != want {
			t.Errorf("Recordable(%q) = %v", m, got)
		}
	}
	for _, m := range []escudo.Milestone{escudo.MilestoneReceived, escudo.MilestoneAdmitted, escudo.MilestoneImmediateEvaluated, "", "unknown",
		escudo.MilestoneUrgentIssued, escudo.MilestoneUrgentImplemented, escudo.MilestoneMeasuresImplemented} {
		if procedure.Recordable(m) {
			t.Errorf("%q must not be recordable by hand", m)
		}
	}
}

// Every milestone on a case in every stage: staff may record any milestone
// but received, admitted and the immediate-action evaluation (recorded by
// submitting it), in any order, until the case is closed.
func TestRecordMilestoneEveryStage(t *testing.T) {
	moves := map[escudo.Milestone]escudo.Stage{
		escudo.MilestoneEvaluated: escudo.StageBoard,
		escudo.MilestoneResolved:  escudo.StageImplementation,
		escudo.MilestoneClosed:    escudo.StageClosed,
	}
	at := received.Add(time.Hour)
	for _, m := range append(escudo.Milestones, "", "unknown") {
		for _, st := range escudo.Stages {
			t.Run(string(m)+" in "+string(st), func(t *testing.T) {
				s := procedure.State{Procedure: escudo.ProcedureOrdinary, Stage: st, ReceivedAt: received}
				got, err := procedure.RecordMilestone(s, m, at, "", now)
				switch {
				case !escudo.ByHand(m):
					invalid("milestone", "validation.choice").check(t, err)
					return
				case st == escudo.StageClosed:
					conflict("error.case_closed").check(t, err)
					return
				}
				noErr.check(t, err)
				want := procedure.Step{At: at, Stage: st}
				if next, ok := moves[m]; ok {
					want = procedure.Step{At: at, SetsStage: true, Stage: next, CancelClocks: m == escudo.MilestoneClosed}
				}
				if got != want {
					t.Fatalf("got %+v, want %+v", got, want)
				}
			})
		}
	}
}

func TestRecordMilestoneBoundaries(t *testing.T) {
	open := procedure.State{Procedure: escudo.ProcedureExtraordinary, Stage: escudo.StageEvaluation, ReceivedAt: received}
	closed := open
	closed.Stage = escudo.StageClosed
	evaluated := escudo.MilestoneEvaluated
	long := strings.Repeat("x", escudo.MaxLongText)
	cst := time.FixedZone("CST", -6*3600)
	tests := []struct {
		name  string
		state procedure.State
		m     escudo.Milestone
		at    time.Time
		note  string
		want  procedure.Step
		err   want
	}{
		{"zero time is now", open, evaluated, time.Time{}, "", procedure.Step{At: now, SetsStage: true, Stage: escudo.StageBoard}, noErr},
		{"now", open, evaluated, now, "", procedure.Step{At: now, SetsStage: true, Stage: escudo.StageBoard}, noErr},
		{"exactly a minute ahead", open, evaluated, now.Add(time.Minute), "", procedure.Step{At: now.Add(time.Minute), SetsStage: true, Stage: escudo.StageBoard}, noErr},
		{"a nanosecond past a minute ahead", open, evaluated, now.Add(time.Minute + time.Nanosecond), "", procedure.Step{}, invalid("at", "validation.future")},
		{"a day ahead", open, evaluated, now.Add(24 * time.Hour), "", procedure.Step{}, invalid("at", "validation.future")},
		{"exactly when received", open, evaluated, received, "", procedure.Step{At: received, SetsStage: true, Stage: escudo.StageBoard}, noErr},
		{"a nanosecond before received", open, evaluated, received.Add(-time.Nanosecond), "", procedure.Step{}, invalid("at", "validation.before_received")},
		{"dated in the past, kept", open, escudo.MilestoneAppealFiled, received.Add(2 * time.Hour), "", procedure.Step{At: received.Add(2 * time.Hour), Stage: escudo.StageEvaluation}, noErr},
		{"time in another zone, kept as given", open, escudo.MilestoneNotified, now.In(cst), "", procedure.Step{At: now.In(cst), Stage: escudo.StageEvaluation}, noErr},
		{"zero time on a case received after now", procedure.State{Stage: escudo.StageReception, ReceivedAt: now.Add(time.Second)}, evaluated, time.Time{}, "", procedure.Step{}, invalid("at", "validation.before_received")},
		{"note of the longest length", open, evaluated, now, long, procedure.Step{At: now, SetsStage: true, Stage: escudo.StageBoard}, noErr},
		{"note too long", open, evaluated, now, long + "x", procedure.Step{}, invalid("note", "validation.too_long")},
		{"note length counts its spaces", open, evaluated, now, long + " ", procedure.Step{}, invalid("note", "validation.too_long")},
		{"closing cancels the clocks", open, escudo.MilestoneClosed, now, "", procedure.Step{At: now, SetsStage: true, Stage: escudo.StageClosed, CancelClocks: true}, noErr},
		{"a stage entered again is set again", procedure.State{Stage: escudo.StageBoard, ReceivedAt: received}, evaluated, now, "", procedure.Step{At: now, SetsStage: true, Stage: escudo.StageBoard}, noErr},
		{"out of order: resolved in reception", procedure.State{Stage: escudo.StageReception, ReceivedAt: received}, escudo.MilestoneResolved, now, "", procedure.Step{At: now, SetsStage: true, Stage: escudo.StageImplementation}, noErr},
		{"out of order: back from follow-up to board", procedure.State{Stage: escudo.StageFollowUp, ReceivedAt: received}, evaluated, now, "", procedure.Step{At: now, SetsStage: true, Stage: escudo.StageBoard}, noErr},
		// Which check wins when several fail.
		{"closed and invalid: invalid", closed, escudo.MilestoneAdmitted, now, "", procedure.Step{}, invalid("milestone", "validation.choice")},
		{"invalid and note too long: invalid", open, "unknown", now, long + "x", procedure.Step{}, invalid("milestone", "validation.choice")},
		{"closed and note too long: too long", closed, evaluated, now, long + "x", procedure.Step{}, invalid("note", "validation.too_long")},
		{"closed and in the future: future", closed, evaluated, now.Add(time.Hour), "", procedure.Step{}, invalid("at", "validation.future")},
		{"closed and before received: before received", closed, evaluated, received.Add(-time.Hour), "", procedure.Step{}, invalid("at", "validation.before_received")},
		{"closed", closed, evaluated, now, "", procedure.Step{}, conflict("error.case_closed")},
		{"closed, closing again", closed, escudo.MilestoneClosed, time.Time{}, "", procedure.Step{}, conflict("error.case_closed")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := procedure.RecordMilestone(tt.state, tt.m, tt.at, tt.note, now)
			tt.err.check(t, err)
			if err != nil {
				return
			}
			if !got.At.Equal(tt.want.At) || got.At.Location() != tt.want.At.Location() {
				t.Fatalf("at %v, want %v", got.At, tt.want.At)
			}
			got.At, tt.want.At = time.Time{}, time.Time{}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCheckMilestone(t *testing.T) {
	long := strings.Repeat("ñ", escudo.MaxLongText/2) // two bytes each: the limit counts bytes
	tests := []struct {
		m    escudo.Milestone
		note string
		err  want
	}{
		{escudo.MilestoneEvaluated, "", noErr},
		{escudo.MilestoneClosed, long, noErr},
		{escudo.MilestoneClosed, long + "x", invalid("note", "validation.too_long")},
		{escudo.MilestoneReceived, "", invalid("milestone", "validation.choice")},
		{escudo.MilestoneAdmitted, "", invalid("milestone", "validation.choice")},
		{"", "", invalid("milestone", "validation.choice")},
		{"EVALUATED", "", invalid("milestone", "validation.choice")},
	}
	for _, tt := range tests {
		t.Run(string(tt.m), func(t *testing.T) {
			tt.err.check(t, procedure.CheckMilestone(tt.m, tt.note))
		})
	}
}

// The measures' milestones are recorded by the system: any open case, the
// stage moving as by hand; never on a closed case or for an unknown one.
func TestSystemStep(t *testing.T) {
	at := received.Add(time.Hour)
	s := procedure.State{Procedure: escudo.ProcedureOrdinary, Stage: escudo.StageImplementation, ReceivedAt: received}
	got, err := procedure.SystemStep(s, escudo.MilestoneMeasuresImplemented, at)
	if err != nil || !got.SetsStage || got.Stage != escudo.StageFollowUp || !got.At.Equal(at) {
		t.Fatalf("measures implemented: %+v %v", got, err)
	}
	got, err = procedure.SystemStep(procedure.State{Stage: escudo.StageReception}, escudo.MilestoneUrgentIssued, at)
	if err != nil || got.SetsStage || got.Stage != escudo.StageReception {
		t.Fatalf("urgent issued: %+v %v", got, err)
	}
	if _, err := procedure.SystemStep(procedure.State{Stage: escudo.StageClosed}, escudo.MilestoneUrgentImplemented, at); escudo.ErrorKey(err) != "error.case_closed" {
		t.Fatalf("closed: %v", err)
	}
	if _, err := procedure.SystemStep(s, "approved", at); escudo.ErrorKey(err) != "validation.choice" {
		t.Fatalf("unknown: %v", err)
	}
}

package procedure_test

import (
	"strings"
	"testing"

	"escudo"
	"escudo/internal/procedure"
)

type admitCase struct {
	name  string
	state procedure.State
	d     escudo.AdmissionDecision
	want  procedure.Admission
	err   want
}

func TestAdmit(t *testing.T) {
	ord, ext := escudo.ProcedureOrdinary, escudo.ProcedureExtraordinary
	reception := func(p escudo.Procedure) procedure.State {
		return procedure.State{Procedure: p, Stage: escudo.StageReception, ReceivedAt: received}
	}
	admitted := escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}
	refused := escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted, Reason: "fuera de mandato"}
	askInfo := escudo.AdmissionDecision{Admission: escudo.AdmissionInfoRequested, Reason: "falta domicilio"}
	with := func(d escudo.AdmissionDecision, p escudo.Procedure) escudo.AdmissionDecision {
		d.Procedure = p
		return d
	}
	tests := []admitCase{
		{"admitted", reception(ord), admitted,
			procedure.Admission{Procedure: ord, Stage: escudo.StageEvaluation, Milestone: escudo.MilestoneAdmitted}, noErr},
		{"admitted, extraordinary kept", reception(ext), admitted,
			procedure.Admission{Procedure: ext, Stage: escudo.StageEvaluation, Milestone: escudo.MilestoneAdmitted}, noErr},
		{"admitted, same procedure named", reception(ord), with(admitted, ord),
			procedure.Admission{Procedure: ord, Stage: escudo.StageEvaluation, Milestone: escudo.MilestoneAdmitted}, noErr},
		{"admitted as extraordinary", reception(ord), with(admitted, ext),
			procedure.Admission{Procedure: ext, ProcedureChanged: true, Stage: escudo.StageEvaluation, Milestone: escudo.MilestoneAdmitted}, noErr},
		{"admitted as ordinary", reception(ext), with(admitted, ord),
			procedure.Admission{Procedure: ord, ProcedureChanged: true, Stage: escudo.StageEvaluation, Milestone: escudo.MilestoneAdmitted}, noErr},
		{"not admitted", reception(ord), refused,
			procedure.Admission{Procedure: ord, Stage: escudo.StageClosed, Milestone: escudo.MilestoneClosed, CancelClocks: true}, noErr},
		{"not admitted, procedure changed", reception(ext), with(refused, ord),
			procedure.Admission{Procedure: ord, ProcedureChanged: true, Stage: escudo.StageClosed, Milestone: escudo.MilestoneClosed, CancelClocks: true}, noErr},
		{"information requested", reception(ord), askInfo,
			procedure.Admission{Procedure: ord, Stage: escudo.StageReception}, noErr},
		{"information requested, procedure changed", reception(ord), with(askInfo, ext),
			procedure.Admission{Procedure: ext, ProcedureChanged: true, Stage: escudo.StageReception}, noErr},
		{"refusal without reason", reception(ord), escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted, Reason: "  "},
			procedure.Admission{}, invalid("reason", "validation.required")},
		{"information request without reason", reception(ord), escudo.AdmissionDecision{Admission: escudo.AdmissionInfoRequested},
			procedure.Admission{}, invalid("reason", "validation.required")},
		{"pending is no decision", reception(ord), escudo.AdmissionDecision{Admission: escudo.AdmissionPending},
			procedure.Admission{}, invalid("admission", "validation.choice")},
		{"unknown decision", reception(ord), escudo.AdmissionDecision{Admission: "maybe"},
			procedure.Admission{}, invalid("admission", "validation.choice")},
		{"unknown procedure", reception(ord), with(admitted, "urgent"),
			procedure.Admission{}, invalid("procedure", "validation.choice")},
		{"reason of the longest length", reception(ord), escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted, Reason: strings.Repeat("x", escudo.MaxLongText)},
			procedure.Admission{Procedure: ord, Stage: escudo.StageClosed, Milestone: escudo.MilestoneClosed, CancelClocks: true}, noErr},
		{"reason too long", reception(ord), escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted, Reason: strings.Repeat("x", escudo.MaxLongText+1)},
			procedure.Admission{}, invalid("reason", "validation.too_long")},
		{"an invalid decision on a decided case is invalid first", procedure.State{Procedure: ord, Stage: escudo.StageClosed}, escudo.AdmissionDecision{Admission: "maybe"},
			procedure.Admission{}, invalid("admission", "validation.choice")},
	}
	// Every stage but reception has been decided already, whatever the decision.
	for _, st := range escudo.Stages {
		if st == escudo.StageReception {
			continue
		}
		for _, d := range []escudo.AdmissionDecision{admitted, refused, askInfo, with(admitted, ext)} {
			tests = append(tests, admitCase{"decided in " + string(st) + ": " + string(d.Admission) + " " + string(d.Procedure),
				procedure.State{Procedure: ord, Stage: st, ReceivedAt: received}, d, procedure.Admission{}, conflict("error.admission_decided")})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := procedure.Admit(tt.state, tt.d)
			tt.err.check(t, err)
			if err == nil && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

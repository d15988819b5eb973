package procedure_test

import (
	"testing"

	"escudo"
	"escudo/internal/procedure"
)

func TestMayEvaluate(t *testing.T) {
	ext := func(st escudo.Stage) procedure.State {
		return procedure.State{Procedure: escudo.ProcedureExtraordinary, Stage: st, ReceivedAt: received}
	}
	ord := func(st escudo.Stage) procedure.State {
		return procedure.State{Procedure: escudo.ProcedureOrdinary, Stage: st, ReceivedAt: received}
	}
	imm, full := escudo.EvaluationImmediate, escudo.EvaluationFull
	cases := []struct {
		name   string
		s      procedure.State
		kind   escudo.EvaluationKind
		reason escudo.EvaluationReason
		role   escudo.Role
		want   want
	}{
		{"immediate by reception before admission", ext(escudo.StageReception), imm, escudo.ReasonInitial, escudo.RoleReception, noErr},
		{"immediate by duty", ext(escudo.StageEvaluation), imm, escudo.ReasonIncident, escudo.RoleDuty, noErr},
		{"immediate on an ordinary case", ord(escudo.StageEvaluation), imm, escudo.ReasonInitial, escudo.RoleReception, invalid("kind", "risk.immediate_ordinary")},
		{"full by an analyst", ord(escudo.StageEvaluation), full, escudo.ReasonInitial, escudo.RoleAnalyst, noErr},
		{"full by reception", ord(escudo.StageEvaluation), full, escudo.ReasonInitial, escudo.RoleReception, forbidden("risk.kind_role")},
		{"full by the coordinator", ext(escudo.StageFollowUp), full, escudo.ReasonScheduled, escudo.RoleCoordinator, noErr},
		{"full before admission", ord(escudo.StageReception), full, escudo.ReasonInitial, escudo.RoleAnalyst, conflict("risk.not_admitted")},
		{"closed", ord(escudo.StageClosed), full, escudo.ReasonInitial, escudo.RoleAnalyst, conflict("error.case_closed")},
		{"unknown kind", ord(escudo.StageEvaluation), "quick", escudo.ReasonInitial, escudo.RoleAnalyst, invalid("kind", "validation.choice")},
		{"unknown reason", ord(escudo.StageEvaluation), full, "whim", escudo.RoleAnalyst, invalid("reason", "validation.choice")},
		{"system", ord(escudo.StageBoard), full, escudo.ReasonAppeal, "", noErr},
		{"board member", ord(escudo.StageBoard), full, escudo.ReasonAppeal, escudo.RoleBoard, forbidden("risk.kind_role")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.check(t, procedure.MayEvaluate(tc.s, tc.kind, tc.reason, tc.role))
		})
	}
}

func TestEvaluationMilestoneAndStep(t *testing.T) {
	cases := []struct {
		kind      escudo.EvaluationKind
		earlier   bool
		stage     escudo.Stage
		milestone escudo.Milestone
		next      escudo.Stage
	}{
		{escudo.EvaluationImmediate, false, escudo.StageReception, escudo.MilestoneImmediateEvaluated, escudo.StageReception},
		{escudo.EvaluationImmediate, true, escudo.StageFollowUp, escudo.MilestoneImmediateEvaluated, escudo.StageFollowUp},
		{escudo.EvaluationFull, false, escudo.StageEvaluation, escudo.MilestoneEvaluated, escudo.StageBoard},
		{escudo.EvaluationFull, true, escudo.StageFollowUp, escudo.MilestoneReevaluated, escudo.StageFollowUp},
	}
	for _, tc := range cases {
		m := procedure.EvaluationMilestone(tc.kind, tc.earlier)
		if m != tc.milestone {
			t.Errorf("%s earlier=%v: milestone %s, want %s", tc.kind, tc.earlier, m, tc.milestone)
		}
		st, err := procedure.SubmitStep(procedure.State{Stage: tc.stage, ReceivedAt: received}, m, now)
		if err != nil || st.Stage != tc.next || st.At != now || st.CancelClocks {
			t.Errorf("%s from %s: step %+v, %v; want stage %s", m, tc.stage, st, err, tc.next)
		}
	}
	if _, err := procedure.SubmitStep(procedure.State{Stage: escudo.StageClosed}, escudo.MilestoneEvaluated, now); err == nil {
		t.Error("a closed case took an evaluation")
	}
}

package procedure_test

import (
	"slices"
	"testing"

	"escudo"
	"escudo/internal/procedure"
)

func forbidden(key string) want { return want{escudo.EFORBIDDEN, key, ""} }

// The default order of the procedure: each step only in its stage and by
// the roles that do it.
func TestMayRecord(t *testing.T) {
	rules := escudo.DefaultMilestoneRules()
	ord := func(st escudo.Stage) procedure.State {
		return procedure.State{Procedure: escudo.ProcedureOrdinary, Stage: st, ReceivedAt: received}
	}
	ext := func(st escudo.Stage) procedure.State {
		return procedure.State{Procedure: escudo.ProcedureExtraordinary, Stage: st, ReceivedAt: received}
	}
	stage, role := conflict("error.milestone_stage"), forbidden("error.milestone_role")
	tests := []struct {
		name string
		s    procedure.State
		m    escudo.Milestone
		role escudo.Role
		want want
	}{
		// The case of the issue: reception records the Board's resolution on a case never admitted.
		{"resolution before admission", ord(escudo.StageReception), escudo.MilestoneResolved, escudo.RoleReception, stage},
		{"resolution before admission, coordinator", ord(escudo.StageReception), escudo.MilestoneResolved, escudo.RoleCoordinator, stage},
		{"resolution at the Board by reception", ord(escudo.StageBoard), escudo.MilestoneResolved, escudo.RoleReception, role},
		{"resolution at the Board", ord(escudo.StageBoard), escudo.MilestoneResolved, escudo.RoleCoordinator, noErr},
		{"evaluation during evaluation", ord(escudo.StageEvaluation), escudo.MilestoneEvaluated, escudo.RoleAnalyst, noErr},
		{"evaluation by the duty desk", ord(escudo.StageEvaluation), escudo.MilestoneEvaluated, escudo.RoleDuty, role},
		{"evaluation in reception", ord(escudo.StageReception), escudo.MilestoneEvaluated, escudo.RoleAnalyst, stage},
		{"sent to the Board before the evaluation", ord(escudo.StageEvaluation), escudo.MilestoneSentToBoard, escudo.RoleAnalyst, stage},
		{"sent to the Board", ord(escudo.StageBoard), escudo.MilestoneSentToBoard, escudo.RoleAnalyst, noErr},
		// The measures record these themselves (internal/store/measures.go).
		{"measures implemented by hand", ord(escudo.StageImplementation), escudo.MilestoneMeasuresImplemented, escudo.RoleFollowUp, invalid("milestone", "validation.choice")},
		{"urgent measures issued by hand", ext(escudo.StageReception), escudo.MilestoneUrgentIssued, escudo.RoleDuty, invalid("milestone", "validation.choice")},
		{"urgent measures implemented by hand", ext(escudo.StageEvaluation), escudo.MilestoneUrgentImplemented, escudo.RoleCoordinator, invalid("milestone", "validation.choice")},
		{"appeal in follow-up", ord(escudo.StageFollowUp), escudo.MilestoneAppealFiled, escudo.RoleReception, noErr},
		{"appeal ruled by follow-up", ord(escudo.StageFollowUp), escudo.MilestoneAppealRuled, escudo.RoleFollowUp, role},
		{"close in reception", ord(escudo.StageReception), escudo.MilestoneClosed, escudo.RoleCoordinator, stage},
		{"close in follow-up", ord(escudo.StageFollowUp), escudo.MilestoneClosed, escudo.RoleFollowUp, noErr},
		{"close by reception", ord(escudo.StageFollowUp), escudo.MilestoneClosed, escudo.RoleReception, role},
		{"closed case", ord(escudo.StageClosed), escudo.MilestoneReevaluated, escudo.RoleAnalyst, conflict("error.case_closed")},
		{"admitted by hand", ord(escudo.StageReception), escudo.MilestoneAdmitted, escudo.RoleReception, invalid("milestone", "validation.choice")},
		{"unknown", ord(escudo.StageBoard), "approved", escudo.RoleCoordinator, invalid("milestone", "validation.choice")},
		{"the system, stage checked", ord(escudo.StageReception), escudo.MilestoneResolved, "", stage},
		{"the system, role not checked", ord(escudo.StageBoard), escudo.MilestoneResolved, "", noErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.check(t, procedure.MayRecord(rules, tt.s, tt.m, tt.role))
		})
	}
}

// What the case page offers is exactly what MayRecord allows.
func TestAllowedMilestones(t *testing.T) {
	rules := escudo.DefaultMilestoneRules()
	tests := []struct {
		s    procedure.State
		role escudo.Role
		want []escudo.Milestone
	}{
		{procedure.State{Procedure: escudo.ProcedureOrdinary, Stage: escudo.StageReception}, escudo.RoleReception, nil},
		{procedure.State{Procedure: escudo.ProcedureExtraordinary, Stage: escudo.StageReception}, escudo.RoleReception, nil},
		{procedure.State{Procedure: escudo.ProcedureOrdinary, Stage: escudo.StageEvaluation}, escudo.RoleAnalyst, []escudo.Milestone{escudo.MilestoneEvaluated}},
		{procedure.State{Procedure: escudo.ProcedureOrdinary, Stage: escudo.StageBoard}, escudo.RoleCoordinator,
			[]escudo.Milestone{escudo.MilestoneSentToBoard, escudo.MilestoneResolved, escudo.MilestoneClosed}},
		{procedure.State{Procedure: escudo.ProcedureOrdinary, Stage: escudo.StageImplementation}, escudo.RoleFollowUp,
			[]escudo.Milestone{escudo.MilestoneResolutionCommunicated, escudo.MilestoneNotified, escudo.MilestoneAppealFiled, escudo.MilestoneClosed}},
		{procedure.State{Procedure: escudo.ProcedureOrdinary, Stage: escudo.StageClosed}, escudo.RoleCoordinator, nil},
	}
	for _, tt := range tests {
		if got := procedure.AllowedMilestones(rules, tt.s, tt.role); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s as %s: got %v, want %v", tt.s.Procedure, tt.s.Stage, tt.role, got, tt.want)
		}
	}
}

// Configured rules are checked strictly.
func TestValidateMilestoneRules(t *testing.T) {
	if err := escudo.ValidateMilestoneRules(escudo.DefaultMilestoneRules()); err != nil {
		t.Fatal(err)
	}
	edit := func(f func(rs []escudo.MilestoneRule) []escudo.MilestoneRule) []escudo.MilestoneRule {
		return f(escudo.DefaultMilestoneRules())
	}
	bad := map[string][]escudo.MilestoneRule{
		"missing milestone": edit(func(rs []escudo.MilestoneRule) []escudo.MilestoneRule { return rs[1:] }),
		"repeated":          edit(func(rs []escudo.MilestoneRule) []escudo.MilestoneRule { return append(rs, rs[0]) }),
		"admitted by hand": edit(func(rs []escudo.MilestoneRule) []escudo.MilestoneRule {
			return append(rs, escudo.MilestoneRule{Milestone: escudo.MilestoneAdmitted, Stages: []escudo.Stage{escudo.StageReception}, Roles: []escudo.Role{escudo.RoleReception}})
		}),
		"no stages": edit(func(rs []escudo.MilestoneRule) []escudo.MilestoneRule { rs[0].Stages = nil; return rs }),
		"no roles":  edit(func(rs []escudo.MilestoneRule) []escudo.MilestoneRule { rs[0].Roles = nil; return rs }),
		"closed stage": edit(func(rs []escudo.MilestoneRule) []escudo.MilestoneRule {
			rs[0].Stages = []escudo.Stage{escudo.StageClosed}
			return rs
		}),
		"unknown stage": edit(func(rs []escudo.MilestoneRule) []escudo.MilestoneRule {
			rs[0].Stages = []escudo.Stage{"limbo"}
			return rs
		}),
		"not staff": edit(func(rs []escudo.MilestoneRule) []escudo.MilestoneRule {
			rs[0].Roles = []escudo.Role{escudo.RoleBoard}
			return rs
		}),
		"bad procedure": edit(func(rs []escudo.MilestoneRule) []escudo.MilestoneRule { rs[0].Procedure = "express"; return rs }),
	}
	for name, rs := range bad {
		if err := escudo.ValidateMilestoneRules(rs); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

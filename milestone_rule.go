package escudo

import "fmt"

// MilestoneRule says when a milestone may be recorded by hand: in which
// stages of the case, by which roles and, when set, only in one procedure.
// Rules are configuration beside the clocks; DefaultMilestoneRules holds the
// order of the 2012 Mexican law. A milestone without a rule is never offered.
type MilestoneRule struct {
	Milestone Milestone `json:"milestone"`
	Stages    []Stage   `json:"stages"`
	Roles     []Role    `json:"roles"`
	Procedure Procedure `json:"procedure,omitempty"` // empty: both procedures
}

// DefaultMilestoneRules: each step follows the one before it. Urgent measures
// belong to the extraordinary procedure and may come before admission; the
// evaluation is done in evaluation and sent to the Board (which resolves in
// a session, not by hand),
// implemented afterwards and communicated then too (measures may be in place
// before the authorities hear of the resolution in writing); a case is closed by follow-up or
// coordination once admitted (a refused request closes at admission).
func DefaultMilestoneRules() []MilestoneRule {
	open := []Stage{StageEvaluation, StageBoard, StageImplementation, StageFollowUp}
	after := []Stage{StageImplementation, StageFollowUp}
	return []MilestoneRule{
		{Milestone: MilestoneUrgentIssued, Stages: []Stage{StageReception, StageEvaluation, StageBoard}, Roles: []Role{RoleReception, RoleDuty, RoleCoordinator}, Procedure: ProcedureExtraordinary},
		{Milestone: MilestoneUrgentImplemented, Stages: []Stage{StageReception, StageEvaluation, StageBoard, StageImplementation}, Roles: []Role{RoleReception, RoleDuty, RoleFollowUp, RoleCoordinator}, Procedure: ProcedureExtraordinary},
		{Milestone: MilestoneEvaluated, Stages: []Stage{StageEvaluation}, Roles: []Role{RoleAnalyst, RoleCoordinator}},
		{Milestone: MilestoneSentToBoard, Stages: []Stage{StageBoard}, Roles: []Role{RoleAnalyst, RoleCoordinator}},
		{Milestone: MilestoneResolutionCommunicated, Stages: after, Roles: []Role{RoleCoordinator, RoleFollowUp}},
		{Milestone: MilestoneMeasuresImplemented, Stages: []Stage{StageImplementation}, Roles: []Role{RoleFollowUp, RoleCoordinator}},
		{Milestone: MilestoneNotified, Stages: after, Roles: []Role{RoleFollowUp, RoleCoordinator, RoleReception}},
		{Milestone: MilestoneAppealFiled, Stages: after, Roles: []Role{RoleReception, RoleFollowUp, RoleCoordinator}},
		{Milestone: MilestoneAppealRuled, Stages: after, Roles: []Role{RoleCoordinator}},
		{Milestone: MilestoneReevaluated, Stages: after, Roles: []Role{RoleAnalyst, RoleCoordinator}},
		{Milestone: MilestoneClosed, Stages: open, Roles: []Role{RoleFollowUp, RoleCoordinator}},
	}
}

// ValidateMilestoneRules checks configured rules strictly: every milestone
// recorded by hand has exactly one rule (received and admitted are recorded
// by filing and admitting, so they have none), with at least one open stage
// and one staff role, each named once.
func ValidateMilestoneRules(rules []MilestoneRule) error {
	seen := map[Milestone]bool{}
	for _, r := range rules {
		if !ValidMilestone(r.Milestone) || !ByHand(r.Milestone) {
			return fmt.Errorf("milestone rule %q: not a milestone recorded by hand", r.Milestone)
		}
		if seen[r.Milestone] {
			return fmt.Errorf("milestone rule %q: repeated", r.Milestone)
		}
		seen[r.Milestone] = true
		if len(r.Stages) == 0 || len(r.Roles) == 0 {
			return fmt.Errorf("milestone rule %q: needs stages and roles", r.Milestone)
		}
		stages := map[Stage]bool{}
		for _, s := range r.Stages {
			if !validStage(s) || s == StageClosed || stages[s] {
				return fmt.Errorf("milestone rule %q: stage %q unknown, closed or repeated", r.Milestone, s)
			}
			stages[s] = true
		}
		roles := map[Role]bool{}
		for _, ro := range r.Roles {
			if !ValidRole(ro) || !ro.Staff() || roles[ro] {
				return fmt.Errorf("milestone rule %q: role %q unknown, not staff or repeated", r.Milestone, ro)
			}
			roles[ro] = true
		}
		switch r.Procedure {
		case "", ProcedureOrdinary, ProcedureExtraordinary:
		default:
			return fmt.Errorf("milestone rule %q: unknown procedure %q", r.Milestone, r.Procedure)
		}
	}
	for _, m := range Milestones {
		if ByHand(m) && !seen[m] {
			return fmt.Errorf("milestone rule %q: missing", m)
		}
	}
	return nil
}

func validStage(s Stage) bool {
	for _, x := range Stages {
		if x == s {
			return true
		}
	}
	return false
}

// ByHand reports whether staff record m by hand. Received and admitted are
// recorded by filing and admitting, the immediate-action evaluation by
// submitting it, and resolved by recording the Governing Board's
// resolution in a session (internal/store/board.go): none of them has a rule.
func ByHand(m Milestone) bool {
	return ValidMilestone(m) && m != MilestoneReceived && m != MilestoneAdmitted && m != MilestoneImmediateEvaluated && m != MilestoneResolved
}

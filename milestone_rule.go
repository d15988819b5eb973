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

// DefaultMilestoneRules: each step follows the one before it. Urgent
// measures (issued and implemented) and the implementation of the Board's
// measures are recorded by the measures themselves, not by hand; the
// evaluation is done in evaluation, sent and resolved before the Board,
// implemented afterwards and communicated then too (measures may be in place
// before the authorities hear of the resolution in writing); a case is closed by follow-up or
// coordination once admitted (a refused request closes at admission).
func DefaultMilestoneRules() []MilestoneRule {
	open := []Stage{StageEvaluation, StageBoard, StageImplementation, StageFollowUp}
	after := []Stage{StageImplementation, StageFollowUp}
	return []MilestoneRule{
		{Milestone: MilestoneEvaluated, Stages: []Stage{StageEvaluation}, Roles: []Role{RoleAnalyst, RoleCoordinator}},
		{Milestone: MilestoneSentToBoard, Stages: []Stage{StageBoard}, Roles: []Role{RoleAnalyst, RoleCoordinator}},
		{Milestone: MilestoneResolved, Stages: []Stage{StageBoard}, Roles: []Role{RoleCoordinator}},
		{Milestone: MilestoneResolutionCommunicated, Stages: after, Roles: []Role{RoleCoordinator, RoleFollowUp}},
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
// recorded by filing and admitting, and the immediate-action evaluation by
// submitting it; urgent measures issued by issuing the first urgent
// measure, urgent measures implemented and measures implemented when the
// last of them is in place (internal/store/measures.go): none of them has a
// rule.
func ByHand(m Milestone) bool {
	return ValidMilestone(m) && m != MilestoneReceived && m != MilestoneAdmitted && m != MilestoneImmediateEvaluated && !ByMeasures(m)
}

// ByMeasures reports the milestones the granted measures record. Imports
// of past cases (the bulk loader, the demo's history) may bring them as
// history when the measures predate escudo.
func ByMeasures(m Milestone) bool {
	return m == MilestoneUrgentIssued || m == MilestoneUrgentImplemented || m == MilestoneMeasuresImplemented
}

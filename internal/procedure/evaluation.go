package procedure

import (
	"time"

	"escudo"
)

// Who makes each kind of evaluation. The immediate-action evaluation is the
// rapid reaction unit's (reception and duty are that unit) and the
// coordination's; the full one is the analysts' and the coordination's.
var evaluators = map[escudo.EvaluationKind][]escudo.Role{
	escudo.EvaluationImmediate: {escudo.RoleReception, escudo.RoleDuty, escudo.RoleAnalyst, escudo.RoleCoordinator},
	escudo.EvaluationFull:      {escudo.RoleAnalyst, escudo.RoleCoordinator},
}

// ValidKind reports whether k is a kind of evaluation.
func ValidKind(k escudo.EvaluationKind) bool { _, ok := evaluators[k]; return ok }

// ValidReason reports whether r is a reason for an evaluation.
func ValidReason(r escudo.EvaluationReason) bool {
	for _, x := range escudo.EvaluationReasons {
		if x == r {
			return true
		}
	}
	return false
}

// MayEvaluate decides whether role may start, save or submit an evaluation
// of kind on a case in state s: the case must be open and admitted (an
// immediate-action evaluation may come before admission, on an
// extraordinary case only), and the role one of the kind's. The empty role
// is the system (demo data), for which only the case is checked.
func MayEvaluate(s State, kind escudo.EvaluationKind, reason escudo.EvaluationReason, role escudo.Role) error {
	if !ValidKind(kind) {
		return escudo.FieldError("kind", "validation.choice", nil)
	}
	if !ValidReason(reason) {
		return escudo.FieldError("reason", "validation.choice", nil)
	}
	if s.Stage == escudo.StageClosed {
		return escudo.Errorf(escudo.ECONFLICT, "error.case_closed")
	}
	switch {
	case kind == escudo.EvaluationImmediate && s.Procedure != escudo.ProcedureExtraordinary:
		return escudo.FieldError("kind", "risk.immediate_ordinary", nil)
	case kind == escudo.EvaluationFull && s.Stage == escudo.StageReception:
		return escudo.Errorf(escudo.ECONFLICT, "risk.not_admitted")
	}
	if role == "" {
		return nil
	}
	for _, r := range evaluators[kind] {
		if r == role {
			return nil
		}
	}
	return escudo.Errorf(escudo.EFORBIDDEN, "risk.kind_role")
}

// EvaluationMilestone is the milestone submitting an evaluation records:
// the immediate-action one its own, the case's first full evaluation
// "evaluated" (which sends the case on to the Board) and every later one
// "reevaluated" (which restarts the periodic re-evaluation clock).
func EvaluationMilestone(kind escudo.EvaluationKind, earlierFull bool) escudo.Milestone {
	switch {
	case kind == escudo.EvaluationImmediate:
		return escudo.MilestoneImmediateEvaluated
	case earlierFull:
		return escudo.MilestoneReevaluated
	}
	return escudo.MilestoneEvaluated
}

// SubmitStep decides what submitting an evaluation does to the case in
// state s at now: its milestone's step, as RecordMilestone would decide it
// for staff, without the rules for recording by hand.
func SubmitStep(s State, m escudo.Milestone, now time.Time) (Step, error) {
	if s.Stage == escudo.StageClosed {
		return Step{}, escudo.Errorf(escudo.ECONFLICT, "error.case_closed")
	}
	st := Step{At: now, Stage: s.Stage}
	if next, ok := StageAfter(m); ok {
		st.SetsStage, st.Stage = true, next
	}
	return st, nil
}

package procedure

import (
	"time"

	"escudo"
)

// FutureSlack is how far past now a milestone may be dated: the clocks of the
// browser and of the server may differ a little.
const FutureSlack = time.Minute

// stageAfter is the stage a case enters when a milestone is recorded.
var stageAfter = map[escudo.Milestone]escudo.Stage{
	escudo.MilestoneAdmitted:            escudo.StageEvaluation,
	escudo.MilestoneEvaluated:           escudo.StageBoard,
	escudo.MilestoneResolved:            escudo.StageImplementation,
	escudo.MilestoneMeasuresImplemented: escudo.StageFollowUp,
	escudo.MilestoneClosed:              escudo.StageClosed,
}

// StageAfter returns the stage entered by recording m, if m moves the case.
func StageAfter(m escudo.Milestone) (escudo.Stage, bool) {
	s, ok := stageAfter[m]
	return s, ok
}

// Recordable reports whether staff may record m by hand. Received and
// admitted are recorded by filing the request and by admitting it.
func Recordable(m escudo.Milestone) bool {
	return escudo.ByHand(m)
}

// SystemStep is the step of a milestone the system records itself (the
// measures' milestones, internal/store/measures.go): a known milestone on
// an open case, at the given time, moving the stage as by hand.
func SystemStep(s State, m escudo.Milestone, at time.Time) (Step, error) {
	if !escudo.ValidMilestone(m) {
		return Step{}, escudo.FieldError("milestone", "validation.choice", nil)
	}
	if s.Stage == escudo.StageClosed {
		return Step{}, escudo.Errorf(escudo.ECONFLICT, "error.case_closed")
	}
	st := Step{At: at, Stage: s.Stage}
	if next, ok := StageAfter(m); ok {
		st.SetsStage, st.Stage, st.CancelClocks = true, next, next == escudo.StageClosed
	}
	return st, nil
}

// CheckMilestone checks what a request to record a milestone says on its own,
// before the case is read.
func CheckMilestone(m escudo.Milestone, note string) error {
	if !Recordable(m) {
		return escudo.FieldError("milestone", "validation.choice", nil)
	}
	if len(note) > escudo.MaxLongText {
		return escudo.FieldError("note", "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	return nil
}

// ruleFor returns the rule of m, if any.
func ruleFor(rules []escudo.MilestoneRule, m escudo.Milestone) (escudo.MilestoneRule, bool) {
	for _, r := range rules {
		if r.Milestone == m {
			return r, true
		}
	}
	return escudo.MilestoneRule{}, false
}

// MayRecord decides whether role may record m by hand on a case in state s
// under rules: the case must be open, in one of the rule's stages and
// procedure, and the role one of the rule's. The empty role is the system
// (demo data, imports), for which only the case is checked.
func MayRecord(rules []escudo.MilestoneRule, s State, m escudo.Milestone, role escudo.Role) error {
	if s.Stage == escudo.StageClosed {
		return escudo.Errorf(escudo.ECONFLICT, "error.case_closed")
	}
	r, ok := ruleFor(rules, m)
	if !ok || !Recordable(m) {
		return escudo.FieldError("milestone", "validation.choice", nil)
	}
	stageOK := r.Procedure == "" || r.Procedure == s.Procedure
	if stageOK {
		stageOK = false
		for _, st := range r.Stages {
			stageOK = stageOK || st == s.Stage
		}
	}
	if !stageOK {
		return escudo.Errorf(escudo.ECONFLICT, "error.milestone_stage")
	}
	if role == "" {
		return nil
	}
	for _, ro := range r.Roles {
		if ro == role {
			return nil
		}
	}
	return escudo.Errorf(escudo.EFORBIDDEN, "error.milestone_role")
}

// AllowedMilestones lists, in procedural order, the milestones role may
// record now on a case in state s: the only ones the case page offers.
func AllowedMilestones(rules []escudo.MilestoneRule, s State, role escudo.Role) []escudo.Milestone {
	var out []escudo.Milestone
	for _, m := range escudo.Milestones {
		if MayRecord(rules, s, m, role) == nil {
			out = append(out, m)
		}
	}
	return out
}

// Step is what recording a milestone does to a case.
type Step struct {
	At time.Time // the milestone's time: now when none was given
	// SetsStage: the milestone sets the case's stage to Stage, even when the
	// case is already there. Otherwise Stage is the stage it stays in.
	SetsStage    bool
	Stage        escudo.Stage
	CancelClocks bool // the case closes: its running clocks are cancelled
}

// RecordMilestone decides a milestone recorded by staff at at (zero: now) on
// a case. It may be dated up to FutureSlack past now and not before the
// request was received; a closed case takes no more milestones.
func RecordMilestone(s State, m escudo.Milestone, at time.Time, note string, now time.Time) (Step, error) {
	if err := CheckMilestone(m, note); err != nil {
		return Step{}, err
	}
	if at.IsZero() {
		at = now
	}
	if at.After(now.Add(FutureSlack)) {
		return Step{}, escudo.FieldError("at", "validation.future", nil)
	}
	if at.Before(s.ReceivedAt) {
		return Step{}, escudo.FieldError("at", "validation.before_received", nil)
	}
	if s.Stage == escudo.StageClosed {
		return Step{}, escudo.Errorf(escudo.ECONFLICT, "error.case_closed")
	}
	st := Step{At: at, Stage: s.Stage}
	if next, ok := StageAfter(m); ok {
		st.SetsStage, st.Stage, st.CancelClocks = true, next, next == escudo.StageClosed
	}
	return st, nil
}

package procedure

import (
	"fmt"
	"time"

	"escudo"
)

// ClockActionKind is what a clock action does.
type ClockActionKind int

const (
	// StartClock starts the rule's clock at At; Start says how it meets a
	// clock the case already has.
	StartClock ClockActionKind = iota + 1
	// StopClock stops the rule's running clock at At.
	StopClock
	// RestartClock starts a recurring rule's clock again from At, clearing
	// its stop, breach and escalation.
	RestartClock
	// DropClock removes the rule's running clock: the rule no longer applies
	// to the case's procedure. Stopped clocks stay as a record.
	DropClock
)

func (k ClockActionKind) String() string {
	switch k {
	case StartClock:
		return "start"
	case StopClock:
		return "stop"
	case RestartClock:
		return "restart"
	case DropClock:
		return "drop"
	}
	return fmt.Sprintf("ClockActionKind(%d)", int(k))
}

// ClockAction is one step of a clock plan, for the store to carry out in order.
type ClockAction struct {
	Kind ClockActionKind
	Rule escudo.ClockRule
	At   time.Time // start or stop time; zero for DropClock
}

// Due is the deadline of a clock started or restarted by the action.
func (a ClockAction) Due() time.Time { return Due(a.Rule, a.At) }

// Due is the deadline of a clock of rule r started at start.
func Due(r escudo.ClockRule, start time.Time) time.Time { return start.Add(time.Duration(r.Limit)) }

// MilestoneClocks plans the clocks of milestone m recorded at at on a case of
// procedure proc, rule by rule in the order of rules: each rule that m stops
// is stopped (restarted, when recurring), and each rule that m starts and that
// applies to proc is started. A stop is planned whatever the procedure: a
// clock that never started has nothing to stop.
func MilestoneClocks(rules []escudo.ClockRule, proc escudo.Procedure, m escudo.Milestone, at time.Time) []ClockAction {
	var plan []ClockAction
	for _, r := range rules {
		if r.Stop == m {
			kind := StopClock
			if r.Recurring {
				kind = RestartClock
			}
			plan = append(plan, ClockAction{Kind: kind, Rule: r, At: at})
		}
		if r.Start == m && r.Applies(proc) {
			plan = append(plan, ClockAction{Kind: StartClock, Rule: r, At: at})
		}
	}
	return plan
}

// ProcedureClocks plans the clocks of a case that moves to procedure proc,
// given the milestones it has recorded: running clocks of rules that no
// longer apply are dropped, and rules that apply are started from their
// start milestone, if recorded.
func ProcedureClocks(rules []escudo.ClockRule, proc escudo.Procedure, recorded map[escudo.Milestone]time.Time) []ClockAction {
	var plan []ClockAction
	for _, r := range rules {
		if !r.Applies(proc) {
			plan = append(plan, ClockAction{Kind: DropClock, Rule: r})
			continue
		}
		if at, ok := recorded[r.Start]; ok {
			plan = append(plan, ClockAction{Kind: StartClock, Rule: r, At: at})
		}
	}
	return plan
}

// ClockStart is how a start action meets the clock the case may already have.
// When neither Insert nor Move is set, the existing clock stays as it is.
type ClockStart struct {
	Insert bool // no clock yet: a new one
	// Move: the clock is running and not breached, so its start and deadline
	// move (a start milestone recorded again, such as a second evaluation).
	Move      bool
	StartedAt time.Time
	DueAt     time.Time
	// StoppedAt, for a new clock, is when its stop milestone was recorded
	// before its start (out-of-order entry): the clock is born stopped. A
	// recurring clock always starts running.
	StoppedAt *time.Time
}

// Start decides a StartClock action of rule r at at. existing is the case's
// clock of the rule (nil: none); stopRecorded is when the rule's stop
// milestone was recorded (nil: not yet), and matters only when there is no
// clock.
func Start(r escudo.ClockRule, at time.Time, existing *escudo.ClockState, stopRecorded *time.Time) ClockStart {
	cs := ClockStart{StartedAt: at, DueAt: Due(r, at)}
	if existing != nil {
		cs.Move = existing.StoppedAt == nil && existing.BreachedAt == nil
		return cs
	}
	cs.Insert = true
	if stopRecorded != nil && !r.Recurring {
		stopped := *stopRecorded
		cs.StoppedAt = &stopped
	}
	return cs
}

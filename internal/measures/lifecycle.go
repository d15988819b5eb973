package measures

import (
	"fmt"
	"strings"
	"time"

	"escudo"
)

// The life of a granted measure (escudo.MeasureStatus): which status may
// follow which, who may move it, which moves need a reason, the deadline a
// measure must be in place by, and whom an overdue one escalates to. Pure
// rules: the store asks them and writes what they decide.

// Transition is one legal move of a measure's status.
type Transition struct {
	From, To escudo.MeasureStatus
	// Roles may make the move by hand. A decision (a Board resolution, the
	// urgent procedure) moves measures through the store's decision
	// methods instead, whose callers hold the authority.
	Roles []escudo.Role
	// Reason: the move must say why (withdrawal, ending, review, a
	// beneficiary's rejection).
	Reason bool
	// Rejection: the beneficiary says the measure is not in place; it
	// reopens with a new deadline and the agency is told.
	Rejection bool
	// Decision: only a decision makes it (EndMeasure), never a button.
	Decision bool
}

var (
	follow       = []escudo.Role{escudo.RoleFollowUp, escudo.RoleCoordinator}
	agencySide   = []escudo.Role{escudo.RoleLiaison, escudo.RoleFollowUp, escudo.RoleCoordinator}
	confirmRoles = []escudo.Role{escudo.RoleBeneficiary, escudo.RoleFollowUp, escudo.RoleCoordinator}
	decision     = []escudo.Role{escudo.RoleCoordinator}
)

// Lifecycle is every legal transition. A pair absent from it is illegal.
var Lifecycle = []Transition{
	{From: escudo.MeasureGranted, To: escudo.MeasureNotified, Roles: []escudo.Role{escudo.RoleFollowUp, escudo.RoleCoordinator, escudo.RoleReception, escudo.RoleDuty}},
	{From: escudo.MeasureNotified, To: escudo.MeasureImplementing, Roles: agencySide},
	{From: escudo.MeasureImplementing, To: escudo.MeasureAwaiting, Roles: agencySide},
	{From: escudo.MeasureAwaiting, To: escudo.MeasureInForce, Roles: confirmRoles},
	{From: escudo.MeasureAwaiting, To: escudo.MeasureImplementing, Roles: confirmRoles, Reason: true, Rejection: true},
	// A measure in force that stops working (escorts withdrawn, a camera
	// broken): the beneficiary's word reopens it as a rejection does.
	{From: escudo.MeasureInForce, To: escudo.MeasureImplementing, Roles: confirmRoles, Reason: true, Rejection: true},
	{From: escudo.MeasureInForce, To: escudo.MeasureUnderReview, Roles: follow, Reason: true},
	{From: escudo.MeasureUnderReview, To: escudo.MeasureInForce, Roles: follow},
	// A decision may withdraw a measure at any point of its life, and end
	// one that has been in force.
	{From: escudo.MeasureGranted, To: escudo.MeasureWithdrawn, Roles: decision, Reason: true, Decision: true},
	{From: escudo.MeasureNotified, To: escudo.MeasureWithdrawn, Roles: decision, Reason: true, Decision: true},
	{From: escudo.MeasureImplementing, To: escudo.MeasureWithdrawn, Roles: decision, Reason: true, Decision: true},
	{From: escudo.MeasureAwaiting, To: escudo.MeasureWithdrawn, Roles: decision, Reason: true, Decision: true},
	{From: escudo.MeasureInForce, To: escudo.MeasureWithdrawn, Roles: decision, Reason: true, Decision: true},
	{From: escudo.MeasureUnderReview, To: escudo.MeasureWithdrawn, Roles: decision, Reason: true, Decision: true},
	{From: escudo.MeasureInForce, To: escudo.MeasureEnded, Roles: decision, Reason: true, Decision: true},
	{From: escudo.MeasureUnderReview, To: escudo.MeasureEnded, Roles: decision, Reason: true, Decision: true},
}

// Find returns the transition from → to, if it is legal.
func FindTransition(from, to escudo.MeasureStatus) (Transition, bool) {
	for _, t := range Lifecycle {
		if t.From == from && t.To == to {
			return t, true
		}
	}
	return Transition{}, false
}

// ValidStatus reports whether s is a status of the lifecycle.
func ValidStatus(s escudo.MeasureStatus) bool {
	for _, x := range escudo.MeasureStatuses {
		if x == s {
			return true
		}
	}
	return false
}

// Allows reports whether role may make the transition by hand.
func (t Transition) Allows(role escudo.Role) bool {
	if t.Decision {
		return false
	}
	for _, r := range t.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// CheckMove validates a move by hand: the pair must be legal, the role
// allowed, and a reason given where one is needed. It returns the
// transition. Errors: "status" measure.transition_illegal or
// measure.transition_role (forbidden), "reason" measures.reason_missing.
func CheckMove(from, to escudo.MeasureStatus, role escudo.Role, reason string) (Transition, error) {
	t, ok := FindTransition(from, to)
	if !ok {
		return t, illegal(from, to)
	}
	if !t.Allows(role) {
		return t, escudo.Errorf(escudo.EFORBIDDEN, "measure.transition_role")
	}
	return t, checkReason(t, reason)
}

// CheckDecision validates a move made by a decision (EndMeasure and the
// urgent procedure): the pair must be legal and the reason given where
// needed; roles are the decision's business.
func CheckDecision(from, to escudo.MeasureStatus, reason string) (Transition, error) {
	t, ok := FindTransition(from, to)
	if !ok {
		return t, illegal(from, to)
	}
	return t, checkReason(t, reason)
}

func illegal(from, to escudo.MeasureStatus) error {
	return escudo.FieldError("status", "measure.transition_illegal", map[string]any{"From": string(from), "To": string(to)})
}

func checkReason(t Transition, reason string) error {
	if !t.Reason {
		return nil
	}
	if strings.TrimSpace(reason) == "" {
		return escudo.FieldError("reason", "measures.reason_missing", nil)
	}
	if len(reason) > ReasonMaxLen {
		return escudo.FieldError("reason", "validation.too_long", map[string]any{"Max": ReasonMaxLen})
	}
	return nil
}

// Next returns the transitions role may make by hand from status, in
// lifecycle order: the buttons of a measure's page.
func Next(from escudo.MeasureStatus, role escudo.Role) []Transition {
	var out []Transition
	for _, t := range Lifecycle {
		if t.From == from && t.Allows(role) {
			out = append(out, t)
		}
	}
	return out
}

// DeadlineRule says by when a granted measure must be in place: Within
// the grant, for the measures of a source and (when set) a kind. Clock,
// when set, names a legal clock of the case (escudo.ClockRule.Name) whose
// due time is the deadline while it runs, if earlier.
type DeadlineRule struct {
	Source escudo.MeasureSource `json:"source"`
	Kind   Kind                 `json:"kind,omitempty"` // empty: every kind
	Within escudo.Duration      `json:"within"`
	Clock  string               `json:"clock,omitempty"`
}

// Tier is a step of an overdue measure's escalation.
type Tier string

const (
	TierLiaison      Tier = "liaison"      // the agency's liaison
	TierFollowUp     Tier = "followup"     // the follow-up officer (the case's assignee)
	TierCoordination Tier = "coordination" // the executive coordination
)

// Escalation is one tier and how long after the deadline it is reached.
type Escalation struct {
	Tier  Tier            `json:"tier"`
	After escudo.Duration `json:"after"`
}

// Rules are the configurable clocks of granted measures.
type Rules struct {
	Deadlines []DeadlineRule `json:"deadlines"`
	// Reopen is how long the agency has again after a beneficiary rejects
	// an implementation.
	Reopen escudo.Duration `json:"reopen"`
	// Escalations, in order of After.
	Escalations []Escalation `json:"escalations"`
}

// DefaultRules: urgent measures within the urgent clock of the
// extraordinary procedure (9 hours), the Board's within 30 days (the
// implement_measures clock), a rejected implementation 10 more days;
// overdue measures reach the liaison at once, the follow-up officer after
// a day and the coordination after three.
func DefaultRules() Rules {
	return Rules{
		Deadlines: []DeadlineRule{
			{Source: escudo.SourceUrgent, Within: escudo.Duration(9 * time.Hour), Clock: "urgent_implemented"},
			{Source: escudo.SourceBoard, Within: escudo.Duration(30 * 24 * time.Hour)},
		},
		Reopen: escudo.Duration(10 * 24 * time.Hour),
		Escalations: []Escalation{
			{Tier: TierLiaison, After: 0},
			{Tier: TierFollowUp, After: escudo.Duration(24 * time.Hour)},
			{Tier: TierCoordination, After: escudo.Duration(72 * time.Hour)},
		},
	}
}

// Validate checks configured rules: known sources and kinds, positive
// durations, one rule per source and kind, escalation tiers known, each
// once, in order.
func (r Rules) Validate() error {
	seen := map[string]bool{}
	for i, d := range r.Deadlines {
		if d.Source != escudo.SourceUrgent && d.Source != escudo.SourceBoard {
			return fmt.Errorf("measure deadline %d: unknown source %q", i, d.Source)
		}
		if d.Kind != "" && !validKind(d.Kind) {
			return fmt.Errorf("measure deadline %d: unknown kind %q", i, d.Kind)
		}
		if d.Within <= 0 {
			return fmt.Errorf("measure deadline %d: needs a positive duration", i)
		}
		k := string(d.Source) + "/" + string(d.Kind)
		if seen[k] {
			return fmt.Errorf("measure deadline %d: repeated for %s", i, k)
		}
		seen[k] = true
	}
	if r.Reopen <= 0 {
		return fmt.Errorf("measure reopen: needs a positive duration")
	}
	tiers := map[Tier]bool{}
	var last escudo.Duration = -1
	for i, e := range r.Escalations {
		switch e.Tier {
		case TierLiaison, TierFollowUp, TierCoordination:
		default:
			return fmt.Errorf("measure escalation %d: unknown tier %q", i, e.Tier)
		}
		if tiers[e.Tier] {
			return fmt.Errorf("measure escalation %d: repeated tier %q", i, e.Tier)
		}
		tiers[e.Tier] = true
		if e.After < 0 || e.After <= last {
			return fmt.Errorf("measure escalation %d: delays must grow", i)
		}
		last = e.After
	}
	return nil
}

// Check is Validate for optional rules: nil rules are the default's.
func (r *Rules) Check() error {
	if r == nil {
		return nil
	}
	return r.Validate()
}

// Deadline returns the rule for a measure of the source and kind: one
// for the kind first, else the source's general one.
func (r Rules) Deadline(src escudo.MeasureSource, k Kind) (DeadlineRule, bool) {
	var general *DeadlineRule
	for i, d := range r.Deadlines {
		if d.Source != src {
			continue
		}
		if d.Kind == k {
			return d, true
		}
		if d.Kind == "" {
			general = &r.Deadlines[i]
		}
	}
	if general != nil {
		return *general, true
	}
	return DeadlineRule{}, false
}

// Due computes a deadline: granted plus Within, or the clock's due time
// when the rule names a running clock due earlier (clockDue zero when the
// case has none).
func (d DeadlineRule) Due(granted, clockDue time.Time) time.Time {
	due := granted.Add(time.Duration(d.Within))
	if d.Clock != "" && !clockDue.IsZero() && clockDue.Before(due) && clockDue.After(granted) {
		return clockDue
	}
	return due
}

// TierDue returns the highest tier an overdue measure has reached at now,
// and its index (−1: none yet, or not overdue).
func (r Rules) TierDue(deadline, now time.Time) (int, Tier) {
	if deadline.IsZero() || !now.After(deadline) {
		return -1, ""
	}
	idx, tier := -1, Tier("")
	for i, e := range r.Escalations {
		if !now.Before(deadline.Add(time.Duration(e.After))) {
			idx, tier = i, e.Tier
		}
	}
	return idx, tier
}

// Implemented reports whether a measure in status s counts as put in
// place for the milestones urgent_measures_implemented and
// measures_implemented: awaiting the beneficiary's confirmation or later.
func Implemented(s escudo.MeasureStatus) bool {
	switch s {
	case escudo.MeasureAwaiting, escudo.MeasureInForce, escudo.MeasureUnderReview, escudo.MeasureEnded:
		return true
	}
	return false
}

package escudo

import (
	"fmt"
	"time"
)

// ClockRule is one legal deadline: from a start milestone, the stop milestone
// must be recorded within Limit. Rules are configuration; DefaultClockRules
// holds the values of the 2012 Mexican law.
type ClockRule struct {
	Name      string    `json:"name"`
	Start     Milestone `json:"start"`
	Stop      Milestone `json:"stop"`
	Limit     Duration  `json:"limit"`
	Procedure Procedure `json:"procedure,omitempty"`      // empty: both procedures
	Recurring bool      `json:"recurring,omitempty"`      // restarts at each stop (periodic re-evaluation)
	WarnAt    float64   `json:"warn_at,omitempty"`        // fraction of Limit after which the clock is "due soon"; default 0.8
	Escalate  Duration  `json:"escalate_every,omitempty"` // after a breach, escalate one level per interval
}

// Duration is a time.Duration that reads and writes as text ("72h", "10d").
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(FormatDuration(time.Duration(d))), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ParseDuration accepts Go durations plus a "d" suffix for calendar days.
func ParseDuration(s string) (time.Duration, error) {
	var days int
	if n, err := fmt.Sscanf(s, "%dd", &days); err == nil && n == 1 && fmt.Sprintf("%dd", days) == s {
		if days < 0 || days > 3650 {
			return 0, fmt.Errorf("duration %q out of range", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return d, nil
}

// FormatDuration writes whole days as "Nd".
func FormatDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

const day = 24 * time.Hour

// DefaultClockRules are the deadlines of DESIGN.md.
func DefaultClockRules() []ClockRule {
	return []ClockRule{
		{Name: "urgent_issued", Start: MilestoneReceived, Stop: MilestoneUrgentIssued, Limit: Duration(3 * time.Hour), Procedure: ProcedureExtraordinary, Escalate: Duration(time.Hour)},
		// The rapid reaction unit evaluates at once what the urgent measures must answer.
		{Name: "immediate_evaluation", Start: MilestoneReceived, Stop: MilestoneImmediateEvaluated, Limit: Duration(2 * time.Hour), Procedure: ProcedureExtraordinary, Escalate: Duration(30 * time.Minute)},
		{Name: "urgent_implemented", Start: MilestoneReceived, Stop: MilestoneUrgentImplemented, Limit: Duration(9 * time.Hour), Procedure: ProcedureExtraordinary, Escalate: Duration(3 * time.Hour)},
		{Name: "evaluation", Start: MilestoneReceived, Stop: MilestoneEvaluated, Limit: Duration(10 * day), Escalate: Duration(2 * day)},
		{Name: "to_board", Start: MilestoneEvaluated, Stop: MilestoneSentToBoard, Limit: Duration(3 * day), Escalate: Duration(day)},
		{Name: "communicate_resolution", Start: MilestoneResolved, Stop: MilestoneResolutionCommunicated, Limit: Duration(72 * time.Hour), Escalate: Duration(day)},
		{Name: "implement_measures", Start: MilestoneResolved, Stop: MilestoneMeasuresImplemented, Limit: Duration(30 * day), Escalate: Duration(7 * day)},
		{Name: "appeal_ruling", Start: MilestoneAppealFiled, Stop: MilestoneAppealRuled, Limit: Duration(15 * day), Escalate: Duration(3 * day)},
		{Name: "reevaluation", Start: MilestoneEvaluated, Stop: MilestoneReevaluated, Limit: Duration(180 * day), Recurring: true, Escalate: Duration(30 * day)},
	}
}

// AppealWindow is how long a beneficiary has to appeal after notification;
// shown to the beneficiary, not a deadline on staff.
const DefaultAppealWindow = 30 * day

// Applies reports whether the rule applies to a case of procedure p.
func (r ClockRule) Applies(p Procedure) bool { return r.Procedure == "" || r.Procedure == p }

// ValidateClockRules checks configured rules.
func ValidateClockRules(rules []ClockRule) error {
	seen := map[string]bool{}
	for _, r := range rules {
		if r.Name == "" || seen[r.Name] {
			return fmt.Errorf("clock rule %q: empty or repeated name", r.Name)
		}
		seen[r.Name] = true
		if !ValidMilestone(r.Start) || !ValidMilestone(r.Stop) || r.Start == r.Stop {
			return fmt.Errorf("clock rule %q: unknown or equal milestones", r.Name)
		}
		if r.Limit <= 0 {
			return fmt.Errorf("clock rule %q: limit must be positive", r.Name)
		}
		if r.WarnAt < 0 || r.WarnAt >= 1 {
			return fmt.Errorf("clock rule %q: warn_at must be in [0,1)", r.Name)
		}
		switch r.Procedure {
		case "", ProcedureOrdinary, ProcedureExtraordinary:
		default:
			return fmt.Errorf("clock rule %q: unknown procedure %q", r.Name, r.Procedure)
		}
	}
	return nil
}

// ClockStatus is the state of one clock on one case.
type ClockStatus string

const (
	ClockRunning  ClockStatus = "running"
	ClockDueSoon  ClockStatus = "due_soon"
	ClockBreached ClockStatus = "breached"
	ClockMet      ClockStatus = "met"
	ClockLate     ClockStatus = "late" // stopped, but after the deadline
)

// ClockState is a clock as stored and shown.
type ClockState struct {
	CaseID     int64       `json:"case_id"`
	Rule       string      `json:"rule"`
	StartedAt  time.Time   `json:"started_at"`
	DueAt      time.Time   `json:"due_at"`
	StoppedAt  *time.Time  `json:"stopped_at,omitempty"`
	BreachedAt *time.Time  `json:"breached_at,omitempty"`
	Escalation int         `json:"escalation"`
	Status     ClockStatus `json:"status"`
}

// DueSoonFloor is the absolute floor of "due soon": a clock with this little
// time left is due soon whatever share of its limit has passed, so a 3-hour
// clock is amber from the start instead of showing "on time" while a 3-day
// clock, with far more time left, is amber.
const DueSoonFloor = 12 * time.Hour

// DueSoonWindow is how long before its deadline a clock of the given limit
// becomes due soon: the larger of the rule's warning share (default 0.8 of
// the limit gone) and DueSoonFloor.
func DueSoonWindow(limit time.Duration, warnAt float64) time.Duration {
	if warnAt == 0 {
		warnAt = 0.8
	}
	return max(time.Duration(float64(limit)*(1-warnAt)), DueSoonFloor)
}

// Evaluate sets Status from the stored times as of now.
func (c *ClockState) Evaluate(now time.Time, warnAt float64) {
	switch {
	case c.StoppedAt != nil && !c.StoppedAt.After(c.DueAt):
		c.Status = ClockMet
	case c.StoppedAt != nil:
		c.Status = ClockLate
	case now.After(c.DueAt):
		c.Status = ClockBreached
	case c.DueAt.Sub(now) <= DueSoonWindow(c.DueAt.Sub(c.StartedAt), warnAt):
		c.Status = ClockDueSoon
	default:
		c.Status = ClockRunning
	}
}

// Used is the share of the clock's limit gone by now (or by its stop), from
// 0 to 1, for a progress bar.
func (c *ClockState) Used(now time.Time) float64 {
	end := now
	if c.StoppedAt != nil {
		end = *c.StoppedAt
	}
	limit := c.DueAt.Sub(c.StartedAt)
	if limit <= 0 {
		return 1
	}
	return min(max(float64(end.Sub(c.StartedAt))/float64(limit), 0), 1)
}

// UsedPercent is Used as a whole percentage.
func (c *ClockState) UsedPercent(now time.Time) int { return int(c.Used(now)*100 + 0.5) }

// Remaining is the time left (negative when breached).
func (c *ClockState) Remaining(now time.Time) time.Duration { return c.DueAt.Sub(now) }

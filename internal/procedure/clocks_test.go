package procedure_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/procedure"
)

// plan writes a clock plan as "kind rule@offset" (offset from received, or
// "-" for no time), so expectations read as one line.
func plan(actions []procedure.ClockAction) string {
	var out []string
	for _, a := range actions {
		at := "-"
		if !a.At.IsZero() {
			at = a.At.Sub(received).String()
		}
		out = append(out, fmt.Sprintf("%s %s@%s", a.Kind, a.Rule.Name, at))
	}
	return strings.Join(out, ", ")
}

// Every milestone, on a case of each procedure, with the default rules.
func TestMilestoneClocksDefaultRules(t *testing.T) {
	rules := escudo.DefaultClockRules()
	at := received.Add(time.Hour)
	h := "1h0m0s"
	both := func(p string) map[escudo.Procedure]string {
		return map[escudo.Procedure]string{escudo.ProcedureOrdinary: p, escudo.ProcedureExtraordinary: p}
	}
	want := map[escudo.Milestone]map[escudo.Procedure]string{
		escudo.MilestoneReceived: {
			escudo.ProcedureOrdinary:      "start evaluation@" + h,
			escudo.ProcedureExtraordinary: "start urgent_issued@" + h + ", start immediate_evaluation@" + h + ", start urgent_implemented@" + h + ", start evaluation@" + h,
		},
		escudo.MilestoneAdmitted:               both(""),
		escudo.MilestoneImmediateEvaluated:     both("stop immediate_evaluation@" + h),
		escudo.MilestoneUrgentIssued:           both("stop urgent_issued@" + h), // a stop is planned whatever the procedure
		escudo.MilestoneUrgentImplemented:      both("stop urgent_implemented@" + h),
		escudo.MilestoneEvaluated:              both("stop evaluation@" + h + ", start to_board@" + h + ", start reevaluation@" + h),
		escudo.MilestoneSentToBoard:            both("stop to_board@" + h),
		escudo.MilestoneResolved:               both("start communicate_resolution@" + h + ", start implement_measures@" + h),
		escudo.MilestoneResolutionCommunicated: both("stop communicate_resolution@" + h),
		escudo.MilestoneMeasuresImplemented:    both("stop implement_measures@" + h),
		escudo.MilestoneNotified:               both(""),
		escudo.MilestoneAppealFiled:            both("start appeal_ruling@" + h),
		escudo.MilestoneAppealRuled:            both("stop appeal_ruling@" + h),
		escudo.MilestoneReevaluated:            both("restart reevaluation@" + h),
		escudo.MilestoneClosed:                 both(""),
	}
	if len(want) != len(escudo.Milestones) {
		t.Fatalf("the table covers %d of %d milestones", len(want), len(escudo.Milestones))
	}
	for _, m := range escudo.Milestones {
		for _, p := range []escudo.Procedure{escudo.ProcedureOrdinary, escudo.ProcedureExtraordinary} {
			if got := plan(procedure.MilestoneClocks(rules, p, m, at)); got != want[m][p] {
				t.Errorf("%s on %s: got %q, want %q", m, p, got, want[m][p])
			}
		}
	}
}

// Each procedure against a rule of each kind: for both procedures, for one,
// and recurring.
func TestMilestoneClocksRuleKinds(t *testing.T) {
	a, b, c := escudo.Milestone("a"), escudo.Milestone("b"), escudo.Milestone("c")
	rules := []escudo.ClockRule{
		{Name: "any", Start: a, Stop: b, Limit: escudo.Duration(time.Hour)},
		{Name: "ord", Start: a, Stop: b, Limit: escudo.Duration(time.Hour), Procedure: escudo.ProcedureOrdinary},
		{Name: "ext", Start: a, Stop: b, Limit: escudo.Duration(time.Hour), Procedure: escudo.ProcedureExtraordinary},
		{Name: "periodic", Start: a, Stop: c, Limit: escudo.Duration(time.Hour), Recurring: true},
		{Name: "chained", Start: b, Stop: c, Limit: escudo.Duration(time.Hour)},
	}
	at := received.Add(2 * time.Hour)
	tests := []struct {
		m    escudo.Milestone
		proc escudo.Procedure
		want string
	}{
		{a, escudo.ProcedureOrdinary, "start any@2h0m0s, start ord@2h0m0s, start periodic@2h0m0s"},
		{a, escudo.ProcedureExtraordinary, "start any@2h0m0s, start ext@2h0m0s, start periodic@2h0m0s"},
		{b, escudo.ProcedureOrdinary, "stop any@2h0m0s, stop ord@2h0m0s, stop ext@2h0m0s, start chained@2h0m0s"},
		{b, escudo.ProcedureExtraordinary, "stop any@2h0m0s, stop ord@2h0m0s, stop ext@2h0m0s, start chained@2h0m0s"},
		{c, escudo.ProcedureOrdinary, "restart periodic@2h0m0s, stop chained@2h0m0s"},
		{c, escudo.ProcedureExtraordinary, "restart periodic@2h0m0s, stop chained@2h0m0s"},
		{"other", escudo.ProcedureOrdinary, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.m)+" "+string(tt.proc), func(t *testing.T) {
			if got := plan(procedure.MilestoneClocks(rules, tt.proc, tt.m, at)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	// The plan follows the order of the rules.
	reversed := []escudo.ClockRule{rules[4], rules[0]}
	if got, want := plan(procedure.MilestoneClocks(reversed, escudo.ProcedureOrdinary, b, at)), "start chained@2h0m0s, stop any@2h0m0s"; got != want {
		t.Fatalf("reversed rules: got %q, want %q", got, want)
	}
	if got := procedure.MilestoneClocks(nil, escudo.ProcedureOrdinary, a, at); got != nil {
		t.Fatalf("no rules: %v", got)
	}
}

func TestProcedureClocks(t *testing.T) {
	rules := escudo.DefaultClockRules()
	recv := map[escudo.Milestone]time.Time{escudo.MilestoneReceived: received, escudo.MilestoneAdmitted: received.Add(time.Hour)}
	later := map[escudo.Milestone]time.Time{
		escudo.MilestoneReceived:    received,
		escudo.MilestoneEvaluated:   received.Add(24 * time.Hour),
		escudo.MilestoneResolved:    received.Add(48 * time.Hour),
		escudo.MilestoneAppealRuled: received.Add(72 * time.Hour), // a stop alone starts nothing
	}
	tests := []struct {
		name     string
		proc     escudo.Procedure
		recorded map[escudo.Milestone]time.Time
		want     string
	}{
		{"to extraordinary, received", escudo.ProcedureExtraordinary, recv,
			"start urgent_issued@0s, start immediate_evaluation@0s, start urgent_implemented@0s, start evaluation@0s"},
		{"to ordinary, received", escudo.ProcedureOrdinary, recv,
			"drop urgent_issued@-, drop immediate_evaluation@-, drop urgent_implemented@-, start evaluation@0s"},
		{"to extraordinary, later milestones", escudo.ProcedureExtraordinary, later,
			"start urgent_issued@0s, start immediate_evaluation@0s, start urgent_implemented@0s, start evaluation@0s, start to_board@24h0m0s, " +
				"start communicate_resolution@48h0m0s, start implement_measures@48h0m0s, start reevaluation@24h0m0s"},
		{"to ordinary, later milestones", escudo.ProcedureOrdinary, later,
			"drop urgent_issued@-, drop immediate_evaluation@-, drop urgent_implemented@-, start evaluation@0s, start to_board@24h0m0s, " +
				"start communicate_resolution@48h0m0s, start implement_measures@48h0m0s, start reevaluation@24h0m0s"},
		{"to ordinary, nothing recorded", escudo.ProcedureOrdinary, nil, "drop urgent_issued@-, drop immediate_evaluation@-, drop urgent_implemented@-"},
		{"to extraordinary, nothing recorded", escudo.ProcedureExtraordinary, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plan(procedure.ProcedureClocks(rules, tt.proc, tt.recorded)); got != tt.want {
				t.Fatalf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestStart(t *testing.T) {
	rule := escudo.ClockRule{Name: "to_board", Start: escudo.MilestoneEvaluated, Stop: escudo.MilestoneSentToBoard, Limit: escudo.Duration(72 * time.Hour)}
	periodic := escudo.ClockRule{Name: "reevaluation", Start: escudo.MilestoneEvaluated, Stop: escudo.MilestoneReevaluated, Limit: escudo.Duration(180 * 24 * time.Hour), Recurring: true}
	at := received.Add(24 * time.Hour)
	stop := received.Add(12 * time.Hour) // recorded before the start
	ptr := func(t time.Time) *time.Time { return &t }
	running := &escudo.ClockState{Rule: "to_board", StartedAt: received, DueAt: received.Add(72 * time.Hour)}
	stopped := &escudo.ClockState{Rule: "to_board", StoppedAt: ptr(stop)}
	breached := &escudo.ClockState{Rule: "to_board", BreachedAt: ptr(received.Add(80 * time.Hour))}
	late := &escudo.ClockState{Rule: "to_board", StoppedAt: ptr(received.Add(90 * time.Hour)), BreachedAt: ptr(received.Add(80 * time.Hour))}
	tests := []struct {
		name         string
		rule         escudo.ClockRule
		existing     *escudo.ClockState
		stopRecorded *time.Time
		want         procedure.ClockStart
	}{
		{"new", rule, nil, nil, procedure.ClockStart{Insert: true, StartedAt: at, DueAt: at.Add(72 * time.Hour)}},
		{"new, stop recorded first", rule, nil, ptr(stop), procedure.ClockStart{Insert: true, StartedAt: at, DueAt: at.Add(72 * time.Hour), StoppedAt: ptr(stop)}},
		{"new, stop recorded at the same time", rule, nil, ptr(at), procedure.ClockStart{Insert: true, StartedAt: at, DueAt: at.Add(72 * time.Hour), StoppedAt: ptr(at)}},
		{"new recurring, stop recorded first", periodic, nil, ptr(stop), procedure.ClockStart{Insert: true, StartedAt: at, DueAt: at.Add(180 * 24 * time.Hour)}},
		{"new recurring", periodic, nil, nil, procedure.ClockStart{Insert: true, StartedAt: at, DueAt: at.Add(180 * 24 * time.Hour)}},
		{"running moves", rule, running, nil, procedure.ClockStart{Move: true, StartedAt: at, DueAt: at.Add(72 * time.Hour)}},
		{"running moves, stop ignored", rule, running, ptr(stop), procedure.ClockStart{Move: true, StartedAt: at, DueAt: at.Add(72 * time.Hour)}},
		{"running recurring moves", periodic, running, nil, procedure.ClockStart{Move: true, StartedAt: at, DueAt: at.Add(180 * 24 * time.Hour)}},
		{"stopped stays", rule, stopped, nil, procedure.ClockStart{StartedAt: at, DueAt: at.Add(72 * time.Hour)}},
		{"breached stays", rule, breached, nil, procedure.ClockStart{StartedAt: at, DueAt: at.Add(72 * time.Hour)}},
		{"late stays", rule, late, nil, procedure.ClockStart{StartedAt: at, DueAt: at.Add(72 * time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := procedure.Start(tt.rule, at, tt.existing, tt.stopRecorded)
			if got.Insert != tt.want.Insert || got.Move != tt.want.Move || !got.StartedAt.Equal(tt.want.StartedAt) || !got.DueAt.Equal(tt.want.DueAt) ||
				(got.StoppedAt == nil) != (tt.want.StoppedAt == nil) || got.StoppedAt != nil && !got.StoppedAt.Equal(*tt.want.StoppedAt) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if got.StoppedAt != nil && got.StoppedAt == tt.stopRecorded {
				t.Fatal("the stop time must be a copy")
			}
		})
	}
}

func TestDue(t *testing.T) {
	for _, r := range escudo.DefaultClockRules() {
		a := procedure.ClockAction{Kind: procedure.StartClock, Rule: r, At: received}
		if want := received.Add(time.Duration(r.Limit)); !a.Due().Equal(want) || !procedure.Due(r, received).Equal(want) {
			t.Errorf("%s: due %v, want %v", r.Name, a.Due(), want)
		}
	}
	var r escudo.ClockRule
	for _, x := range escudo.DefaultClockRules() {
		if x.Name == "evaluation" {
			r = x
		}
	}
	if r.Name != "evaluation" || !procedure.Due(r, received).Equal(time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("evaluation of a request of 2 March is due on 12 March: %v", procedure.Due(r, received))
	}
}

func TestClockActionKindString(t *testing.T) {
	for k, want := range map[procedure.ClockActionKind]string{procedure.StartClock: "start", procedure.StopClock: "stop",
		procedure.RestartClock: "restart", procedure.DropClock: "drop", 0: "ClockActionKind(0)"} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", int(k), got, want)
		}
	}
}

// clocks carries out plans on clocks held in memory, as the store's SQL does,
// so sequences of milestones can be followed through the rules.
type clocks struct {
	rules    []escudo.ClockRule
	proc     escudo.Procedure
	recorded map[escudo.Milestone]time.Time
	byRule   map[string]*escudo.ClockState
}

func newClocks(proc escudo.Procedure) *clocks {
	return &clocks{rules: escudo.DefaultClockRules(), proc: proc, recorded: map[escudo.Milestone]time.Time{}, byRule: map[string]*escudo.ClockState{}}
}

func (c *clocks) record(m escudo.Milestone, at time.Time) {
	c.recorded[m] = at
	c.apply(procedure.MilestoneClocks(c.rules, c.proc, m, at))
}

func (c *clocks) switchTo(p escudo.Procedure) {
	c.proc = p
	c.apply(procedure.ProcedureClocks(c.rules, p, c.recorded))
}

func (c *clocks) apply(plan []procedure.ClockAction) {
	for _, a := range plan {
		k := c.byRule[a.Rule.Name]
		switch a.Kind {
		case procedure.StopClock:
			if k != nil && k.StoppedAt == nil {
				at := a.At
				k.StoppedAt = &at
			}
		case procedure.RestartClock:
			if k != nil {
				*k = escudo.ClockState{Rule: a.Rule.Name, StartedAt: a.At, DueAt: a.Due()}
			}
		case procedure.DropClock:
			if k != nil && k.StoppedAt == nil {
				delete(c.byRule, a.Rule.Name)
			}
		case procedure.StartClock:
			var stop *time.Time
			if at, ok := c.recorded[a.Rule.Stop]; ok {
				stop = &at
			}
			s := procedure.Start(a.Rule, a.At, k, stop)
			switch {
			case s.Insert:
				c.byRule[a.Rule.Name] = &escudo.ClockState{Rule: a.Rule.Name, StartedAt: s.StartedAt, DueAt: s.DueAt, StoppedAt: s.StoppedAt}
			case s.Move:
				k.StartedAt, k.DueAt = s.StartedAt, s.DueAt
			}
		}
	}
}

// state writes the clocks as "rule:status" in rule order, evaluated at now.
func (c *clocks) state(now time.Time) string {
	var out []string
	for _, r := range c.rules {
		if k := c.byRule[r.Name]; k != nil {
			k.Evaluate(now, r.WarnAt)
			out = append(out, r.Name+":"+string(k.Status))
		}
	}
	return strings.Join(out, " ")
}

func TestClockSequences(t *testing.T) {
	day := 24 * time.Hour
	t.Run("in order", func(t *testing.T) {
		c := newClocks(escudo.ProcedureOrdinary)
		c.record(escudo.MilestoneReceived, received)
		c.record(escudo.MilestoneEvaluated, received.Add(9*day))
		c.record(escudo.MilestoneSentToBoard, received.Add(13*day))
		if got, want := c.state(received.Add(14*day)), "evaluation:met to_board:late reevaluation:running"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	t.Run("out of order: sent to the board before the evaluation is entered", func(t *testing.T) {
		c := newClocks(escudo.ProcedureOrdinary)
		c.record(escudo.MilestoneReceived, received)
		c.record(escudo.MilestoneSentToBoard, received.Add(5*day))
		c.record(escudo.MilestoneEvaluated, received.Add(4*day))
		if got, want := c.state(received.Add(6*day)), "evaluation:met to_board:met reevaluation:running"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		if k := c.byRule["to_board"]; !k.StoppedAt.Equal(received.Add(5 * day)) {
			t.Fatalf("to_board stopped at %v", k.StoppedAt)
		}
	})
	t.Run("out of order: reevaluated before evaluated, the periodic clock still runs", func(t *testing.T) {
		c := newClocks(escudo.ProcedureOrdinary)
		c.record(escudo.MilestoneReceived, received)
		c.record(escudo.MilestoneReevaluated, received.Add(2*day))
		c.record(escudo.MilestoneEvaluated, received.Add(3*day))
		k := c.byRule["reevaluation"]
		if k == nil || k.StoppedAt != nil || !k.DueAt.Equal(received.Add(183*day)) {
			t.Fatalf("reevaluation %+v", k)
		}
	})
	t.Run("recurring restarts at each stop", func(t *testing.T) {
		c := newClocks(escudo.ProcedureOrdinary)
		c.record(escudo.MilestoneReceived, received)
		c.record(escudo.MilestoneEvaluated, received.Add(5*day))
		c.byRule["reevaluation"].BreachedAt = &now // breached and escalated before the re-evaluation
		c.byRule["reevaluation"].Escalation = 2
		c.record(escudo.MilestoneReevaluated, received.Add(200*day))
		k := c.byRule["reevaluation"]
		if k.StoppedAt != nil || k.BreachedAt != nil || k.Escalation != 0 || !k.StartedAt.Equal(received.Add(200*day)) || !k.DueAt.Equal(received.Add(380*day)) {
			t.Fatalf("reevaluation after restart %+v", k)
		}
	})
	t.Run("a second evaluation moves running clocks only", func(t *testing.T) {
		c := newClocks(escudo.ProcedureOrdinary)
		c.record(escudo.MilestoneReceived, received)
		c.record(escudo.MilestoneEvaluated, received.Add(2*day))
		c.record(escudo.MilestoneSentToBoard, received.Add(3*day))
		c.record(escudo.MilestoneEvaluated, received.Add(20*day))
		if k := c.byRule["to_board"]; !k.StartedAt.Equal(received.Add(2*day)) || !k.StoppedAt.Equal(received.Add(3*day)) {
			t.Fatalf("stopped to_board must stay: %+v", k)
		}
		if k := c.byRule["reevaluation"]; !k.StartedAt.Equal(received.Add(20 * day)) {
			t.Fatalf("running reevaluation must move: %+v", k)
		}
	})
	t.Run("extraordinary to ordinary drops the running urgent clocks, keeps the stopped", func(t *testing.T) {
		c := newClocks(escudo.ProcedureExtraordinary)
		c.record(escudo.MilestoneReceived, received)
		c.record(escudo.MilestoneUrgentIssued, received.Add(2*time.Hour))
		c.switchTo(escudo.ProcedureOrdinary)
		if got, want := c.state(received.Add(3*time.Hour)), "urgent_issued:met evaluation:running"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	t.Run("ordinary to extraordinary starts the urgent clocks from the request", func(t *testing.T) {
		c := newClocks(escudo.ProcedureOrdinary)
		c.record(escudo.MilestoneReceived, received)
		c.switchTo(escudo.ProcedureExtraordinary)
		k := c.byRule["urgent_issued"]
		if k == nil || !k.StartedAt.Equal(received) || !k.DueAt.Equal(received.Add(3*time.Hour)) {
			t.Fatalf("urgent_issued %+v", k)
		}
		// The 9-hour clock, 5 hours from its deadline, is due soon by the
		// absolute floor (escudo.DueSoonFloor).
		if got, want := c.state(received.Add(4*time.Hour)), "urgent_issued:breached immediate_evaluation:breached urgent_implemented:due_soon evaluation:running"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

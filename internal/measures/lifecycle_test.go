package measures_test

import (
	"testing"
	"time"

	"escudo"
	"escudo/internal/measures"
)

// Every pair of statuses, legal or not, and every role against every legal
// pair: the table is the lifecycle of the measure.go comment.
func TestLifecycleEveryPair(t *testing.T) {
	legal := map[[2]escudo.MeasureStatus]bool{}
	for _, p := range [][2]escudo.MeasureStatus{
		{escudo.MeasureGranted, escudo.MeasureNotified},
		{escudo.MeasureNotified, escudo.MeasureImplementing},
		{escudo.MeasureImplementing, escudo.MeasureAwaiting},
		{escudo.MeasureAwaiting, escudo.MeasureInForce},
		{escudo.MeasureAwaiting, escudo.MeasureImplementing},
		{escudo.MeasureInForce, escudo.MeasureUnderReview},
		{escudo.MeasureInForce, escudo.MeasureImplementing}, // the beneficiary says it stopped working
		{escudo.MeasureUnderReview, escudo.MeasureInForce},
		{escudo.MeasureGranted, escudo.MeasureWithdrawn},
		{escudo.MeasureNotified, escudo.MeasureWithdrawn},
		{escudo.MeasureImplementing, escudo.MeasureWithdrawn},
		{escudo.MeasureAwaiting, escudo.MeasureWithdrawn},
		{escudo.MeasureInForce, escudo.MeasureWithdrawn},
		{escudo.MeasureUnderReview, escudo.MeasureWithdrawn},
		{escudo.MeasureInForce, escudo.MeasureEnded},
		{escudo.MeasureUnderReview, escudo.MeasureEnded},
	} {
		legal[p] = true
	}
	for _, from := range escudo.MeasureStatuses {
		for _, to := range escudo.MeasureStatuses {
			_, ok := measures.FindTransition(from, to)
			if ok != legal[[2]escudo.MeasureStatus{from, to}] {
				t.Errorf("%s → %s: legal %v, want %v", from, to, ok, !ok)
			}
			if !ok {
				_, err := measures.CheckDecision(from, to, "porque sí")
				if escudo.ErrorKey(firstField(err)) != "measure.transition_illegal" {
					t.Errorf("%s → %s: decision %v", from, to, err)
				}
			}
		}
		if from.Final() && len(measures.Next(from, escudo.RoleCoordinator)) != 0 {
			t.Errorf("a move leaves final %s", from)
		}
	}
	for _, s := range []escudo.MeasureStatus{"", "lost"} {
		if measures.ValidStatus(s) {
			t.Errorf("valid status %q", s)
		}
	}
}

func firstField(err error) error {
	if v, ok := escudo.AsValidation(err); ok && len(v) > 0 {
		return escudo.FieldError(v[0].Field, v[0].Key, nil)
	}
	return err
}

func TestWhoMayMove(t *testing.T) {
	type move struct {
		from, to escudo.MeasureStatus
		role     escudo.Role
		ok       bool
	}
	cases := []move{
		{escudo.MeasureGranted, escudo.MeasureNotified, escudo.RoleFollowUp, true},
		{escudo.MeasureGranted, escudo.MeasureNotified, escudo.RoleReception, true},
		{escudo.MeasureGranted, escudo.MeasureNotified, escudo.RoleLiaison, false},
		{escudo.MeasureGranted, escudo.MeasureNotified, escudo.RoleBeneficiary, false},
		{escudo.MeasureNotified, escudo.MeasureImplementing, escudo.RoleLiaison, true},
		{escudo.MeasureNotified, escudo.MeasureImplementing, escudo.RoleAnalyst, false},
		{escudo.MeasureImplementing, escudo.MeasureAwaiting, escudo.RoleLiaison, true},
		{escudo.MeasureImplementing, escudo.MeasureAwaiting, escudo.RoleBoard, false},
		{escudo.MeasureAwaiting, escudo.MeasureInForce, escudo.RoleBeneficiary, true},
		{escudo.MeasureAwaiting, escudo.MeasureInForce, escudo.RoleFollowUp, true},
		{escudo.MeasureAwaiting, escudo.MeasureInForce, escudo.RoleLiaison, false},
		{escudo.MeasureAwaiting, escudo.MeasureImplementing, escudo.RoleBeneficiary, true},
		{escudo.MeasureAwaiting, escudo.MeasureImplementing, escudo.RoleLiaison, false},
		{escudo.MeasureInForce, escudo.MeasureUnderReview, escudo.RoleFollowUp, true},
		{escudo.MeasureInForce, escudo.MeasureUnderReview, escudo.RoleBeneficiary, false},
		{escudo.MeasureUnderReview, escudo.MeasureInForce, escudo.RoleCoordinator, true},
		// Withdrawal and ending are decisions, never a button.
		{escudo.MeasureInForce, escudo.MeasureWithdrawn, escudo.RoleCoordinator, false},
		{escudo.MeasureUnderReview, escudo.MeasureEnded, escudo.RoleCoordinator, false},
		{escudo.MeasureUnderReview, escudo.MeasureEnded, escudo.RoleAdmin, false},
	}
	for _, c := range cases {
		_, err := measures.CheckMove(c.from, c.to, c.role, "un motivo")
		if (err == nil) != c.ok {
			t.Errorf("%s %s → %s: %v, want allowed %v", c.role, c.from, c.to, err, c.ok)
		}
		if !c.ok && err != nil && escudo.ErrorCode(err) != escudo.EFORBIDDEN {
			t.Errorf("%s %s → %s refused as %v, want forbidden", c.role, c.from, c.to, err)
		}
	}
	next := measures.Next(escudo.MeasureAwaiting, escudo.RoleFollowUp)
	if len(next) != 2 || next[0].To != escudo.MeasureInForce || !next[1].Rejection {
		t.Errorf("follow-up's buttons on awaiting: %+v", next)
	}
	if len(measures.Next(escudo.MeasureNotified, escudo.RoleBeneficiary)) != 0 {
		t.Error("a beneficiary may move a notified measure")
	}
}

func TestReasonsRequired(t *testing.T) {
	for _, c := range []struct {
		from, to escudo.MeasureStatus
		reason   bool
	}{
		{escudo.MeasureInForce, escudo.MeasureUnderReview, true},
		{escudo.MeasureAwaiting, escudo.MeasureImplementing, true}, // rejection
		{escudo.MeasureInForce, escudo.MeasureWithdrawn, true},
		{escudo.MeasureUnderReview, escudo.MeasureEnded, true},
		{escudo.MeasureGranted, escudo.MeasureNotified, false},
		{escudo.MeasureAwaiting, escudo.MeasureInForce, false},
	} {
		_, err := measures.CheckDecision(c.from, c.to, "  ")
		if got := err != nil; got != c.reason {
			t.Errorf("%s → %s without reason: %v, want refused %v", c.from, c.to, err, c.reason)
		}
		if c.reason && escudo.ErrorKey(firstField(err)) != "measures.reason_missing" {
			t.Errorf("%s → %s: %v", c.from, c.to, err)
		}
		if _, err := measures.CheckDecision(c.from, c.to, "Porque el riesgo cambió."); err != nil {
			t.Errorf("%s → %s with reason: %v", c.from, c.to, err)
		}
	}
}

func TestDeadlineRules(t *testing.T) {
	r := measures.DefaultRules()
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	board, ok := r.Deadline(escudo.SourceBoard, measures.Protection)
	if !ok || !board.Due(at, time.Time{}).Equal(at.Add(30*24*time.Hour)) {
		t.Errorf("board deadline: %+v %v", board, ok)
	}
	urgent, ok := r.Deadline(escudo.SourceUrgent, measures.Urgent)
	if !ok || !urgent.Due(at, time.Time{}).Equal(at.Add(9*time.Hour)) {
		t.Errorf("urgent deadline: %+v", urgent)
	}
	if got := urgent.Due(at, at.Add(5*time.Hour)); !got.Equal(at.Add(5 * time.Hour)) {
		t.Errorf("urgent deadline with the clock due sooner: %s", got)
	}
	if got := urgent.Due(at, at.Add(-time.Hour)); !got.Equal(at.Add(9 * time.Hour)) {
		t.Errorf("a clock already due does not set a past deadline: %s", got)
	}
	// A rule for one kind wins over the source's general one.
	r.Deadlines = append(r.Deadlines, measures.DeadlineRule{Source: escudo.SourceBoard, Kind: measures.Psychosocial, Within: escudo.Duration(5 * 24 * time.Hour)})
	if d, _ := r.Deadline(escudo.SourceBoard, measures.Psychosocial); time.Duration(d.Within) != 5*24*time.Hour {
		t.Errorf("kind rule: %+v", d)
	}
	if d, _ := r.Deadline(escudo.SourceBoard, measures.Protection); time.Duration(d.Within) != 30*24*time.Hour {
		t.Errorf("general rule: %+v", d)
	}
	r.Deadlines = r.Deadlines[:1]
	if _, ok := r.Deadline(escudo.SourceBoard, measures.Protection); ok {
		t.Error("a deadline without a rule")
	}
	if time.Duration(measures.DefaultRules().Reopen) != 10*24*time.Hour {
		t.Error("reopen default")
	}
	bad := []measures.Rules{
		{Deadlines: []measures.DeadlineRule{{Source: "x", Within: 1}}, Reopen: 1},
		{Deadlines: []measures.DeadlineRule{{Source: escudo.SourceBoard, Kind: "magic", Within: 1}}, Reopen: 1},
		{Deadlines: []measures.DeadlineRule{{Source: escudo.SourceBoard}}, Reopen: 1},
		{Deadlines: []measures.DeadlineRule{{Source: escudo.SourceBoard, Within: 1}, {Source: escudo.SourceBoard, Within: 2}}, Reopen: 1},
		{Reopen: 0},
		{Reopen: 1, Escalations: []measures.Escalation{{Tier: "boss"}}},
		{Reopen: 1, Escalations: []measures.Escalation{{Tier: measures.TierLiaison, After: 5}, {Tier: measures.TierFollowUp, After: 5}}},
		{Reopen: 1, Escalations: []measures.Escalation{{Tier: measures.TierLiaison}, {Tier: measures.TierLiaison, After: 5}}},
	}
	for i, b := range bad {
		if b.Validate() == nil {
			t.Errorf("bad rules %d accepted", i)
		}
	}
}

func TestEscalationTiers(t *testing.T) {
	r := measures.DefaultRules()
	due := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		after time.Duration
		idx   int
		tier  measures.Tier
	}{
		{-time.Minute, -1, ""},
		{0, -1, ""},
		{time.Minute, 0, measures.TierLiaison},
		{23 * time.Hour, 0, measures.TierLiaison},
		{24 * time.Hour, 1, measures.TierFollowUp},
		{71 * time.Hour, 1, measures.TierFollowUp},
		{72 * time.Hour, 2, measures.TierCoordination},
		{30 * 24 * time.Hour, 2, measures.TierCoordination},
	} {
		idx, tier := r.TierDue(due, due.Add(c.after))
		if idx != c.idx || tier != c.tier {
			t.Errorf("%s after: %d %s, want %d %s", c.after, idx, tier, c.idx, c.tier)
		}
	}
}

func TestImplemented(t *testing.T) {
	want := map[escudo.MeasureStatus]bool{escudo.MeasureAwaiting: true, escudo.MeasureInForce: true, escudo.MeasureUnderReview: true, escudo.MeasureEnded: true}
	for _, s := range escudo.MeasureStatuses {
		if measures.Implemented(s) != want[s] {
			t.Errorf("implemented(%s) = %v", s, !want[s])
		}
	}
}

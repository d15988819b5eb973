package escudo

import (
	"slices"
	"testing"
	"time"
)

func TestAlertOutcomeNeedsChoiceAndDispatch(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	open := &Alert{Status: AlertOpen}
	acked := &Alert{Status: AlertAcknowledged, AcknowledgedAt: &at}
	sent := &Alert{Status: AlertDispatched, AcknowledgedAt: &at, DispatchedAt: &at, Agency: "Policía Estatal"}
	cases := []struct {
		name    string
		alert   *Alert
		outcome AlertOutcome
		key     string // "" when allowed
	}{
		{"no outcome on an open alert", open, "", "validation.outcome_required"},
		{"no outcome on a dispatched alert", sent, "", "validation.outcome_required"},
		{"unknown outcome", sent, "closed", "validation.choice"},
		{"attended, never acknowledged nor dispatched", open, OutcomeAttended, "validation.attended_needs_dispatch"},
		{"attended, acknowledged but not dispatched", acked, OutcomeAttended, "validation.attended_needs_dispatch"},
		{"attended after a dispatch", sent, OutcomeAttended, ""},
		{"false alarm on an open alert", open, OutcomeFalseAlarm, ""},
		{"unreached after acknowledging", acked, OutcomeUnreached, ""},
		{"test", open, OutcomeTestAlert, ""},
	}
	for _, c := range cases {
		err := CheckOutcome(c.alert, c.outcome)
		if got := ErrorKey(err); (err == nil) != (c.key == "") || (err != nil && got != c.key) {
			t.Errorf("%s: %v (key %q), want %q", c.name, err, got, c.key)
		}
		if c.outcome != "" && ValidOutcome(c.outcome) && slices.Contains(OutcomesFor(c.alert), c.outcome) != (c.key == "") {
			t.Errorf("%s: offered %v", c.name, OutcomesFor(c.alert))
		}
	}
}

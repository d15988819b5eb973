package procedure

import (
	"testing"
	"time"

	"escudo"
)

func TestAppealStep(t *testing.T) {
	tests := []struct {
		from AppealState
		act  AppealAction
		want AppealState
		ok   bool
	}{
		{AppealFiled, AppealAgree, AppealAgreed, true},
		{AppealFiled, AppealPersist, AppealPersisted, true},
		{AppealFiled, AppealCommission, AppealFiled, false},
		{AppealFiled, AppealRule, AppealFiled, false},
		{AppealPersisted, AppealCommission, AppealStudy, true},
		{AppealPersisted, AppealRule, AppealPersisted, false},
		{AppealPersisted, AppealAgree, AppealPersisted, false},
		{AppealStudy, AppealRule, AppealRuled, true},
		{AppealStudy, AppealCommission, AppealStudy, false},
		{AppealAgreed, AppealPersist, AppealAgreed, false},
		{AppealRuled, AppealRule, AppealRuled, false},
	}
	for _, tt := range tests {
		got, err := AppealStep(tt.from, tt.act)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("%s --%s--> %s (%v), want %s (ok %v)", tt.from, tt.act, got, err, tt.want, tt.ok)
		}
		if err != nil && escudo.ErrorKey(err) != "appeal.step_refused" {
			t.Errorf("%s %s: %v", tt.from, tt.act, err)
		}
	}
	for s, closed := range map[AppealState]bool{AppealFiled: false, AppealPersisted: false, AppealStudy: false, AppealAgreed: true, AppealRuled: true} {
		if AppealClosed(s) != closed {
			t.Errorf("AppealClosed(%s) = %v", s, !closed)
		}
	}
}

func TestCheckAppealWindow(t *testing.T) {
	sub := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		now    time.Time
		window time.Duration
		ok     bool
	}{
		{"same day", sub, 0, true},
		{"last moment of the default window", sub.Add(escudo.DefaultAppealWindow), 0, true},
		{"just past the default window", sub.Add(escudo.DefaultAppealWindow + time.Second), 0, false},
		{"configured 10 days, day 9", sub.Add(9 * 24 * time.Hour), 10 * 24 * time.Hour, true},
		{"configured 10 days, day 11", sub.Add(11 * 24 * time.Hour), 10 * 24 * time.Hour, false},
	}
	for _, tt := range tests {
		err := CheckAppealWindow(sub, tt.now, tt.window)
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
		if err != nil {
			v, _ := escudo.AsValidation(err)
			if len(v) != 1 || v[0].Field != "evaluation" || v[0].Key != "appeal.window_closed" {
				t.Errorf("%s: %v, want a field error on evaluation", tt.name, err)
			}
		}
	}
}

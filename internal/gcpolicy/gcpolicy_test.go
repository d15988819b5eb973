package gcpolicy

import (
	"testing"
	"time"
)

// TestGovernor: a long queue switches to the backlog setting at once; it
// ends only after the queue has stayed short for Calm, and a queue that
// grows again in between restarts that wait.
func TestGovernor(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	steps := []struct {
		sec     float64
		queue   int
		want    Settings
		changed bool
	}{
		{0, 0, Steady, false},
		{1, 63, Steady, false},
		{2, 64, Backlog, true},
		{3, 500, Backlog, false},
		{4, 7, Backlog, false},  // calm starts
		{9, 20, Backlog, false}, // not calm: the wait restarts
		{10, 3, Backlog, false}, // calm again from here
		{19.9, 0, Backlog, false},
		{20, 0, Steady, true},
		{21, 30, Steady, false}, // between Exit and Enter: no backlog
		{22, 4096, Backlog, true},
	}
	g := &Governor{}
	for _, s := range steps {
		got, changed := g.Observe(s.queue, at(s.sec))
		if got != s.want || changed != s.changed {
			t.Fatalf("at %vs, queue %d: %+v changed=%v, want %+v changed=%v", s.sec, s.queue, got, changed, s.want, s.changed)
		}
	}
}

// TestSettingsBounded: the backlog setting spends memory, never without
// bound, and the steady one is the memory budget's.
func TestSettingsBounded(t *testing.T) {
	if Steady.Percent != 50 || Steady.Limit != 110<<20 {
		t.Fatalf("steady %+v", Steady)
	}
	if Backlog.Percent <= Steady.Percent || Backlog.Limit <= Steady.Limit || Backlog.Limit > 1<<30 {
		t.Fatalf("backlog %+v", Backlog)
	}
}

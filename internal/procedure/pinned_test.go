package procedure

import (
	"testing"

	"escudo"
)

func TestPinned(t *testing.T) {
	for _, tt := range []struct {
		name     string
		imminent bool
		stage    escudo.Stage
		assigned int64
		urgent   bool
		want     bool
	}{
		{"imminent, nobody, no measures", true, escudo.StageReception, 0, false, true},
		{"imminent, assigned, no measures", true, escudo.StageReception, 7, false, true},
		{"imminent, nobody, measures issued", true, escudo.StageEvaluation, 0, true, true},
		{"imminent, assigned and measures issued", true, escudo.StageEvaluation, 7, true, false},
		{"imminent but closed", true, escudo.StageClosed, 0, false, false},
		{"not imminent", false, escudo.StageReception, 0, false, false},
	} {
		if got := Pinned(tt.imminent, tt.stage, tt.assigned, tt.urgent); got != tt.want {
			t.Errorf("%s: Pinned = %v, want %v", tt.name, got, tt.want)
		}
	}
}

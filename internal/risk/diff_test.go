package risk

import "testing"

func TestDiff(t *testing.T) {
	inst := Default()
	var n int
	for _, g := range inst.Groups {
		n += len(g.Factors)
	}
	f, _, _ := inst.Factor("threat_type")
	tests := []struct {
		name        string
		a, b        map[string]int64
		changed     []string
		wantAPoints int64 // threat_type's points on side a
		aAnswered   bool
	}{
		{"same answers", map[string]int64{"threat_type": 2, "networks": 1}, map[string]int64{"threat_type": 2, "networks": 1}, nil, 2 * f.Weight, true},
		{"one factor changed", map[string]int64{"threat_type": 2, "networks": 1}, map[string]int64{"threat_type": 3, "networks": 1}, []string{"threat_type"}, 2 * f.Weight, true},
		{"answered on one side only", map[string]int64{"networks": 1}, map[string]int64{"threat_type": 0, "networks": 1}, []string{"threat_type"}, 0, false},
		{"off this version's scale", map[string]int64{"threat_type": 99}, map[string]int64{}, nil, 0, false},
		{"zero is an answer", map[string]int64{"threat_type": 0}, map[string]int64{}, []string{"threat_type"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := Diff(inst, tt.a, tt.b)
			if len(rows) != n {
				t.Fatalf("%d rows, want one per factor (%d)", len(rows), n)
			}
			if rows[0].Factor != inst.Groups[0].Factors[0].ID || rows[0].Group != Threats {
				t.Errorf("first row %s/%s, want the instrument's order", rows[0].Group, rows[0].Factor)
			}
			var changed []string
			for _, r := range rows {
				if r.Changed {
					changed = append(changed, r.Factor)
				}
				if r.Factor == "threat_type" {
					if r.A.Points != tt.wantAPoints || r.A.Answered != tt.aAnswered {
						t.Errorf("threat_type side a: %+v", r.A)
					}
					if r.A.Answered && r.A.Meaning != f.Scale[stepIndex(f, r.A.Value)].Meaning {
						t.Errorf("meaning %+v", r.A.Meaning)
					}
					if r.Label != f.Label || r.Weight != f.Weight {
						t.Errorf("label or weight: %+v", r)
					}
				}
			}
			if len(changed) != len(tt.changed) || (len(changed) > 0 && changed[0] != tt.changed[0]) {
				t.Errorf("changed %v, want %v", changed, tt.changed)
			}
		})
	}
}

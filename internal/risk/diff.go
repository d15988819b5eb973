package risk

// DiffSide is one evaluation's answer to a factor in a comparison.
type DiffSide struct {
	Answered bool  `json:"answered"`
	Value    int64 `json:"value"`
	Points   int64 `json:"points"` // weight × value
	Meaning  Text  `json:"meaning"`
}

// DiffRow is one factor of a comparison of two evaluations: both answers,
// both points, and whether they differ.
type DiffRow struct {
	Group   Group    `json:"group"`
	Factor  string   `json:"factor"`
	Label   Text     `json:"label"`
	Weight  int64    `json:"weight"`
	A       DiffSide `json:"a"`
	B       DiffSide `json:"b"`
	Changed bool     `json:"changed"`
}

// Diff compares two evaluations' factor answers, a and b, factor by factor
// in the instrument's order: one row per factor of inst, with the answer's
// meaning from inst's scale. A factor one side did not answer (or answered
// with a value off inst's scale, from another version) shows as not
// answered there, and differs from an answer on the other side.
func Diff(inst *Instrument, a, b map[string]int64) []DiffRow {
	var rows []DiffRow
	for _, g := range inst.Groups {
		for _, f := range g.Factors {
			r := DiffRow{Group: g.ID, Factor: f.ID, Label: f.Label, Weight: f.Weight, A: side(f, a), B: side(f, b)}
			r.Changed = r.A.Answered != r.B.Answered || r.A.Value != r.B.Value
			rows = append(rows, r)
		}
	}
	return rows
}

func side(f Factor, answers map[string]int64) DiffSide {
	v, ok := answers[f.ID]
	if !ok {
		return DiffSide{}
	}
	i := stepIndex(f, v)
	if i < 0 {
		return DiffSide{}
	}
	return DiffSide{Answered: true, Value: v, Points: f.Weight * v, Meaning: f.Scale[i].Meaning}
}

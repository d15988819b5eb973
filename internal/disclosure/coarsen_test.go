package disclosure

import "testing"

func TestWouldCoarsen(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		suppressed, inner, held int
		share                   float64
		overHeld, want          bool
	}{
		{"half of every cell is not most", 2, 4, 4, 0, false, false},
		{"three of four", 3, 4, 4, 0, false, true},
		{"mostly zeros, over every cell", 4, 66, 6, 0, false, false},
		{"mostly zeros, over the held", 4, 66, 6, 0, true, true},
		{"held, half withheld", 3, 66, 6, 0, true, false},
		{"a stricter share", 2, 10, 10, 0.1, false, true},
		{"nothing held", 0, 66, 0, 0, true, false},
		{"an empty table", 0, 0, 0, 0, false, false},
	} {
		if got := WouldCoarsen(tc.suppressed, tc.inner, tc.held, tc.share, tc.overHeld); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A table of many entities, mostly empty, whose few counts are small: over
// every inner cell little is withheld, over the cells that hold records
// most is, and OverHeld merges it into regions.
func TestCoarseningOverHeld(t *testing.T) {
	var cats []string
	regions := map[string]string{}
	for _, e := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		cats = append(cats, e)
		regions[e] = "north"
		if e > "e" {
			regions[e] = "south"
		}
	}
	tb := mustTable(t, "m1:", dim("entity", cats...))
	for e, n := range map[string]int64{"a": 4, "b": 7, "f": 5, "g": 8} {
		mustSet(t, tb, n, e)
	}
	c := Coarsening{Dimension: "entity", Regions: regions}
	r, err := ProtectCoarsened(tb, nil, Options{}, c)
	if err != nil || r.Coarsened {
		t.Fatalf("over every cell: coarsened %v, %v", r != nil && r.Coarsened, err)
	}
	c.OverHeld = true
	r, err = ProtectCoarsened(tb, nil, Options{}, c)
	if err != nil || !r.Coarsened {
		t.Fatalf("over the held cells: not coarsened, %v", err)
	}
	if v, ok := mustCell(t, r, "entity=north").Value(); !ok || v != 11 {
		t.Fatalf("north: %d %v", v, ok)
	}
	if v, ok := mustCell(t, r, "entity=south").Value(); !ok || v != 13 {
		t.Fatalf("south: %d %v", v, ok)
	}
	checkResult(t, r)
	checkHistory(t, History{r.Release("m1")}, DefaultThreshold)
}

// Over the held categories, an entity counts as withheld only when its
// margin is: inner cells equal to a published margin do not count.
func TestCoarseningOverHeldByMargin(t *testing.T) {
	regions := map[string]string{"OAX": "sur", "GRO": "sur", "VER": "sur", "CDMX": "centro", "PUE": "centro", "JAL": "centro_norte", "ND": "ND"}
	build := func(counts map[string]int64) *Table {
		tb := mustTable(t, "m1:", dim("entity", "OAX", "GRO", "VER", "CDMX", "PUE", "JAL", "ND"), dim("proc", "ord", "ext"))
		for e, n := range counts {
			mustSet(t, tb, n, e, "ord")
		}
		return tb
	}
	c := Coarsening{Dimension: "entity", Regions: regions, OverHeld: true}
	for _, tc := range []struct {
		name   string
		counts map[string]int64
		want   bool
	}{
		{"one small entity of six", map[string]int64{"OAX": 15, "GRO": 3, "CDMX": 12, "JAL": 11, "PUE": 10, "VER": 13}, false},
		{"two of three withheld", map[string]int64{"OAX": 15, "GRO": 3, "CDMX": 12}, true},
		{"every entity small, the regions not", map[string]int64{"OAX": 4, "GRO": 7, "CDMX": 6, "PUE": 5}, true},
		{"the regions no better", map[string]int64{"OAX": 4, "GRO": 3, "CDMX": 2, "JAL": 6}, false},
	} {
		r, err := ProtectCoarsened(build(tc.counts), nil, Options{}, c)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if r.Coarsened != tc.want {
			t.Errorf("%s: coarsened %v, want %v", tc.name, r.Coarsened, tc.want)
		}
		checkResult(t, r)
		checkHistory(t, History{r.Release("m1")}, DefaultThreshold)
	}
}

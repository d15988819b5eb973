package risk

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"escudo"
)

func explainOf(t *testing.T, inst *Instrument, a Answers) (Result, Explanation) {
	t.Helper()
	res, err := Evaluate(inst, a)
	if err != nil {
		t.Fatal(err)
	}
	return res, Explain(inst, res)
}

func TestExplainWorkedExample(t *testing.T) {
	inst := Default()
	_, ex := explainOf(t, inst, workedExample())
	// Exposure holds 6 of 19 vulnerability points (32 %); three threats
	// hold 6 of 24 (25 %) each: the first two in the instrument's order
	// come before the third; place (21 %) is left out.
	var top []string
	for _, c := range ex.Top {
		top = append(top, fmt.Sprintf("%s %d", c.Factor, c.Share))
	}
	if want := []string{"exposure 32", "threat_type 25", "threat_source 25"}; !slices.Equal(top, want) {
		t.Errorf("top %v, want %v", top, want)
	}
	// Raising the kind of threat one step gives 27·19·6 ÷ 1540 = 1.998…,
	// still ordinary; one step less of support networks gives
	// 2736 ÷ 1260 = 2.17. Security practices would too, but come later.
	wantUp := Way{Status: Found, Level: escudo.RiskExtraordinary, Steps: 1,
		Changes: []Change{{Factor: "networks", Group: Capacities, From: 2, To: 1, FromStep: 1, ToStep: 0}}}
	if !sameWay(ex.Up, wantUp) {
		t.Errorf("up %+v, want %+v", ex.Up, wantUp)
	}
	if !sameWay(ex.Down, Way{Status: AtLimit}) || ex.Level != escudo.RiskOrdinary {
		t.Errorf("down %+v level %s", ex.Down, ex.Level)
	}
	// The way up does reach the level.
	if got := apply(t, inst, workedExample(), ex.Up); got != escudo.RiskExtraordinary {
		t.Errorf("after the way up: %s", got)
	}
}

func TestExplainDownAndTop(t *testing.T) {
	inst := Default()
	a := workedExample()
	a.Factors = maps.Clone(a.Factors)
	a.Factors["networks"], a.Factors["security_practices"] = 1, 1 // PC = 7: R = 2736 ÷ 980 = 2.79
	res, ex := explainOf(t, inst, a)
	if res.Level != escudo.RiskExtraordinary || res.Value != "2.79" {
		t.Fatalf("%s %s", res.Value, res.Level)
	}
	if ex.Up.Status != AtLimit {
		t.Errorf("up %+v", ex.Up)
	}
	// Down needs R < 2, that is 24·19·6 ÷ (1400 − …): one factor moving
	// alone cannot do it in one step; the search says what can.
	if ex.Down.Status != Found || ex.Down.Level != escudo.RiskOrdinary || len(ex.Down.Changes) == 0 {
		t.Fatalf("down %+v", ex.Down)
	}
	if got := apply(t, inst, a, ex.Down); got != escudo.RiskOrdinary {
		t.Errorf("after the way down: %s", got)
	}
	checkMinimal(t, inst, a, ex.Down, -1)
	t.Logf("down: %+v", ex.Down)
}

// apply moves the answers along w and returns the new level.
func apply(t *testing.T, inst *Instrument, a Answers, w Way) escudo.RiskLevel {
	t.Helper()
	b := a
	b.Factors = maps.Clone(a.Factors)
	for _, c := range w.Changes {
		if b.Factors[c.Factor] != c.From {
			t.Fatalf("change %+v does not start from the answer %d", c, b.Factors[c.Factor])
		}
		b.Factors[c.Factor] = c.To
	}
	res, err := Evaluate(inst, b)
	if err != nil {
		t.Fatal(err)
	}
	return res.Level
}

func sameWay(a, b Way) bool {
	return a.Status == b.Status && a.Level == b.Level && a.Steps == b.Steps && slices.Equal(a.Changes, b.Changes)
}

// brute finds, by trying every answer on the scales, the fewest factors
// and then the fewest steps that move the level in dir; ok is false when
// none does within MaxChanges factors.
func brute(inst *Instrument, a Answers, dir int) (factors, steps int, ok bool) {
	base, _ := Evaluate(inst, a)
	var fs []Factor
	for _, g := range inst.Groups {
		fs = append(fs, g.Factors...)
	}
	b := a
	b.Factors = maps.Clone(a.Factors)
	var walk func(i, nf, ns int)
	walk = func(i, nf, ns int) {
		if nf > MaxChanges {
			return
		}
		if i == len(fs) {
			res := evaluate(inst, b)
			moved := res.Level.Rank() - base.Level.Rank()
			if nf > 0 && (dir > 0 && moved > 0 || dir < 0 && moved < 0) && (!ok || nf < factors || nf == factors && ns < steps) {
				factors, steps, ok = nf, ns, true
			}
			return
		}
		f := fs[i]
		cur := stepIndex(f, a.Factors[f.ID])
		for si, s := range f.Scale {
			b.Factors[f.ID] = s.Value
			d := si - cur
			if d < 0 {
				d = -d
			}
			walk(i+1, nf+min(d, 1), ns+d)
		}
		b.Factors[f.ID] = a.Factors[f.ID]
	}
	walk(0, 0, 0)
	return factors, steps, ok
}

func checkMinimal(t *testing.T, inst *Instrument, a Answers, w Way, dir int) {
	t.Helper()
	nf, ns, ok := brute(inst, a, dir)
	switch {
	case w.Status == AtLimit:
	case !ok:
		if w.Status != OutOfReach {
			t.Errorf("dir %d: brute force finds nothing, search says %+v", dir, w)
		}
	case w.Status != Found || len(w.Changes) != nf || w.Steps != ns:
		t.Errorf("dir %d: search %+v, brute force %d factors %d steps", dir, w, nf, ns)
	default:
		total := 0
		for _, c := range w.Changes {
			total += max(c.ToStep-c.FromStep, c.FromStep-c.ToStep)
		}
		if total != w.Steps {
			t.Errorf("dir %d: steps %d, changes move %d", dir, w.Steps, total)
		}
		base, _ := Evaluate(inst, a)
		if got := apply(t, inst, a, w); (got.Rank()-base.Level.Rank())*dir <= 0 {
			t.Errorf("dir %d: the way does not move the level", dir)
		}
	}
}

// The search finds what trying every combination finds, on instruments
// small enough to try them all, with three levels so both ways exist.
func TestSearchIsMinimal(t *testing.T) {
	inst := tiny(t, [3][][]int64{
		{{0, 1, 2, 3}, {0, 2, 4}},
		{{0, 1, 2, 3}, {0, 1, 3}, {0, 5}},
		{{1, 2, 3, 4}, {1, 3}},
	}, lv(escudo.RiskOrdinary, ""), lv(escudo.RiskExtraordinary, "1.5"), lv(escudo.RiskExtreme, "4"))
	r := rand.New(rand.NewPCG(13, 13))
	seen := map[escudo.RiskLevel]int{}
	for range 300 {
		a := Answers{Instrument: "tiny", Version: 1, Context: tinyContext(), Factors: map[string]int64{}}
		for _, g := range inst.Groups {
			for _, f := range g.Factors {
				a.Factors[f.ID] = f.Scale[r.IntN(len(f.Scale))].Value
			}
		}
		res, ex := explainOf(t, inst, a)
		seen[res.Level]++
		checkMinimal(t, inst, a, ex.Up, +1)
		checkMinimal(t, inst, a, ex.Down, -1)
		if ex.Up.Status == Found && apply(t, inst, a, ex.Up).Rank() <= res.Level.Rank() {
			t.Errorf("%v: up does not raise", a.Factors)
		}
		if ex.Down.Status == Found && apply(t, inst, a, ex.Down).Rank() >= res.Level.Rank() {
			t.Errorf("%v: down does not lower", a.Factors)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("levels seen %v: the sample does not cover every level", seen)
	}
}

// On the default instrument, for many answers: the way reaches the level,
// no smaller set of factors could, and the search always finishes.
func TestSearchOnTheDefaultInstrument(t *testing.T) {
	inst := Default()
	r := rand.New(rand.NewPCG(1, 2))
	found := map[string]int{}
	for range 400 {
		a := randomAnswers(r, inst)
		res, ex := explainOf(t, inst, a)
		for _, w := range []struct {
			way Way
			dir int
		}{{ex.Up, +1}, {ex.Down, -1}} {
			found[w.way.Status]++
			if w.way.Status == Partial {
				t.Fatalf("%v: the search hit its bound", a.Factors)
			}
			if w.way.Status != Found {
				continue
			}
			if got := apply(t, inst, a, w.way); (got.Rank()-res.Level.Rank())*w.dir <= 0 {
				t.Errorf("%v: way %+v leaves %s", a.Factors, w.way, got)
			}
			if n := len(w.way.Changes); n > 1 && reachableWith(inst, res, w.dir, n-1) {
				t.Errorf("%v: %d factors where %d would do", a.Factors, n, n-1)
			}
		}
	}
	if found[Found] == 0 || found[AtLimit] == 0 {
		t.Fatalf("outcomes %v: the sample does not cover them", found)
	}
}

// reachableWith reports whether some set of n factors, each moved as far
// as it goes in dir, moves the level: written apart from the search.
func reachableWith(inst *Instrument, res Result, dir, n int) bool {
	var movable []Change
	for _, c := range res.Factors {
		f, g, _ := inst.Factor(c.Factor)
		to := len(f.Scale) - 1
		if (g == Capacities) == (dir > 0) {
			to = 0
		}
		if to != c.Step {
			movable = append(movable, Change{Factor: c.Factor, FromStep: c.Step, ToStep: to})
		}
	}
	var try func(start int, picked []Change) bool
	try = func(start int, picked []Change) bool {
		if len(picked) == n {
			a := Answers{Instrument: inst.ID, Version: inst.Version, Context: defaultContext(), Factors: map[string]int64{}}
			for _, c := range res.Factors {
				a.Factors[c.Factor] = c.Value
			}
			for _, c := range picked {
				f, _, _ := inst.Factor(c.Factor)
				a.Factors[c.Factor] = f.Scale[c.ToStep].Value
			}
			r := evaluate(inst, a)
			return (r.Level.Rank()-res.Level.Rank())*dir > 0
		}
		for i := start; i < len(movable); i++ {
			if try(i+1, append(picked, movable[i])) {
				return true
			}
		}
		return false
	}
	return try(0, nil)
}

func randomAnswers(r *rand.Rand, inst *Instrument) Answers {
	a := Answers{Instrument: inst.ID, Version: inst.Version, Context: defaultContext(), Factors: map[string]int64{}}
	for _, g := range inst.Groups {
		for _, f := range g.Factors {
			a.Factors[f.ID] = f.Scale[r.IntN(len(f.Scale))].Value
		}
	}
	return a
}

func TestOutOfReachAndPartial(t *testing.T) {
	// Six threats of weights 1 to 6 at 0: R ≥ 905 needs 191 of their 210
	// points, five factors at least, more than MaxChanges.
	six := [][]int64{{0, 10}, {0, 10}, {0, 10}, {0, 10}, {0, 10}, {0, 10}}
	inst := tiny(t, [3][][]int64{six, {{0, 100}}, {{1, 2}}}, lv(escudo.RiskOrdinary, ""), lv(escudo.RiskExtraordinary, "905"))
	a := Answers{Instrument: "tiny", Version: 1, Context: tinyContext(), Factors: map[string]int64{"vulnerabilities_0": 100, "capacities_0": 1}}
	for i := range six {
		a.Factors[fmt.Sprintf("threats_%d", i)] = 0
	}
	_, ex := explainOf(t, inst, a)
	if !sameWay(ex.Up, Way{Status: OutOfReach}) {
		t.Errorf("up %+v", ex.Up)
	}
	// With the four lightest threats at the top (100 points), the two
	// heaviest are needed for 91 more.
	a.Factors["threats_0"], a.Factors["threats_1"], a.Factors["threats_2"], a.Factors["threats_3"] = 10, 10, 10, 10
	_, ex = explainOf(t, inst, a)
	if ex.Up.Status != Found || len(ex.Up.Changes) != 2 || ex.Up.Changes[0].Factor != "threats_4" || ex.Up.Changes[1].Factor != "threats_5" {
		t.Errorf("up %+v", ex.Up)
	}
	// A search cut short says so.
	defer func(b int) { searchBudget = b }(searchBudget)
	searchBudget = 3
	res, _ := Evaluate(inst, a)
	if w := search(inst, res, true); w.Status != Partial {
		t.Errorf("cut short: %+v", w)
	}
	searchBudget = 0
	if w := search(inst, res, true); w.Status != Partial || len(w.Changes) != 0 {
		t.Errorf("no budget: %+v", w)
	}
}

func TestSearchPrefersFewerFactorsThenFewerSteps(t *testing.T) {
	// One threat of weight 1 with steps 0..6 and one of weight 2 with
	// 0..3; V = 1, C = 1; reaching 2 from T = 0 needs 6 points of 3 weight:
	// threats_1 two steps (4 ÷ 3 < 2), three steps (6 ÷ 3 = 2); threats_0
	// alone needs all six. One factor, fewest steps: threats_1 by 3.
	inst := tiny(t, [3][][]int64{{{0, 1, 2, 3, 4, 5, 6}, {0, 1, 2, 3}}, {{0, 1}}, {{1, 2}}}, lv(escudo.RiskOrdinary, ""), lv(escudo.RiskExtraordinary, "2"))
	a := Answers{Instrument: "tiny", Version: 1, Context: tinyContext(), Factors: map[string]int64{"threats_0": 0, "threats_1": 0, "vulnerabilities_0": 1, "capacities_0": 1}}
	_, ex := explainOf(t, inst, a)
	want := Way{Status: Found, Level: escudo.RiskExtraordinary, Steps: 3, Changes: []Change{{Factor: "threats_1", Group: Threats, From: 0, To: 3, FromStep: 0, ToStep: 3}}}
	if !sameWay(ex.Up, want) {
		t.Errorf("up %+v, want %+v", ex.Up, want)
	}
	// From threats_0 at 4 (T = 4 ÷ 3): threats_0 by 2 steps (6 ÷ 3) or
	// threats_1 by 1 step (6 ÷ 3); one step wins.
	a.Factors["threats_0"] = 4
	_, ex = explainOf(t, inst, a)
	want = Way{Status: Found, Level: escudo.RiskExtraordinary, Steps: 1, Changes: []Change{{Factor: "threats_1", Group: Threats, From: 0, To: 1, FromStep: 0, ToStep: 1}}}
	if !sameWay(ex.Up, want) {
		t.Errorf("up %+v, want %+v", ex.Up, want)
	}
	// Down from T = 2 with threats_1 at 3: one step of either suffices;
	// the first in the instrument's order is given.
	a.Factors["threats_0"], a.Factors["threats_1"] = 0, 3
	_, ex = explainOf(t, inst, a)
	want = Way{Status: Found, Level: escudo.RiskOrdinary, Steps: 1, Changes: []Change{{Factor: "threats_1", Group: Threats, From: 3, To: 2, FromStep: 3, ToStep: 2}}}
	if !sameWay(ex.Down, want) {
		t.Errorf("down %+v, want %+v", ex.Down, want)
	}
	// Raising capacities lowers the level: V at 1, T at 2 (threats_1 at 3),
	// capacities 1 → 2 halves R.
	if c := brute1(inst, a); c != 1 {
		t.Errorf("brute force: %d factors", c)
	}
}

func brute1(inst *Instrument, a Answers) int { n, _, _ := brute(inst, a, -1); return n }

func TestSentences(t *testing.T) {
	inst := Default()
	_, ex := explainOf(t, inst, workedExample())
	got := ex.Sentences(inst, "es-MX")
	var keys []string
	for _, s := range got {
		keys = append(keys, s.Key)
	}
	want := []string{"risk.explain.level", "risk.explain.top_intro", "risk.explain.top", "risk.explain.top", "risk.explain.top",
		"risk.explain.up", "risk.explain.change", "risk.explain.lowest"}
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	if got[0].Args["Level"] != "Ordinario" {
		t.Errorf("level %v", got[0].Args)
	}
	if a := got[2].Args; a["Factor"] != "Visibilidad de su labor" || a["Meaning"] != "Señala públicamente a quien amenaza" || a["Group"] != "Vulnerabilidades" || a["Percent"] != int64(32) {
		t.Errorf("top %v", a)
	}
	if a := got[5].Args; a["Level"] != "Extraordinario" {
		t.Errorf("up %v", a)
	}
	if a := got[6].Args; a["Factor"] != "Redes de apoyo" || a["From"] != "Alguna persona de confianza" || a["To"] != "Sin redes de apoyo" {
		t.Errorf("change %v", a)
	}
	en := ex.Sentences(inst, "en")
	if en[6].Args["Factor"] != "Support networks" || en[6].Args["To"] != "No support network" || en[0].Args["Level"] != "Ordinary" {
		t.Errorf("English %v %v", en[0].Args, en[6].Args)
	}
	// The other outcomes have their own sentences.
	for _, tt := range []struct {
		w    Way
		want []string
	}{
		{Way{Status: AtLimit}, []string{"risk.explain.highest"}},
		{Way{Status: OutOfReach}, []string{"risk.explain.up_out_of_reach"}},
		{Way{Status: Partial}, []string{"risk.explain.partial"}},
		{Way{Status: Partial, Level: escudo.RiskExtraordinary, Changes: ex.Up.Changes}, []string{"risk.explain.partial", "risk.explain.up", "risk.explain.change"}},
	} {
		var keys []string
		for _, s := range tt.w.sentences(inst, "en", "risk.explain.up", "risk.explain.highest", "risk.explain.up_out_of_reach") {
			keys = append(keys, s.Key)
		}
		if !slices.Equal(keys, tt.want) {
			t.Errorf("%s: %v, want %v", tt.w.Status, keys, tt.want)
		}
	}
	if s := (Way{Status: OutOfReach}).sentences(inst, "en", "", "", "k"); s[0].Args["Max"] != MaxChanges {
		t.Errorf("out of reach args %v", s[0].Args)
	}
	// No top factors, no introduction.
	if s := (Explanation{Level: escudo.RiskOrdinary, Up: Way{Status: AtLimit}, Down: Way{Status: AtLimit}}).Sentences(inst, "en"); len(s) != 3 || s[1].Key != "risk.explain.highest" || s[2].Key != "risk.explain.lowest" {
		t.Errorf("no top: %v", s)
	}
}

func TestTopLeavesOutCapacitiesAndZeros(t *testing.T) {
	inst := Default()
	a := workedExample()
	a.Factors = maps.Clone(a.Factors)
	for _, id := range []string{"threat_type", "threat_source", "threat_frequency", "threat_recency"} {
		a.Factors[id] = 0
	}
	for _, id := range []string{"place", "isolation", "exposure", "dependants", "gender", "digital_exposure"} {
		a.Factors[id] = 0
	}
	a.Factors["health"] = 3
	_, ex := explainOf(t, inst, a)
	var top []string
	for _, c := range ex.Top {
		top = append(top, fmt.Sprintf("%s %d", c.Factor, c.Share))
	}
	// Only threat_reach and health have points; capacities never count.
	if want := []string{"threat_reach 100", "health 100"}; !slices.Equal(top, want) {
		t.Errorf("top %v, want %v", top, want)
	}
}

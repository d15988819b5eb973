package workload

import (
	"math/rand/v2"
	"testing"
	"time"

	"escudo"
)

var zone = time.FixedZone("CST", -6*3600)

func at(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, zone) }

func TestParsePeriod(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Period
		ok   bool
	}{{"", Month, true}, {"month", Month, true}, {"week", Week, true}, {"day", "", false}, {"Month", "", false}} {
		got, ok := ParsePeriod(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParsePeriod(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestBounds(t *testing.T) {
	now := at(2026, 12, 3) // a Thursday
	m := Bounds(Month, 3, now, zone)
	want := []time.Time{
		time.Date(2026, 10, 1, 0, 0, 0, 0, zone), time.Date(2026, 11, 1, 0, 0, 0, 0, zone),
		time.Date(2026, 12, 1, 0, 0, 0, 0, zone), time.Date(2027, 1, 1, 0, 0, 0, 0, zone)}
	for i := range want {
		if !m[i].Equal(want[i]) {
			t.Errorf("month bound %d = %v, want %v", i, m[i], want[i])
		}
	}
	w := Bounds(Week, 2, now, zone)
	wantW := []time.Time{time.Date(2026, 11, 23, 0, 0, 0, 0, zone), time.Date(2026, 11, 30, 0, 0, 0, 0, zone), time.Date(2026, 12, 7, 0, 0, 0, 0, zone)}
	for i := range wantW {
		if !w[i].Equal(wantW[i]) {
			t.Errorf("week bound %d = %v, want %v", i, w[i], wantW[i])
		}
	}
	// A Monday starts its own week; a Sunday belongs to the week before.
	if b := Bounds(Week, 1, at(2026, 11, 30), zone); !b[0].Equal(wantW[1]) {
		t.Errorf("Monday's week starts %v", b[0])
	}
	if b := Bounds(Week, 1, at(2026, 11, 29), zone); !b[0].Equal(wantW[0]) {
		t.Errorf("Sunday's week starts %v", b[0])
	}
}

func TestFlows(t *testing.T) {
	now := at(2026, 12, 3)
	ev, bd := escudo.StageEvaluation, escudo.StageBoard
	ivs := []Interval{
		{Stage: ev, Enter: at(2025, 6, 1), Exit: at(2026, 2, 10)},  // open at the start, left in February
		{Stage: ev, Enter: at(2025, 6, 1), Exit: at(2025, 12, 20)}, // left before the first month shown
		{Stage: ev, Enter: at(2026, 2, 5), Exit: at(2026, 2, 25)},  // in and out in February
		{Stage: ev, Enter: at(2026, 3, 1)},                         // still there
		{Stage: ev, Enter: at(2026, 12, 2)},                        // arrived this month
		{Stage: bd, Enter: at(2026, 2, 10)},                        // the first one, now before the Board
	}
	flows := Flows(ivs, Month, now, zone)
	if len(flows) != len(Stages) {
		t.Fatalf("%d flows", len(flows))
	}
	e, b := flows[1], flows[2]
	if e.Stage != ev || b.Stage != bd {
		t.Fatalf("stages %s %s", e.Stage, b.Stage)
	}
	if len(e.Buckets) != 12 || !e.Buckets[0].From.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, zone)) {
		t.Fatalf("buckets %d from %v", len(e.Buckets), e.Buckets[0].From)
	}
	type row struct{ arr, comp, stock int }
	want := map[int]row{0: {0, 0, 1}, 1: {1, 2, 0}, 2: {1, 0, 1}, 10: {0, 0, 1}, 11: {1, 0, 2}}
	for i, bk := range e.Buckets {
		w, ok := want[i]
		if !ok {
			w = row{0, 0, e.Buckets[i-1].Stock}
		}
		if bk.Arrivals != w.arr || bk.Completions != w.comp || bk.Stock != w.stock {
			t.Errorf("evaluation month %d: %d in %d out stock %d; want %+v", i, bk.Arrivals, bk.Completions, bk.Stock, w)
		}
	}
	if e.StockAtStart != 1 || e.Open != 2 || e.Arrivals != 3 || e.Completions != 2 {
		t.Errorf("evaluation totals: %+v", e)
	}
	if b.Open != 1 || b.Buckets[1].Arrivals != 1 || b.Buckets[11].Stock != 1 {
		t.Errorf("board: %+v", b)
	}
	// Weeks: 52 of them, the last holding now.
	wf := Flows(ivs, Week, now, zone)
	if n := len(wf[1].Buckets); n != 52 || wf[1].Buckets[51].Arrivals != 1 || wf[1].Buckets[51].Stock != 2 {
		t.Errorf("weekly evaluation: %d buckets, last %+v", n, wf[1].Buckets[n-1])
	}
}

func TestRecent(t *testing.T) {
	now := at(2026, 12, 3) // the week of 30 November is current, not counted
	ev := escudo.StageEvaluation
	ivs := []Interval{
		{Stage: ev, Enter: at(2026, 11, 24), Exit: at(2026, 11, 25)}, // last complete week
		{Stage: ev, Enter: at(2026, 11, 17)},                         // the week before
		{Stage: ev, Enter: at(2026, 12, 1), Exit: at(2026, 12, 2)},   // this week: left out
	}
	arr, comp := Recent(ivs, ev, 3, now, zone)
	if len(arr) != 3 || arr[0] != 0 || arr[1] != 1 || arr[2] != 1 || comp[2] != 1 || comp[1] != 0 {
		t.Errorf("recent: %v %v", arr, comp)
	}
}

func TestProject(t *testing.T) {
	now := at(2026, 12, 3)
	for _, c := range []struct {
		name        string
		in          ForecastInput
		clears      bool
		weeks       [3]int // checked when clears and open
		beyondUpper bool
	}{
		{name: "nothing open", in: ForecastInput{Open: 0, Arrivals: []int{3}, Completions: []int{1}}, clears: true},
		{name: "completions fall short", in: ForecastInput{Open: 10, Arrivals: []int{5, 5}, Completions: []int{4, 5}}},
		{name: "completions only match", in: ForecastInput{Open: 10, Arrivals: []int{5, 3}, Completions: []int{3, 5}}},
		{name: "no recent weeks", in: ForecastInput{Open: 10}},
		{name: "steady pace", in: ForecastInput{Open: 35, Arrivals: []int{2, 2, 2}, Completions: []int{12, 12, 12}}, clears: true, weeks: [3]int{4, 4, 4}},
		{name: "exactly to zero", in: ForecastInput{Open: 30, Arrivals: []int{0}, Completions: []int{10}}, clears: true, weeks: [3]int{3, 3, 3}},
		{name: "slow beyond the horizon", in: ForecastInput{Open: 1000, Arrivals: []int{10, 10}, Completions: []int{10, 11}, Horizon: 52}, clears: true, weeks: [3]int{53, 53, 53}, beyondUpper: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.in.Now, c.in.Seed, c.in.Runs = now, 7, 500
			f := Project(c.in)
			if f.Clears != c.clears {
				t.Fatalf("clears %v, want %v (%+v)", f.Clears, c.clears, f)
			}
			if !c.clears || c.in.Open == 0 {
				if f.HasDates {
					t.Errorf("dates without a clearing stock: %+v", f)
				}
				return
			}
			if f.Weeks != c.weeks {
				t.Errorf("weeks %v, want %v", f.Weeks, c.weeks)
			}
			if f.Beyond[High] != c.beyondUpper {
				t.Errorf("beyond %v", f.Beyond)
			}
			if !c.beyondUpper && !f.Dates[Median].Equal(now.AddDate(0, 0, 7*c.weeks[Median])) {
				t.Errorf("median date %v", f.Dates[Median])
			}
		})
	}
}

func TestProjectIsDeterministicAndOrdered(t *testing.T) {
	in := ForecastInput{Open: 120, Arrivals: []int{8, 3, 12, 0, 6, 9}, Completions: []int{10, 14, 2, 9, 11, 12}, Now: at(2026, 12, 3), Seed: 42}
	a, b := Project(in), Project(in)
	if a != b {
		t.Fatalf("same seed, two forecasts: %+v %+v", a, b)
	}
	if !a.Clears || a.Weeks[Low] > a.Weeks[Median] || a.Weeks[Median] > a.Weeks[High] || a.Weeks[Low] == a.Weeks[High] {
		t.Errorf("interval %v", a.Weeks)
	}
}

// More completions never make the forecast later: adding completions to any
// recent week keeps every percentile where it was or brings it earlier, and
// a stock that cleared still clears.
func TestMoreCompletionsNeverLater(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		n := 1 + rng.IntN(12)
		in := ForecastInput{Open: rng.IntN(300), Arrivals: make([]int, n), Completions: make([]int, n), Now: at(2026, 12, 3), Seed: rng.Uint64(), Runs: 200, Horizon: 104}
		for i := range n {
			in.Arrivals[i], in.Completions[i] = rng.IntN(20), rng.IntN(25)
		}
		more := in
		more.Completions = append([]int(nil), in.Completions...)
		more.Completions[rng.IntN(n)] += 1 + rng.IntN(10)
		a, b := Project(in), Project(more)
		if a.Clears && !b.Clears {
			t.Fatalf("more completions stopped clearing: %+v then %+v", in, more)
		}
		if !a.HasDates || !b.HasDates {
			continue
		}
		for q := range a.Weeks {
			if b.Weeks[q] > a.Weeks[q] {
				t.Fatalf("percentile %d later with more completions: %d > %d (%+v, %+v)", q, b.Weeks[q], a.Weeks[q], in, more)
			}
		}
	}
}

func TestLoads(t *testing.T) {
	officers := []Officer{
		{Name: "Ana", Role: escudo.RoleFollowUp, Cases: 160, People: 150},
		{Name: "Beto", Role: escudo.RoleFollowUp, Cases: 40, People: 38},
		{Name: "Carla", Role: escudo.RoleFollowUp, Cases: 90, People: 90},
		{Name: "Dora", Role: escudo.RoleFollowUp, Cases: 155, People: 100},
		{Name: "Eva", Role: escudo.RoleAnalyst, Cases: 12, People: 12},
		{Name: "Félix", Role: escudo.RoleCoordinator, Cases: 2, People: 2},
		{Name: "Gil", Role: escudo.RoleReception, Cases: 0},
	}
	got := Loads(officers, 155)
	if len(got) != 3 || got[0].Role != escudo.RoleAnalyst || got[1].Role != escudo.RoleFollowUp || got[2].Role != escudo.RoleCoordinator {
		t.Fatalf("roles: %+v", got)
	}
	f := got[1]
	if f.Median != 122.5 || f.Highest != 160 || f.AtOrOver != 2 || f.Cases != 445 || f.People != 378 {
		t.Errorf("follow-up: %+v", f)
	}
	if f.Officers[0].Name != "Ana" || f.Officers[1].Name != "Dora" || f.Officers[3].Name != "Beto" {
		t.Errorf("order: %+v", f.Officers)
	}
	if got[0].Median != 12 || got[0].AtOrOver != 0 {
		t.Errorf("analysts: %+v", got[0])
	}
}

package prevention_test

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/prevention"
)

func TestSurge(t *testing.T) {
	for _, tc := range []struct {
		last  int
		prior []int
		want  bool
	}{
		{4, []int{1, 1, 1, 1}, true},   // 100% more than a mean of 1
		{3, []int{2, 2, 2, 2}, false},  // 50% more
		{2, []int{0, 1, 0, 1}, false},  // mean 0.5: below ACLED's floor of 1
		{10, []int{0, 0, 0, 0}, false}, // no mean: the rule does not apply
		{6, []int{1, 0, 1, 2}, true},
		{8, []int{4, 4, 4, 4}, true},
		{7, []int{4, 4, 4, 4}, false},
	} {
		if got, _ := prevention.Surge(tc.last, tc.prior); got != tc.want {
			t.Errorf("Surge(%d, %v) = %v, want %v", tc.last, tc.prior, got, tc.want)
		}
	}
}

// poissonNaive is the textbook 1 − Σ_{i<k} e^−λ λ^i / i!, good where the
// tail is not tiny.
func poissonNaive(k int, l float64) float64 {
	s, term := 0.0, math.Exp(-l)
	for i := 0; i < k; i++ {
		s += term
		term *= l / float64(i+1)
	}
	return 1 - s
}

func TestPoissonUpper(t *testing.T) {
	for _, tc := range []struct {
		k    int
		l    float64
		want float64
	}{
		{0, 3, 1},
		{1, 0.5, 1 - math.Exp(-0.5)},
		{3, 1, poissonNaive(3, 1)},
		{6, 0.5, poissonNaive(6, 0.5)},
		{10, 10, poissonNaive(10, 10)},
		{150, 100, 1.88421e-06},
		{5, 0, 0},
	} {
		got := prevention.PoissonUpper(tc.k, tc.l)
		if d := math.Abs(got - tc.want); d > 1e-9 && d/tc.want > 1e-5 {
			t.Errorf("PoissonUpper(%d, %v) = %g, want %g", tc.k, tc.l, got, tc.want)
		}
	}
	// A tail far below float64's 1 − P cancellation still has digits.
	if p := prevention.PoissonUpper(40, 1); p <= 0 || p > 1e-40 {
		t.Errorf("PoissonUpper(40, 1) = %g, want a tiny positive number", p)
	}
}

func TestStalled(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		last      time.Time
		concluded bool
		want      bool
	}{
		{now.AddDate(0, 0, -90), false, true},
		{now.AddDate(0, 0, -89), false, false},
		{now.AddDate(0, 0, -400), true, false}, // concluded: no clock
		{time.Time{}, false, false},
	} {
		if got := prevention.Stalled(tc.last, now, tc.concluded, 90); got != tc.want {
			t.Errorf("Stalled(%v, %v) = %v", tc.last, tc.concluded, got)
		}
	}
}

// workedWeeks is the example of docs/prevention.md: 48 weeks with 22
// incidents, then 1, 0, 1, 2, then the tested week with 6.
func workedWeeks() []int {
	w := make([]int, 48)
	for i := 0; i < 22; i++ {
		w[(i*13)%48]++
	}
	return append(w, 1, 0, 1, 2, 6)
}

func TestWorkedExampleOfTheDocs(t *testing.T) {
	a := prevention.Assess(workedWeeks(), prevention.Default)
	if a.Count != 6 || a.Mean4 != 1 || a.Baseline != 0.5 || !a.Surge || !a.Unusual || !a.Warn {
		t.Fatalf("worked example: %+v", a)
	}
	doc, err := os.ReadFile("../../docs/prevention.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("p = %.10f", a.PValue),
		"λ = 26 / 52 = 0.5",
		"mean of the four weeks before = (1 + 0 + 1 + 2) / 4 = 1",
	} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/prevention.md does not say %q", want)
		}
	}
}

func TestAssess(t *testing.T) {
	flat := make([]int, 52)
	for i := range flat {
		flat[i] = 3
	}
	for _, tc := range []struct {
		name  string
		weeks []int
		warn  bool
	}{
		{"first cluster in a quiet area", append(make([]int, 52), 3), true},
		{"two incidents never warn", append(make([]int, 52), 2), false},
		{"a busy area's usual week", append(flat, 4), false},
		{"a busy area's surge", append(flat, 7), true},
		{"too little history for the surge, Poisson still judges", []int{0, 0, 5}, true},
	} {
		if a := prevention.Assess(tc.weeks, prevention.Default); a.Warn != tc.warn {
			t.Errorf("%s: %+v", tc.name, a)
		}
	}
}

func TestWarnings(t *testing.T) {
	week := time.Date(2026, 11, 23, 0, 0, 0, 0, prevention.Zone) // a Monday
	var facts []prevention.Fact
	// A quiet history in Saltillo and Oaxaca, then a cluster in Saltillo.
	for i := 1; i <= 20; i++ {
		facts = append(facts, prevention.Fact{CaseID: 9, Entity: "OAX", Municipality: "Juchitán", At: week.AddDate(0, 0, -7*i*2)})
	}
	for i, c := range []int64{1, 2, 2, 3} {
		facts = append(facts, prevention.Fact{CaseID: c, Entity: "COA", Municipality: "Saltillo", At: week.Add(time.Duration(i+1) * 20 * time.Hour)})
	}
	facts = append(facts, prevention.Fact{CaseID: 5, Entity: "COA", At: week.AddDate(0, 0, 8)}) // next week: not counted
	got := prevention.Warnings(facts, week.AddDate(0, 0, 3), prevention.Default)
	if len(got) != 2 {
		t.Fatalf("warnings: %+v", got)
	}
	if got[0].Area.Level() != "entity" || got[0].Area.Entity != "COA" || got[1].Area.Municipality != "Saltillo" {
		t.Errorf("order: %+v", got)
	}
	if fmt.Sprint(got[1].CaseIDs) != "[1 2 3]" || got[1].Count != 4 || !got[1].WeekStart.Equal(week) {
		t.Errorf("Saltillo: %+v", got[1])
	}
}

func TestBuild(t *testing.T) {
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	facts := []prevention.Fact{
		{Kind: prevention.IncidentThreat, Aggressor: prevention.AggressorOrganised, Entity: "GRO", Municipality: "Chilpancingo", Profile: escudo.ProfileJournalist, At: at},
		{Kind: prevention.IncidentThreat, Aggressor: prevention.AggressorMunicipal, Entity: "GRO", Municipality: "Chilpancingo", Profile: escudo.ProfileDefender, At: at.AddDate(0, 2, 0)},
		{Kind: prevention.IncidentRaid, Aggressor: prevention.AggressorUnknown, Entity: "COA", Profile: escudo.ProfileDefender, At: at},
	}
	p := prevention.Build(facts, prevention.Filter{})
	if p.Total != 3 || p.ByEntity[0] != (prevention.Row{Key: "GRO", Count: 2}) || len(p.ByMunicipality) != 1 || len(p.ByMonth) != 3 || p.ByMonth[1].Count != 0 {
		t.Errorf("patterns: %+v", p)
	}
	p = prevention.Build(facts, prevention.Filter{Profile: escudo.ProfileDefender, Entity: "GRO"})
	if p.Total != 1 || p.ByAggressor[2] != (prevention.Row{Key: "municipal", Count: 1}) {
		t.Errorf("filtered: %+v", p)
	}
}

func TestImpunity(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ent, auth := prevention.Impunity([]prevention.InvestigationFact{
		{Entity: "OAX", Authority: "FGE Oaxaca", LastProgress: now.AddDate(0, 0, -200)},
		{Entity: "OAX", Authority: "FEADLE", LastProgress: now.AddDate(0, 0, -10)},
		{Entity: "COA", Authority: "FEADLE", LastProgress: now.AddDate(0, 0, -100)},
		{Entity: "COA", Authority: "FEADLE", Concluded: true},
	}, now, prevention.Config{})
	if len(ent) != 2 || ent[0] != (prevention.ImpunityRow{Key: "OAX", Open: 2, Stalled: 1, OldestDays: 200}) {
		t.Errorf("by entity: %+v", ent)
	}
	if auth[0] != (prevention.ImpunityRow{Key: "FEADLE", Open: 2, Stalled: 1, Ended: 1, OldestDays: 100}) {
		t.Errorf("by authority: %+v", auth)
	}
}

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		in       string
		from, to string
		ok       bool
	}{
		{"2026", "2026-01-01", "2027-01-01", true},
		{"2026-11", "2026-11-01", "2026-12-01", true},
		{"2026-01-01..2026-03-31", "2026-01-01", "2026-04-01", true},
		{"2026-03-31..2026-01-01", "", "", false},
		{"2026-13", "", "", false},
		{"", "", "", false},
		{"26", "", "", false},
	} {
		from, to, err := prevention.ParsePeriod(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParsePeriod(%q): %v", tc.in, err)
			continue
		}
		if tc.ok && (from.Format("2006-01-02") != tc.from || to.Format("2006-01-02") != tc.to) {
			t.Errorf("ParsePeriod(%q) = %v, %v", tc.in, from, to)
		}
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026", "2026-11", "2026-01-01..2026-03-31", "..", "2026-02-30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		from, to, err := prevention.ParsePeriod(s)
		if err != nil {
			return
		}
		if !from.Before(to) {
			t.Fatalf("%q: empty span %v..%v", s, from, to)
		}
	})
}

func TestConfigCheck(t *testing.T) {
	if err := (prevention.Config{}).Check(); err != nil {
		t.Error(err)
	}
	for _, c := range []prevention.Config{{StallDays: -1}, {HistoryWeeks: 2}, {Alpha: 0.7}, {MinCount: -3}} {
		if c.Check() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

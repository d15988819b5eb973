package prevention

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"escudo"
)

// Fact is what statistics know of one incident: never its description or
// exact place.
type Fact struct {
	CaseID       int64
	Kind         IncidentKind
	Aggressor    AggressorType
	Entity       string
	Municipality string // "" when only the entity is known
	Profile      escudo.Profile
	At           time.Time
}

// Filter narrows the patterns; zero fields do not filter.
type Filter struct {
	Entity    string
	Aggressor AggressorType
	Profile   escudo.Profile
	From, To  time.Time // [From, To)
}

// Keep reports whether f passes the filter.
func (fl Filter) Keep(f Fact) bool {
	return (fl.Entity == "" || f.Entity == fl.Entity) &&
		(fl.Aggressor == "" || f.Aggressor == fl.Aggressor) &&
		(fl.Profile == "" || f.Profile == fl.Profile) &&
		(fl.From.IsZero() || !f.At.Before(fl.From)) &&
		(fl.To.IsZero() || f.At.Before(fl.To))
}

// Row is one line of a pattern's table: a key (an entity code, a
// municipality "ENT/name", an aggressor type, a profile, a kind, a month
// "2006-01") and its count.
type Row struct {
	Key   string
	Count int
}

// Patterns are the counts of the incidents that passed the filter.
type Patterns struct {
	Total          int
	ByEntity       []Row // most first
	ByMunicipality []Row // most first, at most MaxMunicipalities
	ByAggressor    []Row // in the order of AggressorTypes, zero rows kept
	ByProfile      []Row
	ByKind         []Row // in the order of IncidentKinds
	ByMonth        []Row // oldest first, every month of the span
}

// MaxMunicipalities bounds the municipality table.
const MaxMunicipalities = 20

// Build counts the facts that pass the filter.
func Build(facts []Fact, fl Filter) Patterns {
	var p Patterns
	ent, mun, agg, prof, kind, month := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	var first, last time.Time
	for _, f := range facts {
		if !fl.Keep(f) {
			continue
		}
		p.Total++
		ent[f.Entity]++
		if f.Municipality != "" {
			mun[f.Entity+"/"+f.Municipality]++
		}
		agg[string(f.Aggressor)]++
		prof[string(f.Profile)]++
		kind[string(f.Kind)]++
		m := MonthStart(f.At)
		month[m.Format("2006-01")]++
		if first.IsZero() || m.Before(first) {
			first = m
		}
		if m.After(last) {
			last = m
		}
	}
	p.ByEntity = sorted(ent, 0)
	p.ByMunicipality = sorted(mun, MaxMunicipalities)
	for _, a := range AggressorTypes {
		p.ByAggressor = append(p.ByAggressor, Row{string(a), agg[string(a)]})
	}
	for _, pr := range []escudo.Profile{escudo.ProfileDefender, escudo.ProfileJournalist, escudo.ProfileBoth} {
		p.ByProfile = append(p.ByProfile, Row{string(pr), prof[string(pr)]})
	}
	for _, k := range IncidentKinds {
		p.ByKind = append(p.ByKind, Row{string(k), kind[string(k)]})
	}
	for m := first; !first.IsZero() && !m.After(last); m = m.AddDate(0, 1, 0) {
		p.ByMonth = append(p.ByMonth, Row{m.Format("2006-01"), month[m.Format("2006-01")]})
	}
	return p
}

// MonthStart is the first day of t's month, in Zone.
func MonthStart(t time.Time) time.Time {
	t = t.In(Zone)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, Zone)
}

func sorted(m map[string]int, max int) []Row {
	out := make([]Row, 0, len(m))
	for k, n := range m {
		out = append(out, Row{k, n})
	}
	slices.SortFunc(out, func(a, b Row) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}

// Area is where a warning is counted: an entity (Municipality "") or a
// municipality of it.
type Area struct {
	Entity, Municipality string
}

// Level is "entity" or "municipality".
func (a Area) Level() string {
	if a.Municipality == "" {
		return "entity"
	}
	return "municipality"
}

// Warning is an area's week that the rules raise.
type Warning struct {
	Area      Area
	WeekStart time.Time
	Assessment
	CaseIDs []int64 // the cases with incidents in the week, ascending
}

// Warnings assesses every area (each entity and each municipality) for the
// week that starts at week, with the facts of that week and of the
// HistoryWeeks before it, and returns those that warn, entities first.
func Warnings(facts []Fact, week time.Time, c Config) []Warning {
	c = c.WithDefaults()
	week = WeekStart(week)
	from := week.AddDate(0, 0, -7*c.HistoryWeeks)
	n := c.HistoryWeeks + 1
	counts := map[Area][]int{}
	cases := map[Area]map[int64]bool{}
	add := func(a Area, i int, caseID int64) {
		w := counts[a]
		if w == nil {
			w = make([]int, n)
			counts[a] = w
		}
		w[i]++
		if i == n-1 {
			if cases[a] == nil {
				cases[a] = map[int64]bool{}
			}
			cases[a][caseID] = true
		}
	}
	for _, f := range facts {
		if f.At.Before(from) || !f.At.Before(week.AddDate(0, 0, 7)) {
			continue
		}
		i := int(WeekStart(f.At).Sub(from).Hours()+1) / (24 * 7)
		if i < 0 || i >= n {
			continue
		}
		add(Area{Entity: f.Entity}, i, f.CaseID)
		if f.Municipality != "" {
			add(Area{Entity: f.Entity, Municipality: f.Municipality}, i, f.CaseID)
		}
	}
	var out []Warning
	for a, w := range counts {
		if w[n-1] < c.MinCount {
			continue
		}
		as := Assess(w, c)
		if !as.Warn {
			continue
		}
		wr := Warning{Area: a, WeekStart: week, Assessment: as}
		for id := range cases[a] {
			wr.CaseIDs = append(wr.CaseIDs, id)
		}
		slices.Sort(wr.CaseIDs)
		out = append(out, wr)
	}
	slices.SortFunc(out, func(x, y Warning) int {
		if (x.Area.Municipality == "") != (y.Area.Municipality == "") {
			if x.Area.Municipality == "" {
				return -1
			}
			return 1
		}
		if c := strings.Compare(x.Area.Entity, y.Area.Entity); c != 0 {
			return c
		}
		return strings.Compare(x.Area.Municipality, y.Area.Municipality)
	})
	return out
}

// InvestigationFact is what the impunity table knows of an investigation.
type InvestigationFact struct {
	Entity       string
	Authority    string
	Concluded    bool
	LastProgress time.Time
}

// ImpunityRow counts the investigations of one entity or authority.
type ImpunityRow struct {
	Key                  string
	Open, Stalled, Ended int
	OldestDays           int // the longest wait for progress of its open investigations
}

// Impunity counts investigations by entity and by authority, most stalled
// first.
func Impunity(facts []InvestigationFact, now time.Time, c Config) (byEntity, byAuthority []ImpunityRow) {
	c = c.WithDefaults()
	ent, auth := map[string]*ImpunityRow{}, map[string]*ImpunityRow{}
	count := func(m map[string]*ImpunityRow, key string, f InvestigationFact) {
		r := m[key]
		if r == nil {
			r = &ImpunityRow{Key: key}
			m[key] = r
		}
		if f.Concluded {
			r.Ended++
			return
		}
		r.Open++
		if Stalled(f.LastProgress, now, false, c.StallDays) {
			r.Stalled++
		}
		if d := AgeDays(f.LastProgress, now); d > r.OldestDays {
			r.OldestDays = d
		}
	}
	for _, f := range facts {
		count(ent, f.Entity, f)
		count(auth, f.Authority, f)
	}
	return impunitySorted(ent), impunitySorted(auth)
}

func impunitySorted(m map[string]*ImpunityRow) []ImpunityRow {
	out := make([]ImpunityRow, 0, len(m))
	for _, r := range m {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ImpunityRow) int {
		if a.Stalled != b.Stalled {
			return b.Stalled - a.Stalled
		}
		if a.Open != b.Open {
			return b.Open - a.Open
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// String is one line of `escudo warnings check`.
func (w Warning) String() string {
	area := w.Area.Entity
	if w.Area.Municipality != "" {
		area += "/" + w.Area.Municipality
	}
	return fmt.Sprintf("%s\t%s\tweek %s\tcount %d\tmean4 %.2f\tbaseline %.3f\tp %.3g\tsurge %v\tunusual %v\tcases %v",
		w.Area.Level(), area, w.WeekStart.Format("2006-01-02"), w.Count, w.Mean4, w.Baseline, w.PValue, w.Surge, w.Unusual, w.CaseIDs)
}

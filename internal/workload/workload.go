// Package workload counts the flow of cases through the stages of the
// procedure and the load each officer carries, and forecasts when each
// stage's open stock clears at the current pace (docs/workload.md). It is
// pure: intervals and counts in, figures out; no SQL, no HTTP, and the
// forecast is the same for the same seed.
package workload

import (
	"sort"
	"time"

	"escudo"
)

// Interval is one stay of a case in a stage: from the milestone that put it
// there to the one that moved it on (Exit zero while it is still there).
type Interval struct {
	Stage       escudo.Stage
	Enter, Exit time.Time
}

// Open reports whether the case is still in the stage.
func (i Interval) Open() bool { return i.Exit.IsZero() }

// Stages are the stages whose flow is counted: every stage a case can be
// waiting in, closed aside.
var Stages = []escudo.Stage{escudo.StageReception, escudo.StageEvaluation, escudo.StageBoard, escudo.StageImplementation, escudo.StageFollowUp}

// ValidStage reports whether s is one of Stages.
func ValidStage(s escudo.Stage) bool {
	for _, x := range Stages {
		if x == s {
			return true
		}
	}
	return false
}

// Period is the length of the periods the flows are counted in.
type Period string

const (
	Week  Period = "week"  // Monday to Sunday
	Month Period = "month" // a calendar month
)

// ParsePeriod reads a period length; "" is Month.
func ParsePeriod(s string) (Period, bool) {
	switch Period(s) {
	case "", Month:
		return Month, true
	case Week:
		return Week, true
	}
	return "", false
}

// Span is how many periods of each length cover the last twelve months,
// the current one included.
func (p Period) Span() int {
	if p == Week {
		return 52
	}
	return 12
}

// Bucket is one period of a stage's flow: the cases that entered the stage
// in it, those that left it, and the open stock at its end (for the current
// period, now).
type Bucket struct {
	From, To                     time.Time
	Arrivals, Completions, Stock int
}

// StageFlow is a stage's flow over the periods shown.
type StageFlow struct {
	Stage        escudo.Stage
	StockAtStart int // open at the start of the first period
	Buckets      []Bucket
	Arrivals     int // over all the periods
	Completions  int
	Open         int // open now
}

// Bounds returns the starts of the n periods of length p that end with the
// one holding now, in loc, and the end of the last: n+1 instants.
func Bounds(p Period, n int, now time.Time, loc *time.Location) []time.Time {
	t := now.In(loc)
	var start time.Time
	if p == Week {
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		back := (int(day.Weekday()) + 6) % 7 // days since Monday
		start = day.AddDate(0, 0, -back)
	} else {
		start = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	}
	out := make([]time.Time, n+1)
	for i := 0; i <= n; i++ {
		k := i - (n - 1)
		if p == Week {
			out[i] = start.AddDate(0, 0, 7*k)
		} else {
			out[i] = start.AddDate(0, k, 0)
		}
	}
	return out
}

// counts tallies, for one stage, the arrivals and completions in each
// period between consecutive bounds and the stock at the first bound.
func counts(ivs []Interval, stage escudo.Stage, bounds []time.Time) (arr, comp []int, start int) {
	n := len(bounds) - 1
	arr, comp = make([]int, n), make([]int, n)
	if n < 1 {
		return arr, comp, 0
	}
	find := func(t time.Time) int { // the period holding t, or -1
		if t.Before(bounds[0]) || !t.Before(bounds[n]) {
			return -1
		}
		return sort.Search(n, func(i int) bool { return bounds[i+1].After(t) })
	}
	for _, iv := range ivs {
		if iv.Stage != stage {
			continue
		}
		if iv.Enter.Before(bounds[0]) && (iv.Open() || !iv.Exit.Before(bounds[0])) {
			start++
		}
		if i := find(iv.Enter); i >= 0 {
			arr[i]++
		}
		if !iv.Open() {
			if i := find(iv.Exit); i >= 0 {
				comp[i]++
			}
		}
	}
	return arr, comp, start
}

// Flows counts each of Stages' arrivals, completions and stock per period
// over the span of p ending now. A stay entered and left in the same
// period counts in both.
func Flows(ivs []Interval, p Period, now time.Time, loc *time.Location) []StageFlow {
	bounds := Bounds(p, p.Span(), now, loc)
	out := make([]StageFlow, 0, len(Stages))
	for _, st := range Stages {
		arr, comp, start := counts(ivs, st, bounds)
		f := StageFlow{Stage: st, StockAtStart: start}
		stock := start
		for i := range arr {
			stock += arr[i] - comp[i]
			f.Buckets = append(f.Buckets, Bucket{From: bounds[i], To: bounds[i+1], Arrivals: arr[i], Completions: comp[i], Stock: stock})
			f.Arrivals += arr[i]
			f.Completions += comp[i]
		}
		for _, iv := range ivs {
			if iv.Stage == st && iv.Open() && !iv.Enter.After(now) {
				f.Open++
			}
		}
		out = append(out, f)
	}
	return out
}

// RecentWeeks is how many complete weeks before now make the current pace.
const RecentWeeks = 12

// Recent returns a stage's arrivals and completions in each of the weeks
// complete weeks before the one holding now: the pace the forecast
// resamples.
func Recent(ivs []Interval, stage escudo.Stage, weeks int, now time.Time, loc *time.Location) (arr, comp []int) {
	b := Bounds(Week, weeks+1, now, loc)
	arr, comp, _ = counts(ivs, stage, b[:weeks+1])
	return arr, comp
}

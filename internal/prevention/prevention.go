// Package prevention holds the rules of prevention and early warning
// (issue 15, items 5-6; docs/prevention.md): the impunity clock of
// investigations, ACLED's surge rule, a Poisson test of a week's count
// against the area's own history, and the patterns of aggression counted
// by entity, municipality, aggressor, kind of beneficiary and period. Pure
// Go over the domain: the store gathers the facts, these functions decide.
package prevention

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Config is the configuration of the rules. The zero value of a field
// takes its default (Default).
type Config struct {
	// StallDays: an open investigation without progress for this many
	// days is stalled (the impunity clock).
	StallDays int `json:"stall_days"`
	// HistoryWeeks: how many weeks before the tested week are the area's
	// own history for the Poisson test.
	HistoryWeeks int `json:"history_weeks"`
	// Alpha: the significance level of the Poisson test.
	Alpha float64 `json:"alpha"`
	// MinCount: fewer incidents than this in a week never raise a warning.
	MinCount int `json:"min_count"`
}

// Default is the configuration an installation starts with.
var Default = Config{StallDays: 90, HistoryWeeks: 52, Alpha: 0.01, MinCount: 3}

// WithDefaults fills the zero fields.
func (c Config) WithDefaults() Config {
	if c.StallDays == 0 {
		c.StallDays = Default.StallDays
	}
	if c.HistoryWeeks == 0 {
		c.HistoryWeeks = Default.HistoryWeeks
	}
	if c.Alpha == 0 {
		c.Alpha = Default.Alpha
	}
	if c.MinCount == 0 {
		c.MinCount = Default.MinCount
	}
	return c
}

// Check refuses a configuration that cannot work.
func (c Config) Check() error {
	c = c.WithDefaults()
	switch {
	case c.StallDays < 1 || c.StallDays > 3650:
		return fmt.Errorf("prevention: stall_days %d: between 1 and 3650", c.StallDays)
	case c.HistoryWeeks < 4 || c.HistoryWeeks > 520:
		return fmt.Errorf("prevention: history_weeks %d: between 4 and 520", c.HistoryWeeks)
	case c.Alpha <= 0 || c.Alpha >= 0.5:
		return fmt.Errorf("prevention: alpha %v: above 0 and below 0.5", c.Alpha)
	case c.MinCount < 1:
		return fmt.Errorf("prevention: min_count %d: at least 1", c.MinCount)
	}
	return nil
}

// Stalled reports whether an open investigation whose last progress was
// at last has gone stallDays without any, at now.
func Stalled(last, now time.Time, concluded bool, stallDays int) bool {
	if concluded || last.IsZero() {
		return false
	}
	return now.Sub(last) >= time.Duration(stallDays)*24*time.Hour
}

// AgeDays is the whole days since last progress.
func AgeDays(last, now time.Time) int {
	if now.Before(last) {
		return 0
	}
	return int(now.Sub(last) / (24 * time.Hour))
}

// Surge is ACLED's Surge Tracker rule: the last week has at least 100%
// more events than the mean of the four weeks before it, counted only
// where that mean is at least 1. prior holds the four weeks, oldest first.
func Surge(last int, prior []int) (bool, float64) {
	if len(prior) == 0 {
		return false, 0
	}
	sum := 0
	for _, n := range prior {
		sum += n
	}
	mean := float64(sum) / float64(len(prior))
	return mean >= 1 && float64(last) >= 2*mean, mean
}

// PoissonUpper is P(X ≥ k) for X ~ Poisson(lambda), summed exactly in log
// space from k upwards (the terms fall off quickly past lambda), so that
// small tails keep their digits instead of vanishing in 1 − P(X < k).
func PoissonUpper(k int, lambda float64) float64 {
	if k <= 0 {
		return 1
	}
	if lambda <= 0 {
		return 0
	}
	logTerm := func(i int) float64 {
		lg, _ := math.Lgamma(float64(i) + 1)
		return float64(i)*math.Log(lambda) - lambda - lg
	}
	// The mode of the tail is max(k, floor(lambda)); sum relative to it.
	top := k
	if m := int(lambda); m > k {
		top = m
	}
	peak := logTerm(top)
	s := 0.0
	for i := k; ; i++ {
		t := logTerm(i) - peak
		s += math.Exp(t)
		if i > top && t < -40 {
			break
		}
		if i-k > 1_000_000 {
			break
		}
	}
	p := math.Exp(peak + math.Log(s))
	if p > 1 {
		p = 1
	}
	return p
}

// Baseline is the mean weekly count of an area's history, floored at
// half an event over the whole history so that an area with no incidents
// before still has a finite, tiny expectation (a first cluster there is
// unusual, not impossible).
func Baseline(history []int) float64 {
	if len(history) == 0 {
		return 0.5
	}
	sum := 0
	for _, n := range history {
		sum += n
	}
	floor := 0.5 / float64(len(history))
	return math.Max(float64(sum)/float64(len(history)), floor)
}

// Assessment is the verdict on one area's week.
type Assessment struct {
	Count    int
	Mean4    float64 // of the four weeks before
	Baseline float64 // the history's mean weekly count
	PValue   float64
	Surge    bool // ACLED's rule
	Unusual  bool // PValue below Alpha
	Warn     bool // Count ≥ MinCount and (Surge or Unusual)
}

// Assess judges the last element of weeks (the tested week) against the
// weeks before it (oldest first): the four just before for the surge rule,
// the last HistoryWeeks for the Poisson test.
func Assess(weeks []int, c Config) Assessment {
	c = c.WithDefaults()
	if len(weeks) == 0 {
		return Assessment{PValue: 1}
	}
	last := weeks[len(weeks)-1]
	hist := weeks[:len(weeks)-1]
	if len(hist) > c.HistoryWeeks {
		hist = hist[len(hist)-c.HistoryWeeks:]
	}
	prior := hist
	if len(prior) > 4 {
		prior = prior[len(prior)-4:]
	}
	a := Assessment{Count: last}
	a.Surge, a.Mean4 = Surge(last, prior)
	if len(prior) < 4 {
		a.Surge = false // the rule needs four weeks of history
	}
	a.Baseline = Baseline(hist)
	a.PValue = PoissonUpper(last, a.Baseline)
	a.Unusual = a.PValue < c.Alpha
	a.Warn = last >= c.MinCount && (a.Surge || a.Unusual)
	return a
}

// Zone is the time zone weeks and months are counted in: central Mexico,
// without daylight saving since 2022.
var Zone = time.FixedZone("CST", -6*3600)

// WeekStart is the Monday 00:00 (Zone) of the week holding t.
func WeekStart(t time.Time) time.Time {
	t = t.In(Zone)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Zone)
	wd := (int(d.Weekday()) + 6) % 7 // Monday 0
	return d.AddDate(0, 0, -wd)
}

// ErrPeriod is a period that is not YYYY, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD.
var ErrPeriod = errors.New("prevention: period")

// ParsePeriod reads a filter's period: a year ("2026"), a month
// ("2026-11") or a span of days ("2026-01-01..2026-03-31", both included),
// as [from, to) in Zone.
func ParsePeriod(s string) (from, to time.Time, err error) {
	if i := indexDots(s); i >= 0 {
		a, err1 := time.ParseInLocation("2006-01-02", s[:i], Zone)
		b, err2 := time.ParseInLocation("2006-01-02", s[i+2:], Zone)
		if err1 != nil || err2 != nil || b.Before(a) {
			return time.Time{}, time.Time{}, ErrPeriod
		}
		return a, b.AddDate(0, 0, 1), nil
	}
	switch len(s) {
	case 4:
		t, err := time.ParseInLocation("2006", s, Zone)
		if err != nil {
			return time.Time{}, time.Time{}, ErrPeriod
		}
		return t, t.AddDate(1, 0, 0), nil
	case 7:
		t, err := time.ParseInLocation("2006-01", s, Zone)
		if err != nil {
			return time.Time{}, time.Time{}, ErrPeriod
		}
		return t, t.AddDate(0, 1, 0), nil
	}
	return time.Time{}, time.Time{}, ErrPeriod
}

func indexDots(s string) int {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == '.' {
			return i
		}
	}
	return -1
}

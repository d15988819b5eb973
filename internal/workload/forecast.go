package workload

import (
	"math/rand/v2"
	"sort"
	"time"
)

// Forecast defaults: runs of the resampling and how far ahead it looks.
const (
	DefaultRuns    = 2000
	DefaultHorizon = 260 // weeks: five years
)

// ForecastInput is a stage's open stock now and its recent weekly flows.
type ForecastInput struct {
	Open                  int
	Arrivals, Completions []int // one per recent week, the same length
	Now                   time.Time
	Seed                  uint64
	Runs, Horizon         int // zero: DefaultRuns, DefaultHorizon
}

// Forecast is when a stage's open stock clears at the current pace.
type Forecast struct {
	// Clears: completions outran arrivals over the recent weeks (or nothing
	// is open). Without it there is no date: the stock does not clear at
	// this pace.
	Clears   bool
	Empty    bool    // nothing is open now
	NetWeek  float64 // mean completions minus arrivals per recent week
	Weeks    [3]int  // the 10th, 50th and 90th percentile of the weeks to clear; > Horizon: not within it
	Dates    [3]time.Time
	Beyond   [3]bool // that percentile falls after the horizon
	Horizon  int
	Runs     int
	Cleared  float64 // share of the runs that cleared within the horizon
	HasDates bool    // Clears and something is open
}

// Quantiles of the forecast's interval and its median.
const (
	Low, Median, High = 0, 1, 2
)

// Project resamples the recent weeks: each run starts from the open stock
// and, week after week, adds the arrivals and takes away the completions of
// one recent week drawn at random (with replacement, the week's pair kept
// together, so a busy week's arrivals and completions stay matched), until
// the stock reaches zero or the horizon. The median of the runs' weeks is
// the forecast; its 10th and 90th percentiles bound the 80% interval. Each
// run draws from its own generator seeded by (Seed, run), so adding
// completions to any recent week can only bring a run's end earlier: the
// same draws, a lower stock at every week.
func Project(in ForecastInput) Forecast {
	runs, horizon := in.Runs, in.Horizon
	if runs <= 0 {
		runs = DefaultRuns
	}
	if horizon <= 0 {
		horizon = DefaultHorizon
	}
	f := Forecast{Horizon: horizon, Runs: runs}
	n := min(len(in.Arrivals), len(in.Completions))
	net := 0
	for i := range n {
		net += in.Completions[i] - in.Arrivals[i]
	}
	if n > 0 {
		f.NetWeek = float64(net) / float64(n)
	}
	if in.Open <= 0 {
		f.Clears, f.Empty, f.Cleared = true, true, 1
		for q := range f.Dates {
			f.Dates[q] = in.Now
		}
		return f
	}
	if n == 0 || net <= 0 {
		return f
	}
	f.Clears, f.HasDates = true, true
	weeks := make([]int, runs)
	cleared := 0
	for r := range runs {
		rng := rand.New(rand.NewPCG(in.Seed, uint64(r))) // #nosec G404 -- a seeded, repeatable simulation, no secret
		stock, w := in.Open, horizon+1
		for k := 1; k <= horizon; k++ {
			j := rng.IntN(n)
			stock += in.Arrivals[j] - in.Completions[j]
			if stock <= 0 {
				w = k
				cleared++
				break
			}
		}
		weeks[r] = w
	}
	sort.Ints(weeks)
	f.Cleared = float64(cleared) / float64(runs)
	for q, p := range []float64{0.1, 0.5, 0.9} {
		w := weeks[nearestRank(p, runs)]
		f.Weeks[q] = w
		f.Beyond[q] = w > horizon
		f.Dates[q] = in.Now.AddDate(0, 0, 7*min(w, horizon))
	}
	return f
}

// nearestRank is the index of the p-th quantile of n sorted values.
func nearestRank(p float64, n int) int {
	i := int(p*float64(n)+0.999999) - 1
	return max(0, min(n-1, i))
}

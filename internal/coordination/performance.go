package coordination

import (
	"slices"
	"time"
)

// RequestFact is what the performance figures count of one request: no
// case data, only its agency, the case's federal entity, its kind, status
// and times.
type RequestFact struct {
	AgencyID     int64
	Entity       string
	Kind         RequestKind
	Status       RequestStatus
	SentAt       time.Time
	Deadline     time.Time
	Acknowledged time.Time // zero: not acknowledged
	Completed    time.Time // zero: not completed
}

// Performance is one row of the agency performance table: an agency, or a
// federal entity when AgencyID is 0.
type Performance struct {
	AgencyID int64
	Entity   string
	Sent     int
	// Acknowledged and Completed count the requests that reached that
	// step (a completed request was acknowledged, by whatever means).
	Acknowledged int
	Completed    int
	// Overdue: open past the deadline now. Late: completed after it.
	Overdue int
	Late    int
	// Times from sending to acknowledgement and to completion: median
	// and 90th percentile (nearest rank), zero when none.
	AckMedian, AckP90   time.Duration
	DoneMedian, DoneP90 time.Duration
}

// OnTimeShare is the share of the completed requests completed by their
// deadline, from 0 to 1 (1 with none completed).
func (p Performance) OnTimeShare() float64 {
	if p.Completed == 0 {
		return 1
	}
	return float64(p.Completed-p.Late) / float64(p.Completed)
}

// Tally groups facts per agency and per federal entity, counting
// cancelled requests out. Rows come in the order of first appearance; the
// caller sorts them for display.
func Tally(facts []RequestFact, now time.Time) (byAgency, byEntity []Performance) {
	type acc struct {
		p         Performance
		ack, done []time.Duration
	}
	agencies, entities := map[int64]*acc{}, map[string]*acc{}
	var aOrder []int64
	var eOrder []string
	for _, f := range facts {
		if f.Status == RequestCancelled {
			continue
		}
		a := agencies[f.AgencyID]
		if a == nil {
			a = &acc{p: Performance{AgencyID: f.AgencyID}}
			agencies[f.AgencyID] = a
			aOrder = append(aOrder, f.AgencyID)
		}
		e := entities[f.Entity]
		if e == nil {
			e = &acc{p: Performance{Entity: f.Entity}}
			entities[f.Entity] = e
			eOrder = append(eOrder, f.Entity)
		}
		for _, x := range []*acc{a, e} {
			x.p.Sent++
			if !f.Acknowledged.IsZero() {
				x.p.Acknowledged++
				x.ack = append(x.ack, f.Acknowledged.Sub(f.SentAt))
			}
			if !f.Completed.IsZero() {
				x.p.Completed++
				x.done = append(x.done, f.Completed.Sub(f.SentAt))
				if f.Completed.After(f.Deadline) {
					x.p.Late++
				}
			} else if f.Status.Open() && now.After(f.Deadline) {
				x.p.Overdue++
			}
		}
	}
	finish := func(x *acc) Performance {
		x.p.AckMedian, x.p.AckP90 = Percentile(x.ack, 50), Percentile(x.ack, 90)
		x.p.DoneMedian, x.p.DoneP90 = Percentile(x.done, 50), Percentile(x.done, 90)
		return x.p
	}
	for _, id := range aOrder {
		byAgency = append(byAgency, finish(agencies[id]))
	}
	for _, e := range eOrder {
		byEntity = append(byEntity, finish(entities[e]))
	}
	return byAgency, byEntity
}

// Percentile is the nearest-rank q-th percentile (0 < q ≤ 100) of ds,
// sorting ds in place; zero for none.
func Percentile(ds []time.Duration, q int) time.Duration {
	if len(ds) == 0 || q <= 0 {
		return 0
	}
	slices.Sort(ds)
	rank := (q*len(ds) + 99) / 100 // ceil(q/100 · n)
	return ds[min(max(rank, 1), len(ds))-1]
}

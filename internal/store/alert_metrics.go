package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"time"

	"escudo"
)

// Response targets from alarm-processing practice: 90% of alerts
// acknowledged within 15 s and dispatched within 64 s.
const (
	AckTarget      = 15 * time.Second
	DispatchTarget = 64 * time.Second
	TargetShare    = 0.90
)

// ResponseFilter selects the alerts whose response times are measured: those
// received in [From, To). Tests and drills are left out unless asked for.
type ResponseFilter struct {
	From, To     time.Time
	Entity       string
	IncludeTests bool
}

// DurationStats summarises one step's durations.
type DurationStats struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_seconds"`
	P90   float64 `json:"p90_seconds"`
	P99   float64 `json:"p99_seconds"`
	Max   float64 `json:"max_seconds"`
}

// ResponseStats are the response times of one group of alerts. Entity ""
// is every entity; Agency is set on rows grouped by dispatching agency.
type ResponseStats struct {
	Entity      string        `json:"federal_entity,omitempty"`
	Agency      string        `json:"agency,omitempty"`
	Alerts      int           `json:"alerts"`
	Acknowledge DurationStats `json:"acknowledge"`
	Dispatch    DurationStats `json:"dispatch"`
	Resolve     DurationStats `json:"resolve"`
	// Share of the alerts that could have met the target by now (received
	// at least the target's time ago) that did; -1 with none.
	AckWithinTarget      float64 `json:"ack_within_target"`
	DispatchWithinTarget float64 `json:"dispatch_within_target"`
	AckTargetMet         bool    `json:"ack_target_met"`
	DispatchTargetMet    bool    `json:"dispatch_target_met"`
}

// ResponseReport is the response-time report for a period.
type ResponseReport struct {
	From           time.Time       `json:"from"`
	To             time.Time       `json:"to"`
	AckTarget      float64         `json:"ack_target_seconds"`
	DispatchTarget float64         `json:"dispatch_target_seconds"`
	TargetShare    float64         `json:"target_share"`
	Total          ResponseStats   `json:"total"`
	Entities       []ResponseStats `json:"entities"`
	Agencies       []ResponseStats `json:"agencies"`
}

// responseSample is one alert's timings.
type responseSample struct {
	entity, agency                string
	received                      int64
	acked, dispatched, resolvedAt sql.NullInt64
}

// ResponseTimes computes time to acknowledge, to dispatch and to resolve,
// measured from reception, for every entity and for every entity and
// dispatching agency, with the share meeting the targets.
func (db *DB) ResponseTimes(ctx context.Context, f ResponseFilter) (*ResponseReport, error) {
	now := db.Now()
	if f.To.IsZero() {
		f.To = now
	}
	if f.From.IsZero() {
		f.From = f.To.AddDate(0, 0, -30)
	}
	q := `SELECT entity, agency, received_at, acknowledged_at, dispatched_at, resolved_at FROM alerts WHERE received_at >= ? AND received_at < ?`
	args := []any{micros(f.From), micros(f.To)}
	if f.Entity != "" {
		q += ` AND entity = ?`
		args = append(args, f.Entity)
	}
	if !f.IncludeTests {
		q += ` AND type <> ? AND source <> ?`
		args = append(args, string(escudo.AlertTest), string(escudo.SourceDrill))
	}
	rows, err := db.readQuery(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: response times: %w", err)
	}
	defer rows.Close()
	var samples []responseSample
	for rows.Next() {
		var s responseSample
		if err := rows.Scan(&s.entity, &s.agency, &s.received, &s.acked, &s.dispatched, &s.resolvedAt); err != nil {
			return nil, err
		}
		samples = append(samples, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	r := &ResponseReport{From: f.From, To: f.To, AckTarget: AckTarget.Seconds(), DispatchTarget: DispatchTarget.Seconds(), TargetShare: TargetShare}
	nowUS := micros(now)
	r.Total = summarise("", "", samples, nowUS)
	byEntity := map[string][]responseSample{}
	byAgency := map[[2]string][]responseSample{}
	for _, s := range samples {
		byEntity[s.entity] = append(byEntity[s.entity], s)
		if s.dispatched.Valid {
			k := [2]string{s.entity, s.agency}
			byAgency[k] = append(byAgency[k], s)
		}
	}
	for e, ss := range byEntity {
		r.Entities = append(r.Entities, summarise(e, "", ss, nowUS))
	}
	for k, ss := range byAgency {
		r.Agencies = append(r.Agencies, summarise(k[0], k[1], ss, nowUS))
	}
	sort.Slice(r.Entities, func(i, j int) bool { return r.Entities[i].Entity < r.Entities[j].Entity })
	sort.Slice(r.Agencies, func(i, j int) bool {
		a, b := r.Agencies[i], r.Agencies[j]
		return a.Entity < b.Entity || a.Entity == b.Entity && a.Agency < b.Agency
	})
	return r, nil
}

func summarise(entity, agency string, ss []responseSample, now int64) ResponseStats {
	st := ResponseStats{Entity: entity, Agency: agency, Alerts: len(ss)}
	var ack, disp, res []int64
	var ackDue, ackMet, dispDue, dispMet int
	for _, s := range ss {
		if s.acked.Valid {
			ack = append(ack, s.acked.Int64-s.received)
		}
		if s.dispatched.Valid {
			disp = append(disp, s.dispatched.Int64-s.received)
		}
		if s.resolvedAt.Valid {
			res = append(res, s.resolvedAt.Int64-s.received)
		}
		// An alert counts once it has met the target or the target has passed.
		if s.acked.Valid && s.acked.Int64-s.received <= AckTarget.Microseconds() {
			ackDue++
			ackMet++
		} else if s.acked.Valid || now-s.received > AckTarget.Microseconds() {
			ackDue++
		}
		if s.dispatched.Valid && s.dispatched.Int64-s.received <= DispatchTarget.Microseconds() {
			dispDue++
			dispMet++
		} else if s.dispatched.Valid || now-s.received > DispatchTarget.Microseconds() {
			dispDue++
		}
	}
	st.Acknowledge, st.Dispatch, st.Resolve = durationStats(ack), durationStats(disp), durationStats(res)
	st.AckWithinTarget, st.DispatchWithinTarget = share(ackMet, ackDue), share(dispMet, dispDue)
	st.AckTargetMet = ackDue > 0 && st.AckWithinTarget >= TargetShare
	st.DispatchTargetMet = dispDue > 0 && st.DispatchWithinTarget >= TargetShare
	return st
}

func share(met, due int) float64 {
	if due == 0 {
		return -1
	}
	return float64(met) / float64(due)
}

// durationStats uses the nearest-rank percentile: the value below which the
// given share of the durations lie, always one that was observed.
func durationStats(us []int64) DurationStats {
	if len(us) == 0 {
		return DurationStats{}
	}
	slices.Sort(us)
	rank := func(p float64) float64 {
		i := int(p*float64(len(us))+0.999999999) - 1
		i = max(0, min(i, len(us)-1))
		return float64(max(us[i], 0)) / 1e6
	}
	return DurationStats{Count: len(us), P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: float64(max(us[len(us)-1], 0)) / 1e6}
}

// ResponseEvent is one handled step of an alert, for the metrics collector.
type ResponseEvent struct {
	Entity, Agency string
	Step           string // "acknowledge", "dispatch", "resolve", "notify"
	Seconds        float64
	Test           bool
}

// ResponseEventsBetween returns the steps that happened in [from, to), so a
// collector can turn them into histograms without touching the alert path.
func (db *DB) ResponseEventsBetween(ctx context.Context, from, to time.Time) ([]ResponseEvent, error) {
	var out []ResponseEvent
	for _, step := range []struct{ name, col string }{
		{"acknowledge", "acknowledged_at"}, {"dispatch", "dispatched_at"}, {"resolve", "resolved_at"}, {"notify", "first_notified_at"},
	} {
		q := `SELECT entity, agency, type, source, received_at, ` + step.col + ` FROM alerts WHERE ` + step.col + ` >= ? AND ` + step.col + ` < ?`
		rows, err := db.readQuery(ctx, q, micros(from), micros(to))
		if err != nil {
			return nil, fmt.Errorf("store: response events: %w", err)
		}
		for rows.Next() {
			var e ResponseEvent
			var typ, source string
			var received, at int64
			if err := rows.Scan(&e.Entity, &e.Agency, &typ, &source, &received, &at); err != nil {
				rows.Close()
				return nil, err
			}
			e.Step, e.Seconds = step.name, float64(max(at-received, 0))/1e6
			e.Test = typ == string(escudo.AlertTest) || source == string(escudo.SourceDrill)
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"escudo"
	"escudo/internal/calibration"
)

// The calibration report (docs/risk.md): submitted evaluations' levels by
// analyst, federal entity, gender, ethnic identity and profile. Gender,
// ethnic identity and entity come from the evaluation's sealed
// calibration_enc (the entity sealed there at submission, as the person's
// entity is sealed in people: together with the level and dates it could
// single a person out in a stolen database), opened here only to count.

// CalibrationFilter narrows the report: submitted in [From, To) (zero for
// open ends) and of one kind (empty for both).
type CalibrationFilter struct {
	From, To time.Time
	Kind     escudo.EvaluationKind
}

// CalibrationGroup is one row of a breakdown: Key is the analyst's id, or
// the option id of the entity, gender, ethnic identity or profile ("" when
// not recorded). A suppressed group (fewer than calibration.MinCell
// evaluations in a breakdown other than the analysts') shows no figures.
type CalibrationGroup struct {
	Key           string
	Name          string // the analyst's name; empty for other breakdowns
	Count         int
	High, Extreme int     // at extraordinary or above; at extremo
	MedianDays    float64 // request received → submission
	HasMedian     bool
	Suppressed    bool
	Test          calibration.Result // analysts only
}

// Share is the group's share of extraordinary-or-above, 0 to 1.
func (g CalibrationGroup) Share() float64 {
	if g.Count == 0 {
		return 0
	}
	return float64(g.High) / float64(g.Count)
}

// CalibrationReport is the whole report.
type CalibrationReport struct {
	Total                                    CalibrationGroup
	Analysts                                 []CalibrationGroup
	Entities, Genders, Ethnicities, Profiles []CalibrationGroup
}

type calibrationAcc struct {
	g     CalibrationGroup
	times []float64
}

func (a *calibrationAcc) add(level escudo.RiskLevel, days float64) {
	a.g.Count++
	if level.Rank() >= escudo.RiskExtraordinary.Rank() {
		a.g.High++
	}
	if level == escudo.RiskExtreme {
		a.g.Extreme++
	}
	a.times = append(a.times, days)
}

func (a *calibrationAcc) done(suppress bool) CalibrationGroup {
	a.g.MedianDays, a.g.HasMedian = calibration.Median(a.times)
	if suppress && a.g.Count < calibration.MinCell {
		a.g = CalibrationGroup{Key: a.g.Key, Suppressed: true}
	}
	return a.g
}

// CalibrationReport counts the submitted evaluations f selects.
func (db *DB) CalibrationReport(ctx context.Context, f CalibrationFilter) (*CalibrationReport, error) {
	q := `SELECT e.analyst_id, u.display_name, e.level, e.submitted_at, c.received_at, e.calibration_enc
		FROM risk_evaluations e JOIN cases c ON c.id = e.case_id LEFT JOIN users u ON u.id = e.analyst_id
		WHERE e.state = ?`
	args := []any{string(escudo.StateSubmitted)}
	if !f.From.IsZero() {
		q += ` AND e.submitted_at >= ?`
		args = append(args, micros(f.From))
	}
	if !f.To.IsZero() {
		q += ` AND e.submitted_at < ?`
		args = append(args, micros(f.To))
	}
	if f.Kind != "" {
		q += ` AND e.kind = ?`
		args = append(args, string(f.Kind))
	}
	rows, err := db.readQuery(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: calibration: %w", err)
	}
	defer rows.Close()
	total := &calibrationAcc{}
	groups := [5]map[string]*calibrationAcc{{}, {}, {}, {}, {}}
	acc := func(i int, key string) *calibrationAcc {
		a := groups[i][key]
		if a == nil {
			a = &calibrationAcc{g: CalibrationGroup{Key: key}}
			groups[i][key] = a
		}
		return a
	}
	for rows.Next() {
		var analyst, submitted, received int64
		var name, level *string
		var sealed []byte
		var aid *int64
		if err := rows.Scan(&aid, &name, &level, &submitted, &received, &sealed); err != nil {
			return nil, err
		}
		if aid != nil {
			analyst = *aid
		}
		var dims calibrationDims
		if len(sealed) > 0 {
			s, err := db.open("risk_evaluations.calibration", sealed)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(s), &dims); err != nil {
				return nil, fmt.Errorf("store: calibration dims: %w", err)
			}
		}
		var l escudo.RiskLevel
		if level != nil {
			l = escudo.RiskLevel(*level)
		}
		days := float64(max(0, submitted-received)) / float64(24*time.Hour/time.Microsecond)
		total.add(l, days)
		a := acc(0, fmt.Sprint(analyst))
		if name != nil {
			a.g.Name = *name
		}
		a.add(l, days)
		acc(1, dims.Entity).add(l, days)
		acc(2, dims.Gender).add(l, days)
		acc(3, dims.Ethnic).add(l, days)
		acc(4, dims.Profile).add(l, days)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	r := &CalibrationReport{Total: total.done(false)}
	list := func(i int, suppress bool) []CalibrationGroup {
		var out []CalibrationGroup
		for _, a := range groups[i] {
			out = append(out, a.done(suppress))
		}
		sort.Slice(out, func(x, y int) bool { return out[x].Key < out[y].Key })
		return out
	}
	r.Analysts = list(0, false)
	sort.SliceStable(r.Analysts, func(x, y int) bool { return r.Analysts[x].Name < r.Analysts[y].Name })
	counts := make([]calibration.Counts, len(r.Analysts))
	for i, g := range r.Analysts {
		counts[i] = calibration.Counts{Total: g.Count, High: g.High}
	}
	for i, t := range calibration.Test(counts) {
		r.Analysts[i].Test = t
	}
	r.Entities, r.Genders, r.Ethnicities, r.Profiles = list(1, true), list(2, true), list(3, true), list(4, true)
	return r, nil
}

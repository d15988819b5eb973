package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/disclosure"
)

// The indicators (issue 17; docs/statistics.md): besides the table of
// requests, each month, quarter and year once over publish the tables of
// admission decisions, new beneficiaries (by profile and gender, ethnic
// identity, federal entity), measures granted, alerts against their
// acknowledgement target and incidents after requesting protection (and
// killings), each under disclosure control, plus the times (mean and
// percentiles, only over 10 or more cases) in a release of figures.
//
// Every table counts the records of a population; a record's atom names
// its month and every attribute of its population, so that all the tables
// of one population, monthly, quarterly and yearly, are tied together for
// the audit: a quarter's or a year's cell is the sum of its months' atoms, and a table by
// gender and one by ethnic identity share their totals. Only atoms that
// hold records are named, which makes the audit's model of what is known
// stricter than the truth (an unnamed atom is known to be zero), never
// looser.

// Grains of a release.
const (
	GrainMonth   = "monthly"
	GrainQuarter = "quarterly"
	GrainYear    = "yearly"
)

// SeriesTimes is the release of each period's times (figures, no cells).
const SeriesTimes = "times"

// StatFigure is one time indicator of a period: its mean and percentiles in
// days (hours for alerts: seconds), published only over 10 or more records.
type StatFigure struct {
	Key       string  `json:"key"`  // first_response | evaluation | measures | alert_ack
	Unit      string  `json:"unit"` // days | seconds
	Published bool    `json:"published"`
	Mean      float64 `json:"mean,omitempty"`
	P50       float64 `json:"p50,omitempty"`
	P90       float64 `json:"p90,omitempty"`
}

// StatPeriod is a parsed period: a month ("2026-10"), a quarter
// ("2026-Q3") or a year ("2026").
type StatPeriod struct {
	Name     string
	Grain    string
	From, To time.Time // in the capital's calendar
	Months   []string
}

// ParseStatPeriod parses a month, a quarter or a year; a malformed one is a
// field error stats.bad_period.
func ParseStatPeriod(s string) (StatPeriod, error) {
	bad := escudo.FieldError("period", "stats.bad_period", nil)
	if len(s) == 4 {
		return parseStatYear(s)
	}
	if len(s) == 7 && s[4] == '-' && s[5] == 'Q' {
		y, err := strconv.Atoi(s[:4])
		q := int(s[6] - '0')
		if err != nil || s[0] == '+' || s[0] == '-' || y < 1900 || y > 9999 || q < 1 || q > 4 {
			return StatPeriod{}, bad
		}
		from := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, statZone)
		p := StatPeriod{Name: s, Grain: GrainQuarter, From: from, To: from.AddDate(0, 3, 0)}
		for m := from; m.Before(p.To); m = m.AddDate(0, 1, 0) {
			p.Months = append(p.Months, m.Format("2006-01"))
		}
		return p, nil
	}
	from, err := time.ParseInLocation("2006-01", s, statZone)
	if err != nil || len(s) != 7 || from.Year() < 1900 {
		return StatPeriod{}, bad
	}
	return StatPeriod{Name: s, Grain: GrainMonth, From: from, To: from.AddDate(0, 1, 0), Months: []string{s}}, nil
}

// QuarterOf names the quarter of a month "2006-01".
func QuarterOf(month string) string {
	m, _ := strconv.Atoi(month[5:])
	return fmt.Sprintf("%s-Q%d", month[:4], (m+2)/3)
}

// statPop is a population: the dimensions of its records and how a month's
// sealed records are counted (by their labels, one per dimension).
type statPop struct {
	stem  string
	stock bool // counted at the month's end; a quarter takes its last month's
	dims  []disclosure.Dimension
	load  func(db *DB, ctx context.Context, from, to time.Time) (map[string]int64, error)
}

// statTableDef is a published table over some of a population's dimensions,
// of its records whose dimension only equals a value.
type statTableDef struct {
	series    string
	pop       *statPop
	dims      []string
	only, val string
	coarsen   string // a dimension merged into regions when most cells would be withheld
}

func dim(name string, cats ...string) disclosure.Dimension {
	return disclosure.Dimension{Name: name, Categories: cats}
}

var (
	profiles   = []string{string(escudo.ProfileDefender), string(escudo.ProfileJournalist), string(escudo.ProfileBoth)}
	procedures = []string{string(escudo.ProcedureOrdinary), string(escudo.ProcedureExtraordinary)}
)

// Gender and ethnic identity are free text at intake; statistics group them.
func genderGroup(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "not_stated"
	case "mujer", "femenino", "f", "woman", "female", "mujer trans", "trans woman":
		return "woman"
	case "hombre", "masculino", "m", "man", "male", "hombre trans", "trans man":
		return "man"
	}
	return "other"
}

func ethnicityGroup(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "" || s == "ninguna" || s == "none" || s == "no":
		return "not_stated"
	case strings.Contains(s, "afro"):
		return "afro"
	}
	return "indigenous"
}

func alertGroup(t string) string {
	switch escudo.AlertType(t) {
	case escudo.AlertSilent, escudo.AlertTamper, escudo.AlertLowBattery:
		return "device"
	}
	return "emergency"
}

func incidentGroup(k string) string {
	if k == "killing" {
		return "killing"
	}
	return "other"
}

func labelKey(labels ...string) string { return strings.Join(labels, "\x1f") }

var popRequests = &statPop{stem: SeriesRequests, dims: requestsDims(), load: (*DB).sealedRequests}

var popDecisions = &statPop{stem: "decisions",
	dims: []disclosure.Dimension{dim("decision", string(escudo.AdmissionAdmitted), string(escudo.AdmissionNotAdmitted)),
		dim("procedure", procedures...), dim("profile", profiles...),
		dim("gender", "woman", "man", "other", "not_stated"), dim("ethnicity", "indigenous", "afro", "not_stated"), requestsDims()[0]},
	load: (*DB).sealedDecisions}

var popGrants = &statPop{stem: "grants",
	dims: []disclosure.Dimension{dim("kind", "urgent", "protection", "preventive", "psychosocial", "safe_house", "other"),
		dim("source", string(escudo.SourceUrgent), string(escudo.SourceBoard))},
	load: (*DB).sealedGrants}

var popAlerts = &statPop{stem: "alerts",
	dims: []disclosure.Dimension{dim("type", "emergency", "device"), dim("response", "within_target", "late", "unacknowledged")},
	load: (*DB).sealedAlerts}

var popIncidents = &statPop{stem: "incidents",
	dims: []disclosure.Dimension{dim("profile", profiles...), dim("gravity", "killing", "other")},
	load: (*DB).sealedIncidents}

// statTables are the published tables, in publication order.
var statTables = []statTableDef{
	{series: "requests", pop: popRequests, dims: []string{"entity", "procedure"}, coarsen: "entity"},
	{series: "decisions", pop: popDecisions, dims: []string{"decision", "procedure"}},
	{series: "beneficiaries.gender", pop: popDecisions, dims: []string{"profile", "gender"}, only: "decision", val: string(escudo.AdmissionAdmitted)},
	{series: "beneficiaries.ethnicity", pop: popDecisions, dims: []string{"ethnicity"}, only: "decision", val: string(escudo.AdmissionAdmitted)},
	{series: "beneficiaries.entity", pop: popDecisions, dims: []string{"entity"}, only: "decision", val: string(escudo.AdmissionAdmitted), coarsen: "entity"},
	{series: "measures.granted", pop: popGrants, dims: []string{"kind", "source"}},
	{series: "alerts", pop: popAlerts, dims: []string{"type", "response"}},
	{series: "incidents", pop: popIncidents, dims: []string{"profile"}},
	{series: "incidents.killings", pop: popIncidents, dims: []string{"profile"}, only: "gravity", val: "killing"},
	{series: "measures.status", pop: popMeasureStock, dims: []string{"kind", "status"}},
	{series: "investigations.open", pop: popInvestigationStock, dims: []string{"status", "progress"}},
}

// StatSeries lists the series of tables, in their order in the reports.
func StatSeries() []string {
	out := make([]string, len(statTables))
	for i, t := range statTables {
		out[i] = t.series
	}
	return out
}

// groupRecords runs a GROUP BY query whose last column is the count and maps
// the other columns to a record's labels.
func (db *DB) groupRecords(ctx context.Context, q string, fix func([]string) []string, args ...any) (map[string]int64, error) {
	rows, err := db.readQuery(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: statistics records: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	cols, _ := rows.Columns()
	for rows.Next() {
		v := make([]string, len(cols)-1)
		dst := make([]any, len(cols))
		for i := range v {
			dst[i] = &v[i]
		}
		var n int64
		dst[len(v)] = &n
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		out[labelKey(fix(v)...)] += n
	}
	return out, rows.Err()
}

// popCache holds each population's records per month during one sweep.
type popCache map[string]map[string]int64

func (c popCache) records(ctx context.Context, db *DB, p *statPop, month string) (map[string]int64, error) {
	k := p.stem + "/" + month
	if r, ok := c[k]; ok {
		return r, nil
	}
	from, err := time.ParseInLocation("2006-01", month, statZone)
	if err != nil {
		return nil, err
	}
	to := from.AddDate(0, 1, 0)
	// A stock is counted from history as of the month's end (its rows carry
	// the instant they were written): nothing to seal.
	if !p.stock {
		if err := db.sealMonth(ctx, p.stem, month, from, to); err != nil {
			return nil, err
		}
	}
	r, err := p.load(db, ctx, from, to)
	if err != nil {
		return nil, err
	}
	c[k] = r
	return r, nil
}

// atom names one labelled record set of a population in a month. For the
// requests it is the name the monthly table always gave its cells.
func (p *statPop) atom(month string, labels []string) string {
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = p.dims[i].Name + "=" + l
	}
	return p.stem + ":" + month + ":" + strings.Join(parts, "|")
}

// buildRelease counts, ties and protects one table of a period.
func (db *DB) buildRelease(ctx context.Context, cache popCache, def statTableDef, per StatPeriod, h disclosure.History, prefer []string) (StatRelease, error) {
	p := def.pop
	idx := map[string]int{}
	for i, d := range p.dims {
		idx[d.Name] = i
	}
	var dims []disclosure.Dimension
	for _, n := range def.dims {
		dims = append(dims, p.dims[idx[n]])
	}
	series := def.series + "." + per.Grain
	t, err := disclosure.NewTable(series+":"+per.Name+":", dims...)
	if err != nil {
		return StatRelease{}, err
	}
	type inner struct {
		n     int64
		atoms []string
	}
	cells := map[string]*inner{}
	months := per.Months
	if p.stock {
		months = months[len(months)-1:]
	}
	for _, m := range months {
		recs, err := cache.records(ctx, db, p, m)
		if err != nil {
			return StatRelease{}, err
		}
		keys := make([]string, 0, len(recs))
		for k := range recs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			labels := strings.Split(k, "\x1f")
			if def.only != "" && labels[idx[def.only]] != def.val {
				continue
			}
			proj := make([]string, len(def.dims))
			for i, n := range def.dims {
				proj[i] = labels[idx[n]]
			}
			pk := labelKey(proj...)
			c := cells[pk]
			if c == nil {
				c = &inner{}
				cells[pk] = c
			}
			c.n += recs[k]
			c.atoms = append(c.atoms, p.atom(m, labels))
		}
	}
	if p.stock {
		// Every cell of a stock, empty or not, is the atom of its last
		// month: a quarter's table is then its last month's, equation for
		// equation.
		last := months[len(months)-1]
		forEachCombination(dims, func(cats []string) {
			if pk := labelKey(cats...); cells[pk] == nil {
				cells[pk] = &inner{atoms: []string{p.atom(last, cats)}}
			}
		})
	}
	for pk, c := range cells {
		cats := strings.Split(pk, "\x1f")
		if err := t.Set(c.n, cats...); err != nil {
			return StatRelease{}, err
		}
		if err := t.SetAtoms(c.atoms, cats...); err != nil {
			return StatRelease{}, err
		}
	}
	opts := disclosure.Options{PreferSuppress: prefer}
	var res *disclosure.Result
	if def.coarsen != "" {
		res, err = disclosure.ProtectCoarsened(t, h, opts, disclosure.Coarsening{Dimension: def.coarsen, Regions: db.regions.ByEntity, OverHeld: true})
	} else {
		res, err = disclosure.Protect(t, h, opts)
	}
	if err != nil {
		return StatRelease{}, fmt.Errorf("store: statistics %s %s: %w", series, per.Name, err)
	}
	name := series + "/" + per.Name
	recorded := res.Release(name)
	rel := StatRelease{Name: name, Series: series, Period: per.Name, PublishedAt: db.Now(), Dimensions: def.dims, Coarsened: res.Coarsened}
	for i, c := range res.Cells {
		rc := recorded.Cells[i]
		sc := StatCell{Key: rc.Key, Labels: c.Labels(), Atoms: rc.Atoms, Status: c.Status().String()}
		if v, ok := c.Value(); ok {
			sc.Value = v
		}
		rel.Cells = append(rel.Cells, sc)
	}
	return rel, nil
}

// Times: what each figure measures, over the records whose end falls in
// the period.
var statTimes = []struct {
	key, unit, q string
}{
	{"first_response", "days", `SELECT m.at - c.received_at FROM case_milestones m JOIN cases c ON c.id = m.case_id
		WHERE m.at >= ? AND m.at < ? AND ` + decisionRule},
	{"evaluation", "days", `SELECT m.at - c.received_at FROM case_milestones m JOIN cases c ON c.id = m.case_id
		WHERE m.milestone IN ('evaluated', 'immediate_evaluated') AND m.at >= ? AND m.at < ?`},
	{"measures", "days", `SELECT g.granted_at - c.received_at FROM granted_measures g JOIN cases c ON c.id = g.case_id
		WHERE g.granted_at >= ? AND g.granted_at < ? AND g.id = (SELECT MIN(g2.id) FROM granted_measures g2 WHERE g2.case_id = g.case_id)`},
	{"implementation", "days", `SELECT h.at - g.granted_at FROM measure_history h JOIN granted_measures g ON g.id = h.measure_id
		WHERE h.to_status = 'awaiting_confirmation' AND h.at >= ? AND h.at < ?
		AND h.id = (SELECT MIN(h2.id) FROM measure_history h2 WHERE h2.measure_id = h.measure_id AND h2.to_status = 'awaiting_confirmation')`},
	{"alert_ack", "seconds", `SELECT acknowledged_at - received_at FROM alerts
		WHERE received_at >= ? AND received_at < ? AND acknowledged_at IS NOT NULL AND acknowledged_at < ?
		AND type NOT IN ('test', 'device_silent', 'tamper', 'low_battery')`},
}

// timesRelease computes the period's figures; each is published only over
// 10 or more records.
func (db *DB) timesRelease(ctx context.Context, per StatPeriod) (StatRelease, error) {
	rel := StatRelease{Name: SeriesTimes + "." + per.Grain + "/" + per.Name, Series: SeriesTimes + "." + per.Grain, Period: per.Name, PublishedAt: db.Now()}
	for _, st := range statTimes {
		args := []any{micros(per.From), micros(per.To)}
		if st.key == "alert_ack" {
			args = append(args, micros(per.To))
		}
		rows, err := db.readQuery(ctx, st.q, args...)
		if err != nil {
			return rel, fmt.Errorf("store: statistics times %s: %w", st.key, err)
		}
		var v []float64
		for rows.Next() {
			var us int64
			if err := rows.Scan(&us); err != nil {
				rows.Close()
				return rel, err
			}
			if us < 0 {
				us = 0
			}
			if st.unit == "days" {
				v = append(v, float64(us)/float64(24*time.Hour/time.Microsecond))
			} else {
				v = append(v, float64(us)/1e6)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return rel, err
		}
		rel.Figures = append(rel.Figures, statSummary(st.key, st.unit, v))
	}
	return rel, nil
}

// statSummary gives the mean and the nearest-rank percentiles, or nothing
// under 10 records.
func statSummary(key, unit string, v []float64) StatFigure {
	f := StatFigure{Key: key, Unit: unit}
	if len(v) < disclosure.DefaultThreshold {
		return f
	}
	sort.Float64s(v)
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	rank := func(p float64) float64 {
		i := int(p*float64(len(v))+0.999999) - 1
		if i < 0 {
			i = 0
		}
		return v[i]
	}
	round := func(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
	f.Published, f.Mean, f.P50, f.P90 = true, round(sum/float64(len(v))), round(rank(0.5)), round(rank(0.9))
	return f
}

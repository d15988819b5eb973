package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"escudo"
	"escudo/internal/disclosure"
)

// Published statistics (issue 17; docs/statistics.md). Each month, once it
// is over, the job runner's statistics.publish sweep publishes the month's
// table of requests for protection received, by federal entity and
// procedure, with its margins. Disclosure control decides which cells are
// published: no count from 1 to 9, nothing derivable from this table and
// every earlier release together. A release is written once and never
// changed; the public pages and files show only what it published.

// SeriesRequests is the monthly table of requests received.
const SeriesRequests = "requests.monthly"

// entityUnknown is the category of cases whose federal entity does not
// match a known one (kept, so the national total counts every request).
const entityUnknown = "ND"

// StatCell is one cell of a release as stored: its labels (one per
// dimension; disclosure.TotalLabel for a margin), the atoms it sums, its
// status and, only when published, its count.
type StatCell struct {
	Key    string   `json:"key"`
	Labels []string `json:"labels"`
	Atoms  []string `json:"atoms"`
	Status string   `json:"status"` // published | primary | secondary
	Value  int64    `json:"value,omitempty"`
}

// Published reports whether the cell's count was released.
func (c StatCell) Published() bool { return c.Status == disclosure.Published.String() }

// StatRelease is one published table.
type StatRelease struct {
	ID                   int64
	Name, Series, Period string
	PublishedAt          time.Time
	Dimensions           []string // names of the dimensions, in label order
	Cells                []StatCell
	Figures              []StatFigure // the times, for the series SeriesTimes
	// Coarsened: the entities were merged into regions (Regions), because
	// by entity most of the cells would have been withheld.
	Coarsened bool
}

// Cell returns the cell with the given labels.
func (r StatRelease) Cell(labels ...string) (StatCell, bool) {
	for _, c := range r.Cells {
		if equalStrings(c.Labels, labels) {
			return c, true
		}
	}
	return StatCell{}, false
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Disclosure is the release as disclosure control's history holds it.
func (r StatRelease) Disclosure() disclosure.Release {
	rel := disclosure.Release{Name: r.Name}
	for _, c := range r.Cells {
		st := disclosure.Published
		switch c.Status {
		case disclosure.Primary.String():
			st = disclosure.Primary
		case disclosure.Secondary.String():
			st = disclosure.Secondary
		}
		rel.Cells = append(rel.Cells, disclosure.ReleasedCell{Key: c.Key, Atoms: c.Atoms, Status: st, Value: c.Value})
	}
	return rel
}

// StatHistory is every release of every series as disclosure control's
// history, oldest first.
func StatHistory(rs []StatRelease) disclosure.History {
	h := make(disclosure.History, len(rs))
	for i, r := range rs {
		h[i] = r.Disclosure()
	}
	return h
}

type statBody struct {
	Dimensions []string     `json:"dimensions"`
	Cells      []StatCell   `json:"cells"`
	Figures    []StatFigure `json:"figures,omitempty"`
	Coarsened  bool         `json:"coarsened,omitempty"`
}

// StatReleases lists the releases of series ("" for every series), oldest
// first.
func (db *DB) StatReleases(ctx context.Context, series string) ([]StatRelease, error) {
	q := `SELECT id, name, series, period, published_at, cells FROM stat_releases`
	var args []any
	if series != "" {
		q += ` WHERE series = ?`
		args = append(args, series)
	}
	rows, err := db.readQuery(ctx, q+` ORDER BY published_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: statistics releases: %w", err)
	}
	defer rows.Close()
	var out []StatRelease
	for rows.Next() {
		r, err := scanStatRelease(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// StatRelease returns one release by name; ENOTFOUND when there is none.
func (db *DB) StatRelease(ctx context.Context, name string) (StatRelease, error) {
	rows, err := db.readQuery(ctx, `SELECT id, name, series, period, published_at, cells FROM stat_releases WHERE name = ?`, name)
	if err != nil {
		return StatRelease{}, fmt.Errorf("store: statistics release: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return StatRelease{}, err
		}
		return StatRelease{}, escudo.Errorf(escudo.ENOTFOUND, "stats.release_not_found")
	}
	return scanStatRelease(rows)
}

func scanStatRelease(rows *sql.Rows) (StatRelease, error) {
	var r StatRelease
	var at int64
	var body string
	if err := rows.Scan(&r.ID, &r.Name, &r.Series, &r.Period, &at, &body); err != nil {
		return r, err
	}
	var b statBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return r, fmt.Errorf("store: statistics release %s: %w", r.Name, err)
	}
	r.PublishedAt, r.Dimensions, r.Cells, r.Figures, r.Coarsened = fromMicros(at), b.Dimensions, b.Cells, b.Figures, b.Coarsened
	return r, nil
}

// statZone is where a month begins and ends: the Mechanism's statistics
// follow the capital's calendar.
var statZone = func() *time.Location {
	if l, err := time.LoadLocation("America/Mexico_City"); err == nil {
		return l
	}
	return time.UTC
}()

// StatPeriods are the months from the first request received to the last
// complete month before now, as "2006-01".
func (db *DB) statPeriods(ctx context.Context) ([]string, error) {
	var first sql.NullInt64
	if err := db.read.QueryRowContext(ctx, `SELECT MIN(received_at) FROM cases`).Scan(&first); err != nil {
		return nil, fmt.Errorf("store: statistics periods: %w", err)
	}
	if !first.Valid {
		return nil, nil
	}
	start := fromMicros(first.Int64).In(statZone)
	m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, statZone)
	now := db.Now().In(statZone)
	current := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, statZone)
	var out []string
	for ; m.Before(current); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out, nil
}

// SweepStatistics publishes the tables and times of every complete month,
// quarter and year not yet published, oldest first, at most limit periods of
// them, each table protected against every release before it. It is the
// job statistics.publish; it computes outside any write transaction and
// writes each release in a short one (a name already written by another
// run is left as it is, and later tables are protected against it).
func (db *DB) SweepStatistics(ctx context.Context, limit int) (int, error) {
	months, err := db.statPeriods(ctx)
	if err != nil || len(months) == 0 {
		return 0, err
	}
	var periods []string
	for _, m := range months {
		periods = append(periods, m)
		if m[5:] == "03" || m[5:] == "06" || m[5:] == "09" || m[5:] == "12" {
			periods = append(periods, QuarterOf(m))
		}
		if m[5:] == "12" {
			periods = append(periods, m[:4]) // the year, after its fourth quarter
		}
	}
	// Most runs find nothing to do: only names are read for that.
	done := map[string]bool{}
	rows, err := db.readQuery(ctx, `SELECT name FROM stat_releases`)
	if err != nil {
		return 0, fmt.Errorf("store: statistics releases: %w", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, err
		}
		done[name] = true
	}
	rows.Close()
	complete := func(per StatPeriod) bool {
		for _, def := range statTables {
			if !done[def.series+"."+per.Grain+"/"+per.Name] {
				return false
			}
		}
		return done[SeriesTimes+"."+per.Grain+"/"+per.Name]
	}
	var todo []StatPeriod
	for _, name := range periods {
		per, err := ParseStatPeriod(name)
		if err != nil {
			return 0, err
		}
		if !complete(per) {
			todo = append(todo, per)
		}
	}
	if len(todo) == 0 {
		return 0, nil
	}
	all, err := db.StatReleases(ctx, "")
	if err != nil {
		return 0, err
	}
	h := StatHistory(all)
	last := map[string][]string{} // each series' suppressed keys, for a stable pattern
	for _, r := range all {
		last[r.Series] = suppressedKeys(r)
	}
	cache := popCache{}
	n := 0
	for _, per := range todo {
		if n >= limit {
			break
		}
		for _, def := range statTables {
			series := def.series + "." + per.Grain
			name := series + "/" + per.Name
			if done[name] {
				continue
			}
			rel, err := db.buildRelease(ctx, cache, def, per, h, last[series])
			if err != nil {
				return n, err
			}
			if rel, err = db.putStatRelease(ctx, rel); err != nil {
				return n, err
			}
			h = append(h, rel.Disclosure())
			last[series] = suppressedKeys(rel)
		}
		if name := SeriesTimes + "." + per.Grain + "/" + per.Name; !done[name] {
			rel, err := db.timesRelease(ctx, per)
			if err != nil {
				return n, err
			}
			if _, err := db.putStatRelease(ctx, rel); err != nil {
				return n, err
			}
		}
		n++
	}
	return n, nil
}

// putStatRelease writes the release, or returns the one another run wrote
// first under its name.
func (db *DB) putStatRelease(ctx context.Context, rel StatRelease) (StatRelease, error) {
	written, err := db.writeStatRelease(ctx, rel)
	if err != nil || written {
		return rel, err
	}
	return db.StatRelease(ctx, rel.Name)
}

func suppressedKeys(r StatRelease) []string {
	var out []string
	for _, c := range r.Cells {
		if !c.Published() {
			out = append(out, c.Key)
		}
	}
	return out
}

// entityByIndex maps a case's entity blind index to the entity's code,
// entityUnknown when it matches none.
func (db *DB) entityByIndex() func([]byte) string {
	byIndex := make(map[string]string, len(escudo.FederalEntities))
	for _, e := range escudo.FederalEntities {
		byIndex[string(db.Keys.BlindIndex("entity", e.Code))] = e.Code
	}
	return func(idx []byte) string {
		if code, ok := byIndex[string(idx)]; ok {
			return code
		}
		return entityUnknown
	}
}

// requestsDims are the dimensions of the monthly table of requests.
func requestsDims() []disclosure.Dimension {
	entity := disclosure.Dimension{Name: "entity"}
	for _, e := range escudo.FederalEntities {
		entity.Categories = append(entity.Categories, e.Code)
	}
	entity.Categories = append(entity.Categories, entityUnknown)
	return []disclosure.Dimension{entity,
		{Name: "procedure", Categories: []string{string(escudo.ProcedureOrdinary), string(escudo.ProcedureExtraordinary)}}}
}

// writeStatRelease inserts the release unless one of its name exists.
func (db *DB) writeStatRelease(ctx context.Context, r StatRelease) (bool, error) {
	body, err := json.Marshal(statBody{Dimensions: r.Dimensions, Cells: r.Cells, Figures: r.Figures, Coarsened: r.Coarsened})
	if err != nil {
		return false, err
	}
	written := false
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO stat_releases (name, series, period, published_at, cells) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, r.Name, r.Series, r.Period, micros(r.PublishedAt), string(body))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		written = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: write statistics release: %w", err)
	}
	return written, nil
}

// VerifyStatistics re-runs disclosure control's audit over every release
// ever published (disclosure.Verify) and returns what it finds and how many
// releases it read.
func (db *DB) VerifyStatistics(ctx context.Context) ([]disclosure.Finding, int, error) {
	all, err := db.StatReleases(ctx, "")
	if err != nil {
		return nil, 0, err
	}
	f, err := disclosure.Verify(StatHistory(all), disclosure.Options{})
	return f, len(all), err
}

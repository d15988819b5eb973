package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"escudo"
	"escudo/internal/disclosure"
	"escudo/internal/prevention"
	"escudo/internal/regions"
)

// Month-end stocks (issue 17; docs/statistics.md, "Stocks and regions").
// Measures by kind and status and open investigations by status and
// progress are counted as they stood at the month's last instant, from
// their history: a measure's status is the last move recorded before the
// month closed, an investigation's status and last progress those of the
// updates recorded before then (an update recorded later with an earlier
// date does not reach back into a closed month). Moves and updates carry
// the instant they were written, so a change after the month never alters
// its stock. A quarter's stock is its last month's: the same atoms, the
// same counts, so that quarter and month cannot be differenced into
// anything.

var measureStatusCats = func() []string {
	out := make([]string, len(escudo.MeasureStatuses))
	for i, s := range escudo.MeasureStatuses {
		out[i] = string(s)
	}
	return out
}()

// openInvestigationStatuses are the statuses whose impunity clock runs.
var openInvestigationStatuses = func() []string {
	var out []string
	for _, s := range prevention.InvestigationStatuses {
		if !s.Concluded() {
			out = append(out, string(s))
		}
	}
	return out
}()

var popMeasureStock = &statPop{stem: "measures.stock", stock: true,
	dims: []disclosure.Dimension{dim("kind", "urgent", "protection", "preventive", "psychosocial", "safe_house", "other"),
		dim("status", measureStatusCats...)},
	load: (*DB).measureStock}

var popInvestigationStock = &statPop{stem: "investigations.stock", stock: true,
	dims: []disclosure.Dimension{dim("status", openInvestigationStatuses...), dim("progress", "stalled", "progressing")},
	load: (*DB).investigationStock}

// measureStock counts the measures granted before to by kind and by their
// status at to.
func (db *DB) measureStock(ctx context.Context, _, to time.Time) (map[string]int64, error) {
	return db.groupRecords(ctx, `SELECT g.kind, COALESCE((SELECT h.to_status FROM measure_history h
			WHERE h.measure_id = g.id AND h.at < ? ORDER BY h.at DESC, h.id DESC LIMIT 1), 'granted') AS st, COUNT(*)
		FROM granted_measures g WHERE g.granted_at < ? GROUP BY g.kind, st`,
		func(v []string) []string {
			v[0] = grantKindGroup(v[0])
			if !oneOfStrings(v[1], measureStatusCats) {
				v[1] = string(escudo.MeasureGranted)
			}
			return v
		}, micros(to), micros(to))
}

// investigationStock counts the investigations open at to by status and
// by whether they had gone the configured days without progress
// (prevention.Stalled, the impunity clock), as their updates recorded
// before to tell it.
func (db *DB) investigationStock(ctx context.Context, _, to time.Time) (map[string]int64, error) {
	rows, err := db.readQuery(ctx, `SELECT v.id, v.opened_at,
			(SELECT u.status FROM investigation_updates u WHERE u.investigation_id = v.id AND u.recorded_at < ? ORDER BY u.recorded_at DESC, u.id DESC LIMIT 1),
			(SELECT MAX(u.at) FROM investigation_updates u WHERE u.investigation_id = v.id AND u.recorded_at < ?)
		FROM investigations v WHERE v.created_at < ?`, micros(to), micros(to), micros(to))
	if err != nil {
		return nil, fmt.Errorf("store: statistics investigations: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id, opened int64
		var status sql.NullString
		var last sql.NullInt64
		if err := rows.Scan(&id, &opened, &status, &last); err != nil {
			return nil, err
		}
		st := prevention.InvestigationStatus(status.String)
		if !status.Valid || st.Concluded() || !oneOfStrings(string(st), openInvestigationStatuses) {
			continue
		}
		progress := opened
		if last.Valid && last.Int64 > progress {
			progress = last.Int64
		}
		p := "progressing"
		if prevention.Stalled(fromMicros(progress), to, false, db.prevention.StallDays) {
			p = "stalled"
		}
		out[labelKey(string(st), p)]++
	}
	return out, rows.Err()
}

func grantKindGroup(k string) string {
	switch k {
	case "urgent", "protection", "preventive", "psychosocial", "safe_house":
		return k
	}
	return "other"
}

func oneOfStrings(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Regions is the grouping of entities the statistics coarsen into.
func (db *DB) Regions() regions.Map { return db.regions }

// forEachCombination calls fn with every combination of the dimensions'
// categories, one per dimension.
func forEachCombination(dims []disclosure.Dimension, fn func([]string)) {
	cats := make([]string, len(dims))
	var walk func(int)
	walk = func(d int) {
		if d == len(dims) {
			fn(append([]string(nil), cats...))
			return
		}
		for _, c := range dims[d].Categories {
			cats[d] = c
			walk(d + 1)
		}
	}
	walk(0)
}

package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"escudo"
)

// MeasureFilter narrows the measures dashboard. Agency (a code) is the
// liaison's scope: only measures addressed to that agency or to LiaisonID.
type MeasureFilter struct {
	Status    escudo.MeasureStatus
	Kind      string
	AgencyID  int64
	Entity    string // the case's federal entity
	Agency    string // scope: an agency's code
	LiaisonID int64  // scope: also the measures addressed to this liaison
	Limit     int    // rows listed (default 50, at most 200)
}

// MeasureCount is one bar of the dashboard: how many measures, how many of
// them overdue, and how long the oldest overdue one has been.
type MeasureCount struct {
	Key, Label string
	N, Overdue int
	OldestDue  time.Duration // 0 when none overdue
}

// MeasureRow is one measure in the dashboard's list: what a liaison may
// see of the case too (reference, federal entity).
type MeasureRow struct {
	ID         int64
	CaseID     int64
	Reference  string
	Entity     string
	Measure    string
	Kind       string
	AgencyName string
	Status     escudo.MeasureStatus
	Source     escudo.MeasureSource
	Deadline   time.Time
	Overdue    time.Duration // 0 when not overdue
}

// MeasureBoard is the dashboard.
type MeasureBoard struct {
	Total, Overdue int
	ByStatus       []MeasureCount // in lifecycle order
	ByKind         []MeasureCount
	ByAgency       []MeasureCount // most overdue first
	Rows           []MeasureRow   // overdue first, oldest deadline first
}

// MeasureDashboard counts the measures by status, kind and agency, with
// overdue counts and ages, and lists the most pressing ones. It opens no
// sealed field (the case's entity is readable on cases).
func (db *DB) MeasureDashboard(ctx context.Context, f MeasureFilter) (*MeasureBoard, error) {
	now := micros(db.Now())
	// Agency names (and a liaison's agency) come from the small agencies
	// table, so that neither the counts nor the scope join it.
	names, scope := map[int64]string{}, int64(-1)
	all, err := db.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		names[a.ID] = a.Name
		if f.Agency != "" && a.Code == f.Agency {
			scope = a.ID
		}
	}
	where, args := []string{"1 = 1"}, []any{}
	if f.Status != "" {
		where, args = append(where, "g.status = ?"), append(args, string(f.Status))
	}
	if f.Kind != "" {
		where, args = append(where, "g.kind = ?"), append(args, f.Kind)
	}
	if f.AgencyID != 0 {
		where, args = append(where, "g.agency_id = ?"), append(args, f.AgencyID)
	}
	if f.Entity != "" {
		// The entity is sealed; its blind index finds it (migration 0500).
		where, args = append(where, "c.entity_bidx = ?"), append(args, db.Keys.BlindIndex("entity", f.Entity))
	}
	if f.Agency != "" || f.LiaisonID != 0 {
		where, args = append(where, "(g.agency_id = ? OR g.liaison_id = ?)"), append(args, scope, f.LiaisonID)
	}
	cond := strings.Join(where, " AND ")
	join := "" // the case only when its entity filters
	if f.Entity != "" {
		join = " JOIN cases c ON c.id = g.case_id"
	}
	late := `g.status IN ('granted', 'notified', 'implementing') AND g.deadline < ?`
	// The counts read the measures alone.
	q := `SELECT g.status, g.kind, g.agency_id, COUNT(*), SUM(CASE WHEN ` + late + ` THEN 1 ELSE 0 END),
		MIN(CASE WHEN ` + late + ` THEN g.deadline END)
		FROM granted_measures g` + join + `
		WHERE ` + cond + ` GROUP BY g.status, g.kind, g.agency_id`
	rows, err := db.readQuery(ctx, q, append([]any{now, now}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: measure dashboard: %w", err)
	}
	b := &MeasureBoard{}
	status, kind, agency := map[string]*MeasureCount{}, map[string]*MeasureCount{}, map[string]*MeasureCount{}
	add := func(m map[string]*MeasureCount, key, label string, n, late int, oldest int64) {
		c := m[key]
		if c == nil {
			c = &MeasureCount{Key: key, Label: label}
			m[key] = c
		}
		c.N += n
		c.Overdue += late
		if late > 0 {
			if age := time.Duration(now-oldest) * time.Microsecond; age > c.OldestDue {
				c.OldestDue = age
			}
		}
	}
	for rows.Next() {
		var st, kd string
		var agencyID int64
		var n, nl int
		var oldest *int64
		if err := rows.Scan(&st, &kd, &agencyID, &n, &nl, &oldest); err != nil {
			rows.Close()
			return nil, err
		}
		var o int64
		if oldest != nil {
			o = *oldest
		}
		b.Total += n
		b.Overdue += nl
		add(status, st, st, n, nl, o)
		add(kind, kd, kd, n, nl, o)
		add(agency, fmt.Sprint(agencyID), names[agencyID], n, nl, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, s := range escudo.MeasureStatuses {
		if c := status[string(s)]; c != nil {
			b.ByStatus = append(b.ByStatus, *c)
		} else {
			b.ByStatus = append(b.ByStatus, MeasureCount{Key: string(s), Label: string(s)})
		}
	}
	for _, c := range kind {
		b.ByKind = append(b.ByKind, *c)
	}
	sort.Slice(b.ByKind, func(i, j int) bool { return b.ByKind[i].Key < b.ByKind[j].Key })
	for _, c := range agency {
		b.ByAgency = append(b.ByAgency, *c)
	}
	sort.Slice(b.ByAgency, func(i, j int) bool {
		x, y := b.ByAgency[i], b.ByAgency[j]
		if x.Overdue != y.Overdue {
			return x.Overdue > y.Overdue
		}
		if x.N != y.N {
			return x.N > y.N
		}
		return x.Label < y.Label
	})
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 200 {
		limit = 200
	}
	// The most pressing first, chosen on the measures alone: the overdue
	// ones by deadline, then the rest by deadline, each walking the
	// deadline index until the page is full (migration 1050). Only those
	// rows then meet their case and person.
	pick := `SELECT g.id, g.case_id, g.measure, g.kind, a.name, g.status, g.source, g.deadline, %d AS ontime
			FROM granted_measures g JOIN agencies a ON a.id = g.agency_id` + join + `
			WHERE ` + cond + ` AND %s ORDER BY g.deadline, g.id LIMIT ?`
	lq := `SELECT x.id, x.case_id, c.reference, p.entity_enc, x.measure, x.kind, x.name, x.status, x.source, x.deadline, x.ontime
		FROM (SELECT * FROM (` + fmt.Sprintf(pick, 0, "("+late+")") + `) o UNION ALL SELECT * FROM (` +
		fmt.Sprintf(pick, 1, "g.status NOT IN ('withdrawn', 'ended') AND NOT ("+late+")") + `) r) x
		JOIN cases c ON c.id = x.case_id JOIN people p ON p.id = c.person_id ORDER BY x.ontime, x.deadline, x.id LIMIT ?`
	largs := append(append(append([]any{}, args...), now, limit), args...)
	largs = append(largs, now, limit, limit)
	lr, err := db.readQuery(ctx, lq, largs...)
	if err != nil {
		return nil, fmt.Errorf("store: measure list: %w", err)
	}
	defer lr.Close()
	for lr.Next() {
		var m MeasureRow
		var deadline int64
		var ontime int
		var entity []byte
		if err := lr.Scan(&m.ID, &m.CaseID, &m.Reference, &entity, &m.Measure, &m.Kind, &m.AgencyName, &m.Status, &m.Source, &deadline, &ontime); err != nil {
			return nil, err
		}
		if len(entity) > 0 {
			if m.Entity, err = db.open("people.entity", entity); err != nil {
				return nil, err
			}
		}
		m.Deadline = fromMicros(deadline)
		if ontime == 0 {
			m.Overdue = time.Duration(now-deadline) * time.Microsecond
		}
		b.Rows = append(b.Rows, m)
	}
	return b, lr.Err()
}

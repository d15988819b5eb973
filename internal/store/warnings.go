package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"escudo"
	"escudo/internal/prevention"
)

// Early warnings (issue 15, item 6; docs/prevention.md): the rules of
// internal/prevention over the incidents of the running week and the one
// before, each against the HistoryWeeks before it. A warning is stored
// once per area and week, with its cases, and notifies the prevention and
// follow-up officers and the coordination.

// CheckWarnings judges, without storing anything, the week holding at and
// the week before: what `escudo warnings check` prints and what the sweep
// stores.
func (db *DB) CheckWarnings(ctx context.Context, at time.Time) ([]prevention.Warning, error) {
	c := db.prevention
	week := prevention.WeekStart(at)
	prev := week.AddDate(0, 0, -7)
	facts, err := db.IncidentFacts(ctx, prev.AddDate(0, 0, -7*c.HistoryWeeks), week.AddDate(0, 0, 7))
	if err != nil {
		return nil, err
	}
	out := prevention.Warnings(facts, prev, c)
	return append(out, prevention.Warnings(facts, week, c)...), nil
}

// SweepWarnings stores and sends the warnings of the running week and the
// one before that were not raised yet, at most limit, and reports how many.
func (db *DB) SweepWarnings(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	ws, err := db.CheckWarnings(ctx, db.Now())
	if err != nil {
		return 0, err
	}
	if len(ws) == 0 {
		return 0, nil
	}
	var done int
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		var to []int64
		for _, w := range ws {
			if done >= limit {
				break
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM early_warnings WHERE level = ? AND entity = ? AND municipality = ? AND week_start = ?`,
				w.Area.Level(), w.Area.Entity, w.Area.Municipality, micros(w.WeekStart)).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			id, err := tx.InsertID(ctx, `INSERT INTO early_warnings (level, entity, municipality, week_start, incidents, mean4, baseline, p_value, surge, unusual, raised_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, w.Area.Level(), w.Area.Entity, w.Area.Municipality, micros(w.WeekStart), w.Count,
				w.Mean4, w.Baseline, w.PValue, boolInt(w.Surge), boolInt(w.Unusual), micros(tx.now))
			if err != nil {
				return fmt.Errorf("store: early warning: %w", err)
			}
			for _, c := range w.CaseIDs {
				if _, err := tx.Exec(ctx, `INSERT INTO early_warning_cases (warning_id, case_id) VALUES (?, ?)`, id, c); err != nil {
					return err
				}
			}
			if to == nil {
				if to, err = tx.usersWithRoles(ctx, escudo.RoleFollowUp, escudo.RoleCoordinator); err != nil {
					return err
				}
			}
			for _, uid := range to {
				if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: uid, Kind: KindWarningRaised, Subject: w.Area.Entity,
					DedupKey: fmt.Sprintf("%s:%d:%d", KindWarningRaised, id, uid)}); err != nil {
					return err
				}
			}
			if err := tx.Audit(ctx, AuditEntry{Action: "warning.raise", ObjectType: "warning", ObjectID: fmt.Sprint(id), Fields: "area,week,counts,cases"}); err != nil {
				return err
			}
			done++
		}
		return nil
	})
	return done, err
}

// EarlyWarnings lists the stored warnings, newest week first, at most limit.
func (db *DB) EarlyWarnings(ctx context.Context, limit int) ([]prevention.EarlyWarning, error) {
	rows, err := db.readQuery(ctx, `SELECT id, level, entity, municipality, week_start, incidents, mean4, baseline, p_value, surge, unusual, raised_at
		FROM early_warnings ORDER BY week_start DESC, level, entity, municipality LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: early warnings: %w", err)
	}
	var out []prevention.EarlyWarning
	idx := map[int64]int{}
	for rows.Next() {
		var w prevention.EarlyWarning
		var week, raised int64
		var surge, unusual int
		if err := rows.Scan(&w.ID, &w.Level, &w.Entity, &w.Municipality, &week, &w.Count, &w.Mean4, &w.Baseline, &w.PValue, &surge, &unusual, &raised); err != nil {
			_ = rows.Close()
			return nil, err
		}
		w.WeekStart, w.RaisedAt, w.Surge, w.Unusual = fromMicros(week), fromMicros(raised), surge == 1, unusual == 1
		idx[w.ID] = len(out)
		out = append(out, w)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	q := make([]string, 0, len(out))
	args := make([]any, 0, len(out))
	for _, w := range out {
		q, args = append(q, "?"), append(args, w.ID)
	}
	rows, err = db.readQuery(ctx, `SELECT warning_id, case_id FROM early_warning_cases WHERE warning_id IN (`+strings.Join(q, ", ")+`) ORDER BY case_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var wid, cid int64
		if err := rows.Scan(&wid, &cid); err != nil {
			return nil, err
		}
		out[idx[wid]].CaseIDs = append(out[idx[wid]].CaseIDs, cid)
	}
	return out, rows.Err()
}

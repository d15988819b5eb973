package store

import (
	"context"
	"fmt"
	"time"
)

// AppealReminderLead is how long before an appeal window closes the
// beneficiary is reminded of it.
const AppealReminderLead = 3 * 24 * time.Hour

// SweepReminders tells beneficiaries of their deadlines, once each: an
// appeal window of their latest risk evaluation that closes within
// AppealReminderLead while they have not appealed it, and an
// implementation deadline of one of their measures gone by while the
// measure is not in place (they are asked whether it arrived). Each
// reminder is a portal notice (noticeBeneficiary: neutral, within safe
// hours); it reports how many it sent.
func (db *DB) SweepReminders(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	var done int
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		window := db.AppealWindow()
		now := micros(tx.now)
		opened, closing := micros(tx.now.Add(-window)), micros(tx.now.Add(AppealReminderLead-window))
		type due struct {
			about     string
			id, case_ int64
		}
		var todo []due
		collect := func(about, q string, args ...any) error {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				d := due{about: about}
				if err := rows.Scan(&d.id, &d.case_); err != nil {
					return err
				}
				todo = append(todo, d)
			}
			return rows.Err()
		}
		// The window of the latest submitted evaluation closes soon; no
		// appeal of it was filed.
		if err := collect("appeal", `SELECT e.id, e.case_id FROM risk_evaluations e JOIN cases c ON c.id = e.case_id
			WHERE e.state = 'submitted' AND e.submitted_at > ? AND e.submitted_at <= ? AND c.stage <> 'closed'
			AND NOT EXISTS (SELECT 1 FROM risk_evaluations l WHERE l.case_id = e.case_id AND l.state = 'submitted' AND l.submitted_at > e.submitted_at)
			AND NOT EXISTS (SELECT 1 FROM appeals a WHERE a.evaluation_id = e.id)
			AND NOT EXISTS (SELECT 1 FROM beneficiary_reminders r WHERE r.about = 'appeal' AND r.object_id = e.id)
			ORDER BY e.submitted_at, e.id LIMIT ?`, opened, closing, limit); err != nil {
			return err
		}
		if err := collect("measure", `SELECT g.id, g.case_id FROM granted_measures g JOIN cases c ON c.id = g.case_id
			WHERE g.status IN ('granted', 'notified', 'implementing') AND g.deadline <= ? AND c.stage <> 'closed'
			AND NOT EXISTS (SELECT 1 FROM beneficiary_reminders r WHERE r.about = 'measure' AND r.object_id = g.id)
			ORDER BY g.deadline, g.id LIMIT ?`, now, limit); err != nil {
			return err
		}
		for _, d := range todo {
			if _, err := tx.Exec(ctx, `INSERT INTO beneficiary_reminders (about, object_id, case_id, at) VALUES (?, ?, ?, ?)`, d.about, d.id, d.case_, now); err != nil {
				return err
			}
			if err := tx.noticeBeneficiary(ctx, d.case_, AboutDeadline, fmt.Sprintf("deadline:%s:%d", d.about, d.id)); err != nil {
				return err
			}
			done++
		}
		return nil
	})
	if err != nil {
		done = 0
	}
	return done, err
}

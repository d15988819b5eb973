package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"escudo"
	"escudo/internal/procedure"
)

// recordMilestone stores a milestone and carries out the clock plan that
// procedure.MilestoneClocks makes for it. Clocks are rows with stored times,
// so a restart loses nothing.
func (tx *Tx) recordMilestone(ctx context.Context, caseID int64, proc escudo.Procedure, m escudo.Milestone, at time.Time) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_milestones WHERE case_id = ? AND milestone = ?`, caseID, string(m)).Scan(&n); err != nil {
		return err
	}
	var err error
	if n > 0 {
		_, err = tx.Exec(ctx, `UPDATE case_milestones SET at = ? WHERE case_id = ? AND milestone = ?`, micros(at), caseID, string(m))
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO case_milestones (case_id, milestone, at) VALUES (?, ?, ?)`, caseID, string(m), micros(at))
	}
	if err != nil {
		return fmt.Errorf("store: milestone: %w", err)
	}
	return tx.applyClocks(ctx, caseID, procedure.MilestoneClocks(tx.db.rules, proc, m, at))
}

// applyProcedure carries out the clock plan of a change of procedure.
func (tx *Tx) applyProcedure(ctx context.Context, caseID int64, proc escudo.Procedure) error {
	ms, err := tx.milestones(ctx, caseID)
	if err != nil {
		return err
	}
	return tx.applyClocks(ctx, caseID, procedure.ProcedureClocks(tx.db.rules, proc, ms))
}

// applyClocks carries out a clock plan, in order.
func (tx *Tx) applyClocks(ctx context.Context, caseID int64, plan []procedure.ClockAction) error {
	for _, a := range plan {
		var err error
		switch a.Kind {
		case procedure.StartClock:
			err = tx.startClock(ctx, caseID, a)
		case procedure.StopClock:
			_, err = tx.Exec(ctx, `UPDATE case_clocks SET stopped_at = ?, next_escalation_at = NULL WHERE case_id = ? AND rule = ? AND stopped_at IS NULL`, micros(a.At), caseID, a.Rule.Name)
		case procedure.RestartClock:
			_, err = tx.Exec(ctx, `UPDATE case_clocks SET started_at = ?, due_at = ?, stopped_at = NULL, breached_at = NULL, escalation = 0, next_escalation_at = NULL
				WHERE case_id = ? AND rule = ?`, micros(a.At), micros(a.Due()), caseID, a.Rule.Name)
		case procedure.DropClock:
			_, err = tx.Exec(ctx, `DELETE FROM case_clocks WHERE case_id = ? AND rule = ? AND stopped_at IS NULL`, caseID, a.Rule.Name)
		default:
			err = fmt.Errorf("unknown action %v", a.Kind)
		}
		if err != nil {
			return fmt.Errorf("store: %s clock %s: %w", a.Kind, a.Rule.Name, err)
		}
	}
	return nil
}

// startClock reads the case's clock of the rule and, when there is none, the
// rule's stop milestone, and writes what procedure.Start decides.
func (tx *Tx) startClock(ctx context.Context, caseID int64, a procedure.ClockAction) error {
	var stopped, breached sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT stopped_at, breached_at FROM case_clocks WHERE case_id = ? AND rule = ?`, caseID, a.Rule.Name).Scan(&stopped, &breached)
	var existing *escudo.ClockState
	if err == nil {
		existing = &escudo.ClockState{CaseID: caseID, Rule: a.Rule.Name, StoppedAt: ptrMicros(stopped), BreachedAt: ptrMicros(breached)}
	} else if !isNoRows(err) {
		return err
	}
	var stopRecorded *time.Time
	if existing == nil {
		var stop sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT at FROM case_milestones WHERE case_id = ? AND milestone = ?`, caseID, string(a.Rule.Stop)).Scan(&stop)
		if err != nil && !isNoRows(err) {
			return err
		}
		stopRecorded = ptrMicros(stop)
	}
	start := procedure.Start(a.Rule, a.At, existing, stopRecorded)
	switch {
	case start.Move:
		_, err := tx.Exec(ctx, `UPDATE case_clocks SET started_at = ?, due_at = ? WHERE case_id = ? AND rule = ? AND stopped_at IS NULL AND breached_at IS NULL`,
			micros(start.StartedAt), micros(start.DueAt), caseID, a.Rule.Name)
		return err
	case start.Insert:
		_, err := tx.Exec(ctx, `INSERT INTO case_clocks (case_id, rule, started_at, due_at, stopped_at, escalation) VALUES (?, ?, ?, ?, ?, 0)`,
			caseID, a.Rule.Name, micros(start.StartedAt), micros(start.DueAt), nullMicros(start.StoppedAt))
		return err
	}
	return nil
}

// cancelClocks removes running clocks of a case that closes.
func (tx *Tx) cancelClocks(ctx context.Context, caseID int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM case_clocks WHERE case_id = ? AND stopped_at IS NULL`, caseID)
	return err
}

func (tx *Tx) milestones(ctx context.Context, caseID int64) (map[escudo.Milestone]time.Time, error) {
	rows, err := tx.Query(ctx, `SELECT milestone, at FROM case_milestones WHERE case_id = ?`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[escudo.Milestone]time.Time{}
	for rows.Next() {
		var m string
		var at int64
		if err := rows.Scan(&m, &at); err != nil {
			return nil, err
		}
		out[escudo.Milestone(m)] = fromMicros(at)
	}
	return out, rows.Err()
}

func (db *DB) rule(name string) (escudo.ClockRule, bool) {
	for _, r := range db.rules {
		if r.Name == name {
			return r, true
		}
	}
	return escudo.ClockRule{}, false
}

const clockColumns = `case_id, rule, started_at, due_at, stopped_at, breached_at, escalation`

func (db *DB) scanClock(row interface{ Scan(...any) error }, now time.Time) (escudo.ClockState, error) {
	var c escudo.ClockState
	var started, due int64
	var stopped, breached sql.NullInt64
	if err := row.Scan(&c.CaseID, &c.Rule, &started, &due, &stopped, &breached, &c.Escalation); err != nil {
		return c, err
	}
	c.StartedAt, c.DueAt, c.StoppedAt, c.BreachedAt = fromMicros(started), fromMicros(due), ptrMicros(stopped), ptrMicros(breached)
	r, _ := db.rule(c.Rule)
	c.Evaluate(now, r.WarnAt)
	return c, nil
}

// CaseClocks returns every clock of a case, evaluated now.
func (db *DB) CaseClocks(ctx context.Context, caseID int64) ([]escudo.ClockState, error) {
	rows, err := db.readQuery(ctx, `SELECT `+clockColumns+` FROM case_clocks WHERE case_id = ? ORDER BY due_at`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := db.Now()
	var out []escudo.ClockState
	for rows.Next() {
		c, err := db.scanClock(rows, now)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Breach is a clock the scheduler has just found breached or due for a
// further escalation.
type Breach struct {
	Clock      escudo.ClockState
	Reference  string
	AssignedTo int64
	Supervisor int64
	Escalation int
}

// SweepClocks marks newly breached clocks and escalates old breaches, in one
// transaction per call: each breach is recorded on the timeline and a
// notification for the assignee and their supervisor (and the coordinators:
// from the first escalation after the breach, or at the breach when nobody is
// assigned) is queued in the outbox. It returns what it did.
func (db *DB) SweepClocks(ctx context.Context, limit int) ([]Breach, error) {
	defer db.backlogFigures.invalidate()
	var out []Breach
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		now := micros(tx.now)
		rows, err := tx.Query(ctx, `SELECT k.case_id, k.rule, k.started_at, k.due_at, k.stopped_at, k.breached_at, k.escalation, c.reference, c.assigned_to, u.supervisor_id
			FROM case_clocks k JOIN cases c ON c.id = k.case_id LEFT JOIN users u ON u.id = c.assigned_to
			WHERE k.stopped_at IS NULL AND ((k.breached_at IS NULL AND k.due_at < ?) OR k.next_escalation_at <= ?)
			ORDER BY k.due_at LIMIT ?`, now, now, limit)
		if err != nil {
			return fmt.Errorf("store: sweep: %w", err)
		}
		for rows.Next() {
			var b Breach
			var started, due int64
			var stopped, breached, assigned, sup sql.NullInt64
			if err := rows.Scan(&b.Clock.CaseID, &b.Clock.Rule, &started, &due, &stopped, &breached, &b.Clock.Escalation, &b.Reference, &assigned, &sup); err != nil {
				rows.Close()
				return err
			}
			b.Clock.StartedAt, b.Clock.DueAt, b.Clock.BreachedAt = fromMicros(started), fromMicros(due), ptrMicros(breached)
			b.AssignedTo, b.Supervisor = assigned.Int64, sup.Int64
			out = append(out, b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			b := &out[i]
			r, _ := tx.db.rule(b.Clock.Rule)
			kind := escudo.EventClockBreach
			if b.Clock.BreachedAt == nil {
				b.Clock.BreachedAt = &tx.now
			} else {
				kind = escudo.EventEscalation
				b.Clock.Escalation++
			}
			b.Escalation = b.Clock.Escalation
			var next any
			if r.Escalate > 0 {
				next = micros(tx.now.Add(time.Duration(r.Escalate)))
			}
			if _, err := tx.Exec(ctx, `UPDATE case_clocks SET breached_at = ?, escalation = ?, next_escalation_at = ? WHERE case_id = ? AND rule = ?`,
				micros(*b.Clock.BreachedAt), b.Clock.Escalation, next, b.Clock.CaseID, b.Clock.Rule); err != nil {
				return err
			}
			detail := fmt.Sprintf("%s:%d", b.Clock.Rule, b.Clock.Escalation)
			if err := tx.addEvent(ctx, b.Clock.CaseID, 0, kind, detail, ""); err != nil {
				return err
			}
			recipients := []int64{b.AssignedTo, b.Supervisor}
			if b.Clock.Escalation >= 1 || b.AssignedTo == 0 {
				coords, err := tx.usersWithRole(ctx, escudo.RoleCoordinator)
				if err != nil {
					return err
				}
				recipients = append(recipients, coords...)
			}
			seen := map[int64]bool{}
			for _, uid := range recipients {
				if uid == 0 || seen[uid] {
					continue
				}
				seen[uid] = true
				if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: uid, Kind: kind, CaseID: b.Clock.CaseID,
					Subject: b.Reference + " " + b.Clock.Rule, DedupKey: fmt.Sprintf("clock:%d:%s:%d:%d", b.Clock.CaseID, b.Clock.Rule, b.Clock.Escalation, uid)}); err != nil {
					return err
				}
			}
			if err := tx.Audit(ctx, AuditEntry{Action: "clock." + kind, ObjectType: "case", ObjectID: fmt.Sprint(b.Clock.CaseID), Fields: b.Clock.Rule}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func (tx *Tx) usersWithRole(ctx context.Context, r escudo.Role) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE role = ? AND disabled = 0`, string(r))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// RecomputeDeadlines re-applies the configured limits to running clocks, so a
// change of configuration takes effect on existing cases at start-up.
func (db *DB) RecomputeDeadlines(ctx context.Context) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		for _, r := range db.rules {
			lim := int64(time.Duration(r.Limit) / time.Microsecond)
			if _, err := tx.Exec(ctx, `UPDATE case_clocks SET due_at = started_at + ? WHERE rule = ? AND stopped_at IS NULL AND breached_at IS NULL AND due_at <> started_at + ?`, lim, r.Name, lim); err != nil {
				return err
			}
		}
		return nil
	})
}

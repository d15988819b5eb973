package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"escudo"
	"escudo/internal/vault"
)

// Re-evaluation (issue 13, item 7). Scheduled re-evaluation is the
// recurring clock "reevaluation" (clock rules); a serious new incident
// staff record or an alert of the beneficiary resolved as a real emergency
// (outcome attended: help reached the person) writes a request in the same
// transaction (reevaluation_requests, migration 0970) rather than a
// deferred job: nothing has to be sent, the queue reads the table. A
// request is pending until an evaluation of the case is submitted after it.

// RequestReevaluation records a serious new incident on a case, sealed,
// and asks for a new evaluation of it.
func (db *DB) RequestReevaluation(ctx context.Context, caseID int64, note string) error {
	if err := escudo.CheckIncident(note); err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		s, err := tx.caseForUpdate(ctx, caseID)
		if err != nil {
			return err
		}
		if s.Stage == escudo.StageClosed {
			return escudo.Errorf(escudo.ECONFLICT, "reevaluation.case_closed")
		}
		return tx.requestReevaluation(ctx, caseID, escudo.ReevalIncident, 0, strings.TrimSpace(note))
	})
}

func (tx *Tx) requestReevaluation(ctx context.Context, caseID int64, cause string, alertID int64, note string) error {
	var sealed []byte
	if note != "" {
		var err error
		if sealed, err = tx.seal(vault.Risk, "reevaluation_requests.note", note); err != nil {
			return err
		}
	}
	uid := escudo.UserIDFromContext(ctx)
	id, err := tx.InsertID(ctx, `INSERT INTO reevaluation_requests (case_id, cause, alert_id, note_enc, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?)`,
		caseID, cause, nullID(alertID), sealed, nullID(uid), micros(tx.now))
	if err != nil {
		return fmt.Errorf("store: request re-evaluation: %w", err)
	}
	if err := tx.addEvent(ctx, caseID, uid, escudo.EventReevaluationRequested, cause, ""); err != nil {
		return err
	}
	return tx.Audit(ctx, AuditEntry{Action: "risk.reevaluation", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: fmt.Sprintf("request:%d,cause,note", id)})
}

// reevaluationForAlert asks for a new evaluation of every open case of
// the beneficiary of an alert resolved as a real emergency; called inside
// the resolution's transaction.
func (tx *Tx) reevaluationForAlert(ctx context.Context, a *escudo.Alert) error {
	if a.Outcome != string(escudo.OutcomeAttended) || a.PersonID == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id FROM cases WHERE person_id = ? AND stage <> ?`, a.PersonID, string(escudo.StageClosed))
	if err != nil {
		return fmt.Errorf("store: alert's cases: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := tx.requestReevaluation(ctx, id, escudo.ReevalAlert, a.ID, ""); err != nil {
			return err
		}
	}
	return nil
}

// ReevaluationQueue lists open cases to evaluate again: those whose
// scheduled re-evaluation clock is due soon or breached, and those with a
// pending triggered request (due TriggeredReevaluationLimit after it),
// most urgent (earliest deadline) first.
func (db *DB) ReevaluationQueue(ctx context.Context) ([]escudo.ReevaluationItem, error) {
	now := db.Now()
	var out []escudo.ReevaluationItem
	rows, err := db.readQuery(ctx, `SELECT c.id, c.reference, k.started_at, k.due_at, k.breached_at, k.escalation
		FROM case_clocks k JOIN cases c ON c.id = k.case_id
		WHERE k.rule = 'reevaluation' AND k.stopped_at IS NULL AND c.stage <> ?`, string(escudo.StageClosed))
	if err != nil {
		return nil, fmt.Errorf("store: re-evaluation queue: %w", err)
	}
	for rows.Next() {
		it := escudo.ReevaluationItem{Cause: escudo.ReevalScheduled, Clock: escudo.ClockState{Rule: "reevaluation"}}
		var started, due int64
		var breached sql.NullInt64
		if err := rows.Scan(&it.CaseID, &it.Reference, &started, &due, &breached, &it.Clock.Escalation); err != nil {
			_ = rows.Close()
			return nil, err
		}
		it.Clock.CaseID, it.Clock.StartedAt, it.Clock.DueAt, it.RequestedAt = it.CaseID, fromMicros(started), fromMicros(due), fromMicros(started)
		if breached.Valid {
			t := fromMicros(breached.Int64)
			it.Clock.BreachedAt = &t
		}
		it.Clock.Evaluate(now, 0)
		if it.Clock.Status == escudo.ClockDueSoon || it.Clock.Status == escudo.ClockBreached {
			out = append(out, it)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	// Pending requests: after the case's latest submitted evaluation.
	rows, err = db.readQuery(ctx, `SELECT c.id, c.reference, r.cause, r.requested_at FROM reevaluation_requests r JOIN cases c ON c.id = r.case_id
		WHERE c.stage <> ? AND r.requested_at > COALESCE((SELECT MAX(e.submitted_at) FROM risk_evaluations e WHERE e.case_id = r.case_id AND e.state = 'submitted'), 0)
		ORDER BY r.requested_at`, string(escudo.StageClosed))
	if err != nil {
		return nil, fmt.Errorf("store: re-evaluation requests: %w", err)
	}
	defer rows.Close()
	seen := map[int64]bool{}
	for rows.Next() {
		var it escudo.ReevaluationItem
		var at int64
		if err := rows.Scan(&it.CaseID, &it.Reference, &it.Cause, &at); err != nil {
			return nil, err
		}
		if seen[it.CaseID] {
			continue // the earliest pending request sets the deadline
		}
		seen[it.CaseID] = true
		it.RequestedAt = fromMicros(at)
		it.Clock = escudo.ClockState{CaseID: it.CaseID, Rule: "reevaluation_" + it.Cause, StartedAt: it.RequestedAt, DueAt: it.RequestedAt.Add(escudo.TriggeredReevaluationLimit)}
		it.Clock.Evaluate(now, 0)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b escudo.ReevaluationItem) int { return a.Clock.DueAt.Compare(b.Clock.DueAt) })
	return out, nil
}

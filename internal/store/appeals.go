package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"escudo"
	"escudo/internal/procedure"
	"escudo/internal/vault"
)

// Appeals (inconformidad): the rules are internal/procedure/appeal.go.
// Filing records the milestone appeal_filed (the appeal_ruling clock
// starts) and asks for a new evaluation (a re-evaluation request, cause
// appeal); the beneficiary's answer to it closes the appeal or sends it to
// the Consultative Council, which commissions a study due the configured time later (Options.AppealStudy)
// and rules, recording appeal_ruled. Every step is on the case timeline.

func checkLongText(field, s string, required bool) error {
	var v escudo.ValidationErrors
	if strings.TrimSpace(s) == "" {
		if required {
			v.Add(field, "validation.required", nil)
		}
	} else if len(s) > escudo.MaxLongText {
		v.Add(field, "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	return v.Err()
}

// FileAppeal files the beneficiary's disagreement with the case's latest
// submitted evaluation, within the window from its submission.
func (db *DB) FileAppeal(ctx context.Context, caseID int64, grounds string) (int64, error) {
	if err := checkLongText("grounds", grounds, true); err != nil {
		return 0, err
	}
	var id int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		s, err := tx.caseForUpdate(ctx, caseID)
		if err != nil {
			return err
		}
		var evalID, submitted int64
		err = tx.QueryRow(ctx, `SELECT id, submitted_at FROM risk_evaluations WHERE case_id = ? AND state = 'submitted' ORDER BY submitted_at DESC, id DESC LIMIT 1`, caseID).Scan(&evalID, &submitted)
		if isNoRows(err) {
			return escudo.FieldError("evaluation", "appeal.no_evaluation", nil)
		} else if err != nil {
			return err
		}
		if err := procedure.CheckAppealWindow(fromMicros(submitted), tx.now, tx.db.appealWindow); err != nil {
			return err
		}
		var open int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM appeals WHERE case_id = ? AND state NOT IN ('agreed', 'ruled')`, caseID).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return escudo.Errorf(escudo.ECONFLICT, "appeal.already_open")
		}
		step, err := procedure.RecordMilestone(s, escudo.MilestoneAppealFiled, tx.now, "", tx.now)
		if err != nil {
			return err
		}
		sealed, err := tx.seal(vault.Risk, "appeals.grounds", strings.TrimSpace(grounds))
		if err != nil {
			return err
		}
		uid := escudo.UserIDFromContext(ctx)
		id, err = tx.InsertID(ctx, `INSERT INTO appeals (case_id, evaluation_id, state, grounds_enc, filed_by, filed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			caseID, evalID, string(procedure.AppealFiled), sealed, nullID(uid), micros(tx.now), micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: file appeal: %w", err)
		}
		if err := tx.applyStep(ctx, caseID, s.Procedure, escudo.MilestoneAppealFiled, step); err != nil {
			return err
		}
		if err := tx.addEvent(ctx, caseID, uid, escudo.EventAppeal, string(procedure.AppealFiled), ""); err != nil {
			return err
		}
		if err := tx.requestReevaluation(ctx, caseID, escudo.ReevalAppeal, 0, ""); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "risk.appeal", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: fmt.Sprintf("appeal:%d,grounds", id)})
	})
	return id, err
}

// AppealAnswer records the beneficiary's answer to the new evaluation:
// agree closes the appeal (appeal_ruled), persist sends it to the Council.
// The new evaluation must have been submitted after the appeal was filed.
func (db *DB) AppealAnswer(ctx context.Context, appealID int64, agree bool) error {
	act := procedure.AppealPersist
	if agree {
		act = procedure.AppealAgree
	}
	return db.appealStep(ctx, appealID, act, "", func(tx *Tx, a *escudo.Appeal, next procedure.AppealState) error {
		var newID int64
		err := tx.QueryRow(ctx, `SELECT id FROM risk_evaluations WHERE case_id = ? AND state = 'submitted' AND submitted_at >= ? ORDER BY submitted_at DESC, id DESC LIMIT 1`,
			a.CaseID, micros(a.FiledAt)).Scan(&newID)
		if isNoRows(err) {
			return escudo.Errorf(escudo.ECONFLICT, "appeal.no_new_evaluation")
		} else if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE appeals SET new_evaluation_id = ?, answered_at = ? WHERE id = ?`, newID, micros(tx.now), appealID)
		return err
	})
}

// CommissionStudy is the Council commissioning the independent study, due
// StudyDays from now.
func (db *DB) CommissionStudy(ctx context.Context, appealID int64, terms string) error {
	if err := checkLongText("study", terms, true); err != nil {
		return err
	}
	return db.appealStep(ctx, appealID, procedure.AppealCommission, "", func(tx *Tx, a *escudo.Appeal, next procedure.AppealState) error {
		sealed, err := tx.seal(vault.Risk, "appeals.study", strings.TrimSpace(terms))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE appeals SET study_started_at = ?, study_due_at = ?, study_enc = ? WHERE id = ?`,
			micros(tx.now), micros(tx.now.Add(tx.db.appealStudy)), sealed, appealID)
		return err
	})
}

// RuleAppeal is the Council's ruling, after the study.
func (db *DB) RuleAppeal(ctx context.Context, appealID int64, ruling string) error {
	if err := checkLongText("ruling", ruling, true); err != nil {
		return err
	}
	return db.appealStep(ctx, appealID, procedure.AppealRule, "", func(tx *Tx, a *escudo.Appeal, next procedure.AppealState) error {
		sealed, err := tx.seal(vault.Risk, "appeals.ruling", strings.TrimSpace(ruling))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE appeals SET ruling_enc = ?, ruled_by = ?, ruled_at = ? WHERE id = ?`, sealed, nullID(escudo.UserIDFromContext(ctx)), micros(tx.now), appealID)
		return err
	})
}

// appealStep moves an appeal by act, runs write, records appeal_ruled when
// the appeal closes, and writes the timeline and the audit.
func (db *DB) appealStep(ctx context.Context, appealID int64, act procedure.AppealAction, _ string, write func(*Tx, *escudo.Appeal, procedure.AppealState) error) error {
	defer db.backlogFigures.invalidate()
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var a escudo.Appeal
		var filed int64
		err := tx.QueryRow(ctx, `SELECT id, case_id, state, filed_at FROM appeals WHERE id = ?`, appealID).Scan(&a.ID, &a.CaseID, &a.State, &filed)
		if isNoRows(err) {
			return errNotFound()
		} else if err != nil {
			return err
		}
		a.FiledAt = fromMicros(filed)
		s, err := tx.caseForUpdate(ctx, a.CaseID)
		if err != nil {
			return err
		}
		next, err := procedure.AppealStep(procedure.AppealState(a.State), act)
		if err != nil {
			return err
		}
		if err := write(tx, &a, next); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE appeals SET state = ?, updated_at = ? WHERE id = ?`, string(next), micros(tx.now), appealID); err != nil {
			return err
		}
		if procedure.AppealClosed(next) {
			step, err := procedure.RecordMilestone(s, escudo.MilestoneAppealRuled, tx.now, "", tx.now)
			if err != nil {
				return err
			}
			if err := tx.applyStep(ctx, a.CaseID, s.Procedure, escudo.MilestoneAppealRuled, step); err != nil {
				return err
			}
		}
		if err := tx.addEvent(ctx, a.CaseID, escudo.UserIDFromContext(ctx), escudo.EventAppeal, string(next), ""); err != nil {
			return err
		}
		if err := tx.noticeBeneficiary(ctx, a.CaseID, AboutAppeal, fmt.Sprintf("appeal:%d:%s", appealID, next)); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "risk.appeal", ObjectType: "case", ObjectID: fmt.Sprint(a.CaseID), Fields: fmt.Sprintf("appeal:%d,%s", appealID, act)})
	})
}

// AppealRef returns the access attributes of an appeal: those of its case.
func (db *DB) AppealCase(ctx context.Context, appealID int64) (int64, error) {
	var caseID int64
	err := db.readRow(ctx, `SELECT case_id FROM appeals WHERE id = ?`, appealID).Scan(&caseID)
	if isNoRows(err) {
		return 0, errNotFound()
	}
	return caseID, err
}

// Appeals lists appeals, newest first: of one case (caseID > 0), or those
// for the Council (persisted or in study) when forCouncil. The read of the
// sealed texts is audited.
func (db *DB) Appeals(ctx context.Context, caseID int64, forCouncil bool) ([]escudo.Appeal, error) {
	where, args := "a.case_id = ?", []any{caseID}
	if forCouncil {
		where, args = "a.state IN ('persisted', 'study', 'ruled')", nil
	}
	rows, err := db.readQuery(ctx, `SELECT a.id, a.case_id, c.reference, a.evaluation_id, a.state, a.grounds_enc, a.filed_at, a.new_evaluation_id,
		a.study_started_at, a.study_due_at, a.study_enc, a.ruling_enc, a.ruled_at, e.level, n.level
		FROM appeals a JOIN cases c ON c.id = a.case_id JOIN risk_evaluations e ON e.id = a.evaluation_id
		LEFT JOIN risk_evaluations n ON n.id = a.new_evaluation_id
		WHERE `+where+` ORDER BY CASE a.state WHEN 'ruled' THEN 1 WHEN 'agreed' THEN 1 ELSE 0 END, a.filed_at DESC, a.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: appeals: %w", err)
	}
	defer rows.Close()
	var out []escudo.Appeal
	opt := func(n sql.NullInt64) *time.Time {
		if !n.Valid {
			return nil
		}
		t := fromMicros(n.Int64)
		return &t
	}
	for rows.Next() {
		var a escudo.Appeal
		var grounds, study, ruling []byte
		var filed int64
		var newID, started, due, ruled sql.NullInt64
		var oldLevel, newLevel sql.NullString
		if err := rows.Scan(&a.ID, &a.CaseID, &a.Reference, &a.EvaluationID, &a.State, &grounds, &filed, &newID, &started, &due, &study, &ruling, &ruled, &oldLevel, &newLevel); err != nil {
			return nil, err
		}
		a.FiledAt, a.NewEvaluationID = fromMicros(filed), newID.Int64
		a.OldLevel, a.NewLevel = escudo.RiskLevel(oldLevel.String), escudo.RiskLevel(newLevel.String)
		a.StudyStartedAt, a.StudyDueAt, a.RuledAt = opt(started), opt(due), opt(ruled)
		for _, f := range []struct {
			dst   *string
			field string
			b     []byte
		}{{&a.Grounds, "appeals.grounds", grounds}, {&a.Study, "appeals.study", study}, {&a.Ruling, "appeals.ruling", ruling}} {
			if len(f.b) > 0 {
				if *f.dst, err = db.open(f.field, f.b); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	obj := "appeals"
	if caseID > 0 {
		obj = fmt.Sprint(caseID)
	}
	return out, db.Audit(ctx, AuditEntry{Action: "risk.read", ObjectType: "case", ObjectID: obj, Fields: "appeals"})
}

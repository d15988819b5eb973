package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"escudo"
	"escudo/internal/vault"
)

// Other bodies' assessments of a case (issue 13, item 6): recorded by staff
// with RiskAssessment, ended when no longer in force, listed on the case's
// assessments page. One in force above an evaluation's level flags that
// evaluation for the Board (otherBodiesAbove, store/risk.go).

// RecordAssessment records another body's assessment of a case, sealed,
// with a timeline entry and an audit entry, and returns its id.
func (db *DB) RecordAssessment(ctx context.Context, a *escudo.Assessment) (int64, error) {
	if err := a.Validate(db.Now()); err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	for _, m := range a.CatalogueMeasures {
		if _, ok := db.measures.Find(m); !ok || seen[m] {
			return 0, escudo.FieldError("catalogue_measures", "assessment.measure_unknown", nil)
		}
		seen[m] = true
	}
	listed, err := json.Marshal(a.CatalogueMeasures)
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		if _, err := tx.caseForUpdate(ctx, a.CaseID); err != nil {
			return err
		}
		var name, measures, doc, catalogue []byte
		var err error
		seal := func(dst *[]byte, field, s string) {
			if err == nil {
				*dst, err = tx.seal(vault.Risk, field, s)
			}
		}
		seal(&name, "risk_assessments.body_name", a.BodyName)
		seal(&measures, "risk_assessments.measures", a.Measures)
		seal(&doc, "risk_assessments.document", a.Document)
		if len(a.CatalogueMeasures) > 0 {
			seal(&catalogue, "risk_assessments.catalogue_measures", string(listed))
		}
		if err != nil {
			return err
		}
		uid := escudo.UserIDFromContext(ctx)
		id, err = tx.InsertID(ctx, `INSERT INTO risk_assessments (case_id, body, body_name_enc, reference, level, measures_enc, catalogue_measures_enc, document_enc, decided_at, recorded_by, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.CaseID, string(a.Body), name, a.Reference, string(a.Level), measures, catalogue, doc,
			micros(a.DecidedAt), nullID(uid), micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: record assessment: %w", err)
		}
		if err := tx.addEvent(ctx, a.CaseID, uid, escudo.EventAssessment, string(a.Body)+":"+string(a.Level), ""); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "risk.assessment", ObjectType: "case", ObjectID: fmt.Sprint(a.CaseID),
			Fields: "assessment:" + fmt.Sprint(id) + ",body,reference,level,measures,catalogue_measures,document"})
	})
	return id, err
}

// EndAssessment marks an assessment of the case as no longer in force. An
// assessment already ended is a conflict; one of another case is unknown.
func (db *DB) EndAssessment(ctx context.Context, caseID, id int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		if _, err := tx.caseForUpdate(ctx, caseID); err != nil {
			return err
		}
		var body string
		var ended sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT body, ended_at FROM risk_assessments WHERE id = ? AND case_id = ?`, id, caseID).Scan(&body, &ended)
		if isNoRows(err) {
			return errNotFound()
		} else if err != nil {
			return err
		}
		if ended.Valid {
			return escudo.Errorf(escudo.ECONFLICT, "assessment.already_ended")
		}
		if _, err := tx.Exec(ctx, `UPDATE risk_assessments SET ended_at = ? WHERE id = ?`, micros(tx.now), id); err != nil {
			return fmt.Errorf("store: end assessment: %w", err)
		}
		uid := escudo.UserIDFromContext(ctx)
		if err := tx.addEvent(ctx, caseID, uid, escudo.EventAssessmentEnded, body, ""); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "risk.assessment", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "assessment:" + fmt.Sprint(id) + ",ended_at"})
	})
}

// CaseAssessments lists a case's assessments by other bodies, those in
// force first, then newest decision first, with their sealed fields open;
// the read is audited.
func (db *DB) CaseAssessments(ctx context.Context, caseID int64) ([]escudo.Assessment, error) {
	rows, err := db.readQuery(ctx, `SELECT a.id, a.case_id, a.body, a.body_name_enc, a.reference, a.level, a.measures_enc, a.catalogue_measures_enc, a.document_enc,
		a.decided_at, a.ended_at, a.recorded_at, u.display_name
		FROM risk_assessments a LEFT JOIN users u ON u.id = a.recorded_by
		WHERE a.case_id = ? ORDER BY CASE WHEN a.ended_at IS NULL THEN 0 ELSE 1 END, a.decided_at DESC, a.id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []escudo.Assessment
	for rows.Next() {
		var a escudo.Assessment
		var name, measures, catalogue, doc []byte
		var decided, recorded int64
		var ended sql.NullInt64
		var by sql.NullString
		if err := rows.Scan(&a.ID, &a.CaseID, &a.Body, &name, &a.Reference, &a.Level, &measures, &catalogue, &doc, &decided, &ended, &recorded, &by); err != nil {
			return nil, err
		}
		for _, f := range []struct {
			dst   *string
			field string
			b     []byte
		}{{&a.BodyName, "risk_assessments.body_name", name}, {&a.Measures, "risk_assessments.measures", measures}, {&a.Document, "risk_assessments.document", doc}} {
			if len(f.b) == 0 {
				continue
			}
			if *f.dst, err = db.open(f.field, f.b); err != nil {
				return nil, err
			}
		}
		if len(catalogue) > 0 {
			listed, err := db.open("risk_assessments.catalogue_measures", catalogue)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(listed), &a.CatalogueMeasures); err != nil {
				return nil, fmt.Errorf("store: assessment %d measures: %w", a.ID, err)
			}
		}
		a.DecidedAt, a.RecordedAt, a.RecordedBy = fromMicros(decided), fromMicros(recorded), by.String
		if ended.Valid {
			t := fromMicros(ended.Int64)
			a.EndedAt = &t
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.Audit(ctx, AuditEntry{Action: "risk.read", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "assessments"})
}

// ForBoard reports, of the cases given, those whose latest submitted
// evaluation raised a Board flag (a level below another body's, lower than
// before, or fewer measures): the backlog marks them "for the Board".
func (db *DB) ForBoard(ctx context.Context, caseIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(caseIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(caseIDs))
	for i, id := range caseIDs {
		args[i] = id
	}
	in := strings.Repeat("?,", len(caseIDs))
	in = in[:len(in)-1]
	rows, err := db.readQuery(ctx, `SELECT e.case_id, e.board_flag FROM risk_evaluations e
		WHERE e.state = 'submitted' AND e.case_id IN (`+in+`) AND e.id = (SELECT MAX(x.id) FROM risk_evaluations x WHERE x.case_id = e.case_id AND x.state = 'submitted')`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: board flags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var flag string
		if err := rows.Scan(&id, &flag); err != nil {
			return nil, err
		}
		if flag != "" {
			out[id] = true
		}
	}
	return out, rows.Err()
}

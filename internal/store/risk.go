package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/measures"
	"escudo/internal/procedure"
	"escudo/internal/risk"
	"escudo/internal/vault"
)

// Risk evaluations (docs/risk.md). The rules are internal/risk (the
// instrument and the formula), internal/procedure (who evaluates what, and
// what submitting does to the case) and internal/measures (the catalogue
// proposals come from); this file stores them.

// Instrument returns the instrument new evaluations use.
func (db *DB) Instrument() *risk.Instrument { return db.instrument }

// AppealWindow is how long after an evaluation the beneficiary may
// disagree with it.
func (db *DB) AppealWindow() time.Duration { return db.appealWindow }

// Measures returns the measures catalogue.
func (db *DB) Measures() *measures.Catalogue { return db.measures }

// registerInstrument stores the configured instrument version, once. A
// version already stored with other content is refused when an evaluation
// used it (a version once used never changes) and replaced otherwise; older
// versions of the same instrument are retired, so no new evaluation uses
// them. Several nodes may do this at once: the insert is idempotent.
func (db *DB) registerInstrument(ctx context.Context) error {
	inst := db.instrument
	body := inst.Canonical()
	hash := inst.Hash()
	return db.WithTx(ctx, true, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO risk_instruments (instrument, version, hash, body, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (instrument, version) DO NOTHING`, inst.ID, inst.Version, hash, string(body), micros(tx.now)); err != nil {
			return fmt.Errorf("store: register instrument: %w", err)
		}
		var stored string
		if err := tx.QueryRow(ctx, `SELECT hash FROM risk_instruments WHERE instrument = ? AND version = ?`, inst.ID, inst.Version).Scan(&stored); err != nil {
			return err
		}
		if stored != hash {
			var used int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM risk_evaluations WHERE instrument = ? AND version = ?`, inst.ID, inst.Version).Scan(&used); err != nil {
				return err
			}
			if used > 0 {
				return fmt.Errorf("store: risk instrument %s version %d was used by %d evaluations with other content (hash %s, now %s): "+
					"a used version never changes; give the changed instrument a new version", inst.ID, inst.Version, used, stored[:12], hash[:12])
			}
			if _, err := tx.Exec(ctx, `UPDATE risk_instruments SET hash = ?, body = ? WHERE instrument = ? AND version = ?`, hash, string(body), inst.ID, inst.Version); err != nil {
				return err
			}
			db.instruments.Delete(instrumentKey(inst.ID, inst.Version))
		}
		_, err := tx.Exec(ctx, `UPDATE risk_instruments SET retired_at = ? WHERE instrument = ? AND version <> ? AND retired_at IS NULL`,
			micros(tx.now), inst.ID, inst.Version)
		return err
	})
}

func instrumentKey(id string, version int) string { return id + "/" + strconv.Itoa(version) }

// InstrumentVersion returns a stored instrument version, parsed, and
// whether it is retired. An unknown version is a field error on
// "instrument".
func (db *DB) InstrumentVersion(ctx context.Context, id string, version int) (*risk.Instrument, bool, error) {
	var retired sql.NullInt64
	err := db.readRow(ctx, `SELECT retired_at FROM risk_instruments WHERE instrument = ? AND version = ?`, id, version).Scan(&retired)
	if isNoRows(err) {
		return nil, false, escudo.FieldError("instrument", "risk.instrument_unknown", map[string]any{"ID": id, "Version": version})
	} else if err != nil {
		return nil, false, fmt.Errorf("store: instrument: %w", err)
	}
	inst, err := db.ParsedInstrument(ctx, id, version)
	return inst, retired.Valid, err
}

// ParsedInstrument returns a stored instrument version, parsed once and
// then kept: a stored version never changes once used.
func (db *DB) ParsedInstrument(ctx context.Context, id string, version int) (*risk.Instrument, error) {
	key := instrumentKey(id, version)
	if v, ok := db.instruments.Load(key); ok {
		return v.(*risk.Instrument), nil
	}
	var body string
	err := db.readRow(ctx, `SELECT body FROM risk_instruments WHERE instrument = ? AND version = ?`, id, version).Scan(&body)
	if isNoRows(err) {
		return nil, escudo.FieldError("instrument", "risk.instrument_unknown", map[string]any{"ID": id, "Version": version})
	} else if err != nil {
		return nil, fmt.Errorf("store: instrument: %w", err)
	}
	inst, err := risk.Parse([]byte(body))
	if err != nil {
		return nil, fmt.Errorf("store: stored instrument %s: %w", key, err)
	}
	db.instruments.Store(key, inst)
	return inst, nil
}

// CaseReference returns a case's reference, nothing else: what a page
// about something on the case needs to name it.
func (db *DB) CaseReference(ctx context.Context, id int64) (string, error) {
	var ref string
	err := db.readRow(ctx, `SELECT reference FROM cases WHERE id = ?`, id).Scan(&ref)
	if isNoRows(err) {
		return "", errNotFound()
	}
	return ref, err
}

// InstrumentBody returns a stored instrument version as published (the
// canonical JSON), for anyone who wants to recompute an evaluation.
func (db *DB) InstrumentBody(ctx context.Context, id string, version int) ([]byte, error) {
	var body string
	err := db.readRow(ctx, `SELECT body FROM risk_instruments WHERE instrument = ? AND version = ?`, id, version).Scan(&body)
	if isNoRows(err) {
		return nil, errNotFound()
	}
	return []byte(body), err
}

// evaluationAnswers is what answers_enc holds.
type evaluationAnswers struct {
	Factors map[string]int64  `json:"factors"`
	Context map[string]string `json:"context"`
	Notes   map[string]string `json:"notes,omitempty"`
}

// calibrationDims is what calibration_enc holds: the answers the
// calibration report groups by.
type calibrationDims struct {
	Gender  string `json:"gender"`
	Ethnic  string `json:"ethnic_identity"`
	Profile string `json:"profile"`
	Entity  string `json:"entity,omitempty"` // the person's federal entity at submission
}

// StartEvaluation opens a draft evaluation of kind on a case with the
// current instrument, for the signed-in user, and returns its id. A draft of
// the same kind already open on the case is returned instead of a second
// one, so two analysts do not answer the same questions twice (a draft on
// a version since retired is left, and a new one opened).
func (db *DB) StartEvaluation(ctx context.Context, caseID int64, kind escudo.EvaluationKind, reason escudo.EvaluationReason) (int64, error) {
	var id int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		s, err := tx.caseForUpdate(ctx, caseID)
		if err != nil {
			return err
		}
		if err := procedure.MayEvaluate(s, kind, reason, roleOf(ctx)); err != nil {
			return err
		}
		inst := tx.db.instrument
		// A node not yet restarted with a newer version another node
		// registered would open drafts nobody can submit.
		var retired sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT retired_at FROM risk_instruments WHERE instrument = ? AND version = ?`, inst.ID, inst.Version).Scan(&retired); err != nil {
			return fmt.Errorf("store: instrument in use: %w", err)
		}
		if retired.Valid {
			return escudo.FieldError("instrument", "risk.instrument_retired", map[string]any{"ID": inst.ID, "Version": inst.Version})
		}
		err = tx.QueryRow(ctx, `SELECT id FROM risk_evaluations WHERE case_id = ? AND kind = ? AND state = ? AND instrument = ? AND version = ? ORDER BY id LIMIT 1`,
			caseID, string(kind), string(escudo.StateDraft), inst.ID, inst.Version).Scan(&id)
		if err == nil {
			return nil
		} else if !isNoRows(err) {
			return err
		}
		var prev sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT MAX(id) FROM risk_evaluations WHERE case_id = ? AND state = ?`, caseID, string(escudo.StateSubmitted)).Scan(&prev); err != nil {
			return err
		}
		id, err = tx.InsertID(ctx, `INSERT INTO risk_evaluations (case_id, kind, reason, state, instrument, version, analyst_id, previous_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, caseID, string(kind), string(reason), string(escudo.StateDraft), inst.ID, inst.Version,
			nullID(escudo.UserIDFromContext(ctx)), nullID(prev.Int64), micros(tx.now), micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: start evaluation: %w", err)
		}
		if err := tx.addEvent(ctx, caseID, escudo.UserIDFromContext(ctx), escudo.EventEvaluationStarted, string(kind), ""); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "risk.draft", ObjectType: "evaluation", ObjectID: fmt.Sprint(id), Fields: "kind,reason"})
	})
	return id, err
}

func roleOf(ctx context.Context) escudo.Role {
	if u := escudo.UserFromContext(ctx); u != nil {
		return u.Role
	}
	return ""
}

// EvaluationRef returns the access attributes of an evaluation: those of
// its case.
func (db *DB) EvaluationRef(ctx context.Context, id int64) (ObjectRef, error) {
	var caseID int64
	err := db.readRow(ctx, `SELECT case_id FROM risk_evaluations WHERE id = ?`, id).Scan(&caseID)
	if isNoRows(err) {
		return ObjectRef{}, errNotFound()
	} else if err != nil {
		return ObjectRef{}, fmt.Errorf("store: evaluation ref: %w", err)
	}
	return db.CaseRef(ctx, caseID)
}

// evaluationRow is an evaluation as stored, before its sealed fields are
// opened.
type evaluationRow struct {
	e                                      escudo.Evaluation
	answers, proposals, justification, cal []byte
}

const evaluationColumns = `e.id, e.case_id, e.kind, e.reason, e.state, e.instrument, e.version, e.analyst_id, e.previous_id,
	e.answers_enc, e.proposals_enc, e.justification_enc, e.calibration_enc, e.level, e.value_num, e.value_den, e.board_flag,
	e.created_at, e.updated_at, e.submitted_at, u.display_name`

func scanEvaluation(row interface{ Scan(...any) error }) (*evaluationRow, error) {
	var r evaluationRow
	e := &r.e
	var analyst, prev, num, den, submitted sql.NullInt64
	var level, name sql.NullString
	var created, updated int64
	var flags string
	if err := row.Scan(&e.ID, &e.CaseID, &e.Kind, &e.Reason, &e.State, &e.Instrument, &e.Version, &analyst, &prev,
		&r.answers, &r.proposals, &r.justification, &r.cal, &level, &num, &den, &flags, &created, &updated, &submitted, &name); err != nil {
		return nil, err
	}
	e.AnalystID, e.PreviousID, e.AnalystName = analyst.Int64, prev.Int64, name.String
	e.Level, e.Num, e.Den = escudo.RiskLevel(level.String), num.Int64, den.Int64
	if flags != "" {
		e.BoardFlags = strings.Split(flags, ",")
	}
	e.CreatedAt, e.UpdatedAt = fromMicros(created), fromMicros(updated)
	if submitted.Valid {
		t := fromMicros(submitted.Int64)
		e.SubmittedAt = &t
	}
	return &r, nil
}

// open fills the evaluation's sealed fields.
func (db *DB) openEvaluation(r *evaluationRow) (*escudo.Evaluation, error) {
	e := &r.e
	if len(r.answers) > 0 {
		s, err := db.open("risk_evaluations.answers", r.answers)
		if err != nil {
			return nil, err
		}
		var a evaluationAnswers
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			return nil, fmt.Errorf("store: evaluation %d answers: %w", e.ID, err)
		}
		e.Factors, e.Context, e.Notes = a.Factors, a.Context, a.Notes
	}
	if len(r.proposals) > 0 {
		s, err := db.open("risk_evaluations.proposals", r.proposals)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(s), &e.Proposals); err != nil {
			return nil, fmt.Errorf("store: evaluation %d proposals: %w", e.ID, err)
		}
	}
	if len(r.justification) > 0 {
		s, err := db.open("risk_evaluations.justification", r.justification)
		if err != nil {
			return nil, err
		}
		e.Justification = s
	}
	if e.Factors == nil {
		e.Factors = map[string]int64{}
	}
	if e.Context == nil {
		e.Context = map[string]string{}
	}
	return e, nil
}

// Evaluation returns one evaluation with its answers, and audits the read
// of the risk compartment.
func (db *DB) Evaluation(ctx context.Context, id int64) (*escudo.Evaluation, error) {
	e, err := db.evaluation(ctx, id)
	if err != nil {
		return nil, err
	}
	return e, db.Audit(ctx, AuditEntry{Action: "risk.read", ObjectType: "evaluation", ObjectID: fmt.Sprint(id), Fields: "answers,proposals,justification"})
}

func (db *DB) evaluation(ctx context.Context, id int64) (*escudo.Evaluation, error) {
	r, err := scanEvaluation(db.readRow(ctx, `SELECT `+evaluationColumns+` FROM risk_evaluations e LEFT JOIN users u ON u.id = e.analyst_id WHERE e.id = ?`, id))
	if isNoRows(err) {
		return nil, errNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("store: evaluation: %w", err)
	}
	return db.openEvaluation(r)
}

// CaseEvaluations lists a case's evaluations, newest first, without their
// sealed answers: kind, reason, state, analyst, level and dates.
func (db *DB) CaseEvaluations(ctx context.Context, caseID int64) ([]escudo.Evaluation, error) {
	rows, err := db.readQuery(ctx, `SELECT `+evaluationColumns+` FROM risk_evaluations e LEFT JOIN users u ON u.id = e.analyst_id
		WHERE e.case_id = ? ORDER BY e.id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []escudo.Evaluation
	for rows.Next() {
		r, err := scanEvaluation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.e)
	}
	return out, rows.Err()
}

// checkDraft validates a draft's content against its instrument version and
// the catalogue; complete demands every answer (submission).
func (db *DB) checkDraft(inst *risk.Instrument, d escudo.EvaluationDraft, complete bool) (risk.Result, error) {
	a := risk.Answers{Instrument: inst.ID, Version: inst.Version, Factors: d.Factors, Context: d.Context, Notes: d.Notes}
	var v escudo.ValidationErrors
	var res risk.Result
	var err error
	if complete {
		res, err = risk.Evaluate(inst, a)
	} else {
		err = risk.CheckDraft(inst, a)
	}
	if fe, ok := escudo.AsValidation(err); ok {
		v = append(v, fe...)
	} else if err != nil {
		return res, err
	}
	if fe, ok := escudo.AsValidation(db.measures.CheckProposals(d.Proposals)); ok {
		v = append(v, fe...)
	}
	if len(d.Justification) > escudo.MaxLongText {
		v.Add("justification", "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	return res, v.Err()
}

// draftFor loads an evaluation for a change: it must be a draft, of a case
// the user may evaluate in that kind, with an instrument version that is
// stored and not retired.
func (tx *Tx) draftFor(ctx context.Context, id int64) (*escudo.Evaluation, procedure.State, *risk.Instrument, error) {
	var e escudo.Evaluation
	err := tx.QueryRow(ctx, `SELECT id, case_id, kind, reason, state, instrument, version, previous_id FROM risk_evaluations WHERE id = ?`, id).
		Scan(&e.ID, &e.CaseID, &e.Kind, &e.Reason, &e.State, &e.Instrument, &e.Version, new(sql.NullInt64))
	if isNoRows(err) {
		return nil, procedure.State{}, nil, errNotFound()
	} else if err != nil {
		return nil, procedure.State{}, nil, err
	}
	if e.State != escudo.StateDraft {
		return nil, procedure.State{}, nil, escudo.Errorf(escudo.ECONFLICT, "risk.already_submitted")
	}
	s, err := tx.caseForUpdate(ctx, e.CaseID)
	if err != nil {
		return nil, s, nil, err
	}
	if err := procedure.MayEvaluate(s, e.Kind, e.Reason, roleOf(ctx)); err != nil {
		return nil, s, nil, err
	}
	inst, retired, err := tx.db.InstrumentVersion(ctx, e.Instrument, e.Version)
	if err != nil {
		return nil, s, nil, err
	}
	if retired {
		return nil, s, nil, escudo.FieldError("instrument", "risk.instrument_retired", map[string]any{"ID": e.Instrument, "Version": e.Version})
	}
	return &e, s, inst, nil
}

// sealDraft writes a draft's sealed fields.
func (tx *Tx) sealDraft(ctx context.Context, id int64, d escudo.EvaluationDraft) error {
	ab, err := json.Marshal(evaluationAnswers{Factors: d.Factors, Context: d.Context, Notes: d.Notes})
	if err != nil {
		return err
	}
	answers, err := tx.seal(vault.Risk, "risk_evaluations.answers", string(ab))
	if err != nil {
		return err
	}
	var proposals, justification []byte
	if len(d.Proposals) > 0 {
		pb, err := json.Marshal(d.Proposals)
		if err != nil {
			return err
		}
		if proposals, err = tx.seal(vault.Risk, "risk_evaluations.proposals", string(pb)); err != nil {
			return err
		}
	}
	if d.Justification = strings.TrimSpace(d.Justification); d.Justification != "" {
		if justification, err = tx.seal(vault.Risk, "risk_evaluations.justification", d.Justification); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `UPDATE risk_evaluations SET answers_enc = ?, proposals_enc = ?, justification_enc = ?, analyst_id = COALESCE(analyst_id, ?), updated_at = ? WHERE id = ?`,
		answers, proposals, justification, nullID(escudo.UserIDFromContext(ctx)), micros(tx.now), id)
	return err
}

// SaveEvaluation saves a draft's answers. What is answered must be valid;
// what is not answered yet may wait. Nothing is stored when anything is
// invalid.
func (db *DB) SaveEvaluation(ctx context.Context, id int64, d escudo.EvaluationDraft) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		_, _, inst, err := tx.draftFor(ctx, id)
		if err != nil {
			return err
		}
		if _, err := db.checkDraft(inst, d, false); err != nil {
			return err
		}
		if err := tx.sealDraft(ctx, id, d); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "risk.draft", ObjectType: "evaluation", ObjectID: fmt.Sprint(id), Fields: "answers,proposals"})
	})
}

// previousSubmitted is the case's latest submitted evaluation before id,
// if any: its level and proposals, for the flags a lower one raises.
func (tx *Tx) previousSubmitted(ctx context.Context, caseID, id int64) (*escudo.Evaluation, error) {
	r, err := scanEvaluation(tx.QueryRow(ctx, `SELECT `+evaluationColumns+` FROM risk_evaluations e LEFT JOIN users u ON u.id = e.analyst_id
		WHERE e.case_id = ? AND e.state = ? AND e.id <> ? ORDER BY e.submitted_at DESC, e.id DESC LIMIT 1`, caseID, string(escudo.StateSubmitted), id))
	if isNoRows(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return tx.db.openEvaluation(r)
}

// BoardFlags are the flags an evaluation at level with proposals raises
// against the case's previous evaluation: a lower level, or fewer measures
// proposed. The other bodies' levels add theirs (FlagBelowOtherBody).
func BoardFlags(level escudo.RiskLevel, proposals []escudo.MeasureProposal, prev *escudo.Evaluation) []string {
	var flags []string
	if prev == nil {
		return nil
	}
	if level.Rank() < prev.Level.Rank() {
		flags = append(flags, escudo.FlagLowersLevel)
	}
	dropped := false
	for _, p := range prev.Proposals {
		if !slices.ContainsFunc(proposals, func(q escudo.MeasureProposal) bool { return q.Measure == p.Measure }) {
			dropped = true
		}
	}
	if dropped {
		flags = append(flags, escudo.FlagFewerMeasures)
	}
	return flags
}

// SubmitEvaluation submits a draft with its final answers: every factor and
// every required context question answered, proposals from the catalogue
// with their reasons. The level is computed from the stored instrument
// version and recorded with the exact fraction; a level lower than the
// case's previous evaluation or another body's current level, or fewer
// measures than before, needs a justification and flags the case for the
// Board. The evaluation's milestone is recorded (it stops its clock and,
// for the first full evaluation, sends the case to the Board), and the
// timeline shows it.
func (db *DB) SubmitEvaluation(ctx context.Context, id int64, d escudo.EvaluationDraft) (*escudo.Evaluation, error) {
	defer db.backlogFigures.invalidate()
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		e, s, inst, err := tx.draftFor(ctx, id)
		if err != nil {
			return err
		}
		res, err := db.checkDraft(inst, d, true)
		if err != nil {
			return err
		}
		prev, err := tx.previousSubmitted(ctx, e.CaseID, id)
		if err != nil {
			return err
		}
		flags := BoardFlags(res.Level, d.Proposals, prev)
		other, err := tx.otherBodiesAbove(ctx, e.CaseID, res.Level)
		if err != nil {
			return err
		}
		if other {
			flags = append(flags, escudo.FlagBelowOtherBody)
		}
		if len(flags) > 0 && strings.TrimSpace(d.Justification) == "" {
			return escudo.FieldError("justification", "risk.justification_required", nil)
		}
		if err := tx.sealDraft(ctx, id, d); err != nil {
			return err
		}
		dims, err := tx.calibrationDims(ctx, e.CaseID, d.Context)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE risk_evaluations SET state = ?, level = ?, value_num = ?, value_den = ?, board_flag = ?, calibration_enc = ?, submitted_at = ?, updated_at = ? WHERE id = ?`,
			string(escudo.StateSubmitted), string(res.Level), res.Num, res.Den, strings.Join(flags, ","), dims, micros(tx.now), micros(tx.now), id)
		if err != nil {
			return fmt.Errorf("store: submit evaluation: %w", err)
		}
		var earlier int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM risk_evaluations WHERE case_id = ? AND kind = ? AND state = ? AND id <> ?`,
			e.CaseID, string(escudo.EvaluationFull), string(escudo.StateSubmitted), id).Scan(&earlier); err != nil {
			return err
		}
		if earlier == 0 && e.Kind == escudo.EvaluationFull {
			// An "evaluated" recorded by hand before evaluations existed
			// counts as the first evaluation.
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_milestones WHERE case_id = ? AND milestone = ?`, e.CaseID, string(escudo.MilestoneEvaluated)).Scan(&earlier); err != nil {
				return err
			}
		}
		m := procedure.EvaluationMilestone(e.Kind, earlier > 0)
		step, err := procedure.SubmitStep(s, m, tx.now)
		if err != nil {
			return err
		}
		if err := tx.applyStep(ctx, e.CaseID, s.Procedure, m, step); err != nil {
			return err
		}
		if err := tx.addEvent(ctx, e.CaseID, escudo.UserIDFromContext(ctx), escudo.EventEvaluation, string(e.Kind)+":"+string(res.Level), ""); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "risk.submit", ObjectType: "evaluation", ObjectID: fmt.Sprint(id), Fields: "answers,proposals,level"})
	})
	if err != nil {
		return nil, err
	}
	return db.evaluation(ctx, id)
}

// calibrationDims seals the answers the calibration report groups by.
func (tx *Tx) calibrationDims(ctx context.Context, caseID int64, context map[string]string) ([]byte, error) {
	var profile string
	var entityEnc []byte
	if err := tx.QueryRow(ctx, `SELECT p.profile, p.entity_enc FROM cases c JOIN people p ON p.id = c.person_id WHERE c.id = ?`, caseID).Scan(&profile, &entityEnc); err != nil {
		return nil, fmt.Errorf("store: evaluation profile: %w", err)
	}
	entity, err := tx.db.open("people.entity", entityEnc)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(calibrationDims{Gender: context["gender"], Ethnic: context["ethnic_identity"], Profile: profile, Entity: entity})
	if err != nil {
		return nil, err
	}
	return tx.seal(vault.Risk, "risk_evaluations.calibration", string(b))
}

// Recomputation is the answer to "does this evaluation's level follow
// from its answers?": the level stored, and the result computed again from
// the stored instrument version.
type Recomputation struct {
	Evaluation *escudo.Evaluation
	Result     risk.Result
	Matches    bool
}

// RecomputeEvaluation recomputes a submitted evaluation from its stored
// instrument version and answers, and says whether the result matches what
// was stored. The read is audited.
func (db *DB) RecomputeEvaluation(ctx context.Context, id int64) (*Recomputation, error) {
	e, err := db.Evaluation(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.State != escudo.StateSubmitted {
		return nil, escudo.Errorf(escudo.ECONFLICT, "risk.not_submitted")
	}
	inst, _, err := db.InstrumentVersion(ctx, e.Instrument, e.Version)
	if err != nil {
		return nil, err
	}
	res, err := risk.Recompute(inst, risk.Answers{Instrument: e.Instrument, Version: e.Version, Factors: e.Factors, Context: e.Context, Notes: e.Notes})
	if err != nil {
		return &Recomputation{Evaluation: e}, nil
	}
	return &Recomputation{Evaluation: e, Result: res, Matches: res.Level == e.Level && res.Num == e.Num && res.Den == e.Den}, nil
}

// SubmittedEvaluationIDs lists every submitted evaluation's id, oldest
// first: what `escudo risk recompute --all` goes through.
func (db *DB) SubmittedEvaluationIDs(ctx context.Context) ([]int64, error) {
	rows, err := db.readQuery(ctx, `SELECT id FROM risk_evaluations WHERE state = ? ORDER BY id`, string(escudo.StateSubmitted))
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

// otherBodiesAbove reports whether another body's assessment of the case
// in force now (risk_assessments, store/risk_assessments.go) is above level.
func (tx *Tx) otherBodiesAbove(ctx context.Context, caseID int64, level escudo.RiskLevel) (bool, error) {
	rows, err := tx.Query(ctx, `SELECT level FROM risk_assessments WHERE case_id = ? AND ended_at IS NULL`, caseID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	above := false
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return false, err
		}
		above = above || escudo.RiskLevel(l).Rank() > level.Rank()
	}
	return above, rows.Err()
}

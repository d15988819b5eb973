package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"escudo"
	"escudo/internal/contact"
	"escudo/internal/measures"
	"escudo/internal/procedure"
	"escudo/internal/vault"
)

// Granted measures (issue 14, items 2-4): each is a catalogue measure that
// an agency implements for a case, with a status moving only along
// measures.Lifecycle. The decision methods on Tx (GrantMeasure,
// ModifyMeasure, EndMeasure, RatifyMeasure) run inside the transaction of
// the decision that makes them (a Board resolution, the urgent procedure);
// the moves by hand (MoveMeasure, ConfirmMeasure) check the role against
// the lifecycle. Every change writes measure_history, a timeline entry, an
// audit entry and a notice to the beneficiary that reveals nothing.

// MeasureRules returns the configured deadlines and escalation.
func (db *DB) MeasureRules() measures.Rules { return db.measureRules }

// MeasureRules returns the store's deadlines and escalation.
func (tx *Tx) measureRules() measures.Rules { return tx.db.measureRules }

// MeasureDeadlinesFor returns the deadline a grant of the measure and
// source would get now, and false when no rule covers it.
func (db *DB) MeasureDeadlinesFor(measure string, src escudo.MeasureSource) (measures.DeadlineRule, bool) {
	m, ok := db.measures.Find(measure)
	if !ok {
		return measures.DeadlineRule{}, false
	}
	return db.measureRules.Deadline(src, m.Kind)
}

type measureRow struct {
	m                   escudo.GrantedMeasure
	kind                string
	details, detailsEnc []byte
	reasonEnc           []byte
	escalation          int
}

const measureColumns = `g.id, g.case_id, g.measure, g.kind, g.agency_id, a.code, a.name, a.level, a.entity, a.police,
	g.liaison_id, COALESCE(u.display_name, ''), g.status, g.source, g.resolution_id, g.ratified_by, g.deadline, g.discreet,
	g.details, g.details_enc, g.device_id, g.reason_enc, g.granted_at, g.updated_at, g.escalation`

const measureFrom = ` FROM granted_measures g JOIN agencies a ON a.id = g.agency_id LEFT JOIN users u ON u.id = g.liaison_id`

func scanMeasure(sc interface{ Scan(...any) error }) (*measureRow, error) {
	var r measureRow
	var police, discreet int
	var liaison, res, rat, device sql.NullInt64
	var deadline, granted, updated int64
	var details sql.NullString
	err := sc.Scan(&r.m.ID, &r.m.CaseID, &r.m.Measure, &r.kind, &r.m.Agency.ID, &r.m.Agency.Code, &r.m.Agency.Name, &r.m.Agency.Level,
		&r.m.Agency.Entity, &police, &liaison, &r.m.LiaisonName, &r.m.Status, &r.m.Source, &res, &rat, &deadline, &discreet,
		&details, &r.detailsEnc, &device, &r.reasonEnc, &granted, &updated, &r.escalation)
	if err != nil {
		return nil, err
	}
	r.details = []byte(details.String)
	r.m.Agency.Police, r.m.Discreet = police == 1, discreet == 1
	r.m.LiaisonID, r.m.ResolutionID, r.m.RatifiedBy, r.m.DeviceID = liaison.Int64, res.Int64, rat.Int64, device.Int64
	r.m.Deadline, r.m.GrantedAt, r.m.UpdatedAt = fromMicros(deadline), fromMicros(granted), fromMicros(updated)
	return &r, nil
}

// openMeasure fills the details (clear and sealed) and the reason.
func (db *DB) openMeasure(r *measureRow) (escudo.GrantedMeasure, error) {
	m := r.m
	m.Details = map[string]string{}
	if len(r.details) > 0 {
		if err := json.Unmarshal(r.details, &m.Details); err != nil {
			return m, fmt.Errorf("store: measure details: %w", err)
		}
	}
	if len(r.detailsEnc) > 0 {
		s, err := db.open("granted_measures.details", r.detailsEnc)
		if err != nil {
			return m, err
		}
		sealed := map[string]string{}
		if err := json.Unmarshal([]byte(s), &sealed); err != nil {
			return m, fmt.Errorf("store: measure sealed details: %w", err)
		}
		for k, v := range sealed {
			m.Details[k] = v
		}
	}
	if len(r.reasonEnc) > 0 {
		s, err := db.open("granted_measures.reason", r.reasonEnc)
		if err != nil {
			return m, err
		}
		m.Reason = s
	}
	return m, nil
}

// measureForUpdate loads a granted measure inside a transaction.
func (tx *Tx) measureForUpdate(ctx context.Context, id int64) (*measureRow, error) {
	r, err := scanMeasure(tx.QueryRow(ctx, `SELECT `+measureColumns+measureFrom+` WHERE g.id = ?`, id))
	if isNoRows(err) {
		return nil, errNotFound()
	}
	return r, err
}

// sealDetails splits a grant's details into the clear ones and the sealed
// ones (logistics compartment), as the catalogue marks them.
func (tx *Tx) sealDetails(m measures.Measure, details map[string]string) (clear string, sealed []byte, err error) {
	c, s := map[string]string{}, map[string]string{}
	for k, v := range details {
		if d, ok := m.Detail(k); ok && d.Sealed {
			s[k] = v
		} else {
			c[k] = v
		}
	}
	cb, _ := json.Marshal(c)
	if len(s) > 0 {
		sb, _ := json.Marshal(s)
		if sealed, err = tx.seal(vault.Logistics, "granted_measures.details", string(sb)); err != nil {
			return "", nil, err
		}
	}
	return string(cb), sealed, nil
}

// checkGrantRefs checks what a grant names in the database: the agency,
// the liaison (a liaison account of that agency, enabled) and the device.
func (tx *Tx) checkGrantRefs(ctx context.Context, g escudo.MeasureGrant) (escudo.Agency, error) {
	var a escudo.Agency
	var police int
	err := tx.QueryRow(ctx, `SELECT id, code, name, level, entity, police FROM agencies WHERE id = ?`, g.AgencyID).
		Scan(&a.ID, &a.Code, &a.Name, &a.Level, &a.Entity, &police)
	if isNoRows(err) {
		return a, escudo.FieldError("agency_id", "measures.agency_unknown", nil)
	} else if err != nil {
		return a, err
	}
	a.Police = police == 1
	if g.LiaisonID != 0 {
		var role, agency string
		var disabled int
		err := tx.QueryRow(ctx, `SELECT role, agency, disabled FROM users WHERE id = ?`, g.LiaisonID).Scan(&role, &agency, &disabled)
		if isNoRows(err) || (err == nil && (role != string(escudo.RoleLiaison) || agency != a.Code || disabled == 1)) {
			return a, escudo.FieldError("liaison_id", "measures.liaison_agency", nil)
		} else if err != nil {
			return a, err
		}
	}
	if g.DeviceID != 0 {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM devices WHERE id = ?`, g.DeviceID).Scan(&n); err != nil {
			return a, err
		}
		if n == 0 {
			return a, escudo.FieldError("device_id", "measures.device_unknown", nil)
		}
	}
	return a, nil
}

// deadlineFor returns the deadline of a grant: the one it names (not in
// the past), or the one the rules give for its source and kind, from the
// case's running clock where the rule names one.
func (tx *Tx) deadlineFor(ctx context.Context, caseID int64, g escudo.MeasureGrant, kind measures.Kind) (int64, error) {
	if !g.Deadline.IsZero() {
		if !g.Deadline.After(tx.now) {
			return 0, escudo.FieldError("deadline", "measures.deadline_past", nil)
		}
		return micros(g.Deadline), nil
	}
	rule, ok := tx.measureRules().Deadline(g.Source, kind)
	if !ok {
		return 0, escudo.FieldError("deadline", "measures.deadline_rule", nil)
	}
	var clockDue sql.NullInt64
	if rule.Clock != "" {
		err := tx.QueryRow(ctx, `SELECT due_at FROM case_clocks WHERE case_id = ? AND rule = ? AND stopped_at IS NULL`, caseID, rule.Clock).Scan(&clockDue)
		if err != nil && !isNoRows(err) {
			return 0, err
		}
	}
	var due = rule.Due(tx.now, fromMicros(0))
	if clockDue.Valid {
		due = rule.Due(tx.now, fromMicros(clockDue.Int64))
	}
	return micros(due), nil
}

// GrantMeasure grants a measure as a decision: the Board's resolution
// (Source board, with its ResolutionID) or the urgent procedure (Source
// urgent, an extraordinary case, an urgent-kind measure). It checks the
// grant against the catalogue and the database, computes the deadline from
// the rules when none is given, writes the measure (sealed details) with
// its history, timeline, audit and the beneficiary's notice, and for an
// urgent measure records urgent_measures_issued (stopping its clock) the
// first time. Refused grants write nothing the caller's transaction keeps
// only if the caller returns the error.
func (tx *Tx) GrantMeasure(ctx context.Context, actorID int64, g escudo.MeasureGrant) (int64, error) {
	cat := tx.db.measures
	if err := cat.CheckGrant(&g); err != nil {
		return 0, err
	}
	m, _ := cat.Find(g.Measure)
	s, err := tx.caseForUpdate(ctx, g.CaseID)
	if err != nil {
		return 0, err
	}
	if s.Stage == escudo.StageClosed {
		return 0, escudo.Errorf(escudo.ECONFLICT, "error.case_closed")
	}
	if g.Source == escudo.SourceUrgent && s.Procedure != escudo.ProcedureExtraordinary {
		return 0, escudo.FieldError("source", "measures.urgent_ordinary", nil)
	}
	if _, err := tx.checkGrantRefs(ctx, g); err != nil {
		return 0, err
	}
	deadline, err := tx.deadlineFor(ctx, g.CaseID, g, m.Kind)
	if err != nil {
		return 0, err
	}
	clear, sealed, err := tx.sealDetails(m, g.Details)
	if err != nil {
		return 0, err
	}
	reason, err := tx.seal(vault.Risk, "granted_measures.reason", g.Reason)
	if err != nil {
		return 0, err
	}
	id, err := tx.InsertID(ctx, `INSERT INTO granted_measures (case_id, measure, kind, agency_id, liaison_id, status, source, resolution_id, deadline,
		discreet, details, details_enc, device_id, reason_enc, granted_by, granted_at, updated_at, next_escalation_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.CaseID, g.Measure, string(m.Kind), g.AgencyID, nullID(g.LiaisonID), string(escudo.MeasureGranted), string(g.Source), nullID(g.ResolutionID),
		deadline, boolInt(g.Discreet), clear, sealed, nullID(g.DeviceID), reason, nullID(actorID), micros(tx.now), micros(tx.now), tx.firstEscalation(deadline))
	if err != nil {
		return 0, fmt.Errorf("store: grant measure: %w", err)
	}
	if err := tx.measureHistory(ctx, id, actorID, "", escudo.MeasureGranted, "grant", g.Reason); err != nil {
		return 0, err
	}
	if err := tx.measureChanged(ctx, g.CaseID, id, actorID, g.Measure, escudo.MeasureGranted); err != nil {
		return 0, err
	}
	if g.Source == escudo.SourceUrgent {
		if err := tx.autoMilestone(ctx, g.CaseID, escudo.MilestoneUrgentIssued); err != nil {
			return 0, err
		}
	}
	return id, tx.Audit(ctx, AuditEntry{Action: "measure.grant", ObjectType: "measure", ObjectID: fmt.Sprint(id),
		Fields: "case:" + fmt.Sprint(g.CaseID) + ",measure,agency,details,reason"})
}

// firstEscalation is when the sweep first looks at a measure: its
// deadline plus the first tier's delay.
func (tx *Tx) firstEscalation(deadline int64) any {
	es := tx.measureRules().Escalations
	if len(es) == 0 {
		return nil
	}
	return micros(fromMicros(deadline).Add(escudoDuration(es[0].After)))
}

// ModifyMeasure changes a granted measure as a decision: its agency,
// liaison, details, deadline (zero keeps it), device or discretion; the
// measure itself and its case stay. A Board resolution that changes an
// urgent measure (g.ResolutionID set) also settles it: it is no longer
// awaiting ratification.
func (tx *Tx) ModifyMeasure(ctx context.Context, actorID, id int64, g escudo.MeasureGrant, reason string) error {
	r, err := tx.measureForUpdate(ctx, id)
	if err != nil {
		return err
	}
	if r.m.Status.Final() {
		return escudo.FieldError("status", "measure.final", nil)
	}
	if g.CaseID == 0 {
		g.CaseID = r.m.CaseID
	}
	if g.Measure == "" {
		g.Measure = r.m.Measure
	}
	if g.CaseID != r.m.CaseID || g.Measure != r.m.Measure {
		return escudo.FieldError("measure", "measure.modify_other", nil)
	}
	// What a change does not name stays as it was: the details (sealed
	// ones included, so nobody has to read them to change an agency), and
	// the liaison and device while the agency stays.
	if g.Details == nil {
		old, err := tx.db.openMeasure(r)
		if err != nil {
			return err
		}
		g.Details = old.Details
	}
	if g.AgencyID == 0 {
		g.AgencyID = r.m.Agency.ID
	}
	if g.AgencyID == r.m.Agency.ID && g.LiaisonID == 0 {
		g.LiaisonID = r.m.LiaisonID
	}
	if g.DeviceID == 0 {
		g.DeviceID = r.m.DeviceID
	}
	if strings.TrimSpace(reason) == "" {
		return escudo.FieldError("reason", "measures.reason_missing", nil)
	}
	if len(reason) > measures.ReasonMaxLen {
		return escudo.FieldError("reason", "validation.too_long", map[string]any{"Max": measures.ReasonMaxLen})
	}
	check := g
	check.Source, check.Reason = r.m.Source, reason
	ratifies := r.m.Source == escudo.SourceUrgent && g.ResolutionID > 0
	if r.m.Source == escudo.SourceUrgent {
		check.ResolutionID = 0
	} else if check.ResolutionID == 0 {
		check.ResolutionID = r.m.ResolutionID
	}
	if err := tx.db.measures.CheckGrant(&check); err != nil {
		return err
	}
	m, _ := tx.db.measures.Find(g.Measure)
	if _, err := tx.checkGrantRefs(ctx, check); err != nil {
		return err
	}
	deadline := micros(r.m.Deadline)
	if !check.Deadline.IsZero() {
		if !check.Deadline.After(tx.now) {
			return escudo.FieldError("deadline", "measures.deadline_past", nil)
		}
		deadline = micros(check.Deadline)
	}
	clear, sealed, err := tx.sealDetails(m, check.Details)
	if err != nil {
		return err
	}
	ratified := any(nullID(r.m.RatifiedBy))
	if ratifies && r.m.RatifiedBy == 0 {
		ratified = g.ResolutionID
	}
	next := tx.firstEscalation(deadline)
	escalation := r.escalation
	if deadline != micros(r.m.Deadline) {
		escalation = -1 // a new deadline starts the escalation again
	} else {
		next = tx.nextEscalation(deadline, r.escalation)
	}
	if _, err := tx.Exec(ctx, `UPDATE granted_measures SET agency_id = ?, liaison_id = ?, deadline = ?, discreet = ?, details = ?, details_enc = ?,
		device_id = ?, ratified_by = ?, escalation = ?, next_escalation_at = ?, updated_at = ? WHERE id = ?`,
		check.AgencyID, nullID(check.LiaisonID), deadline, boolInt(check.Discreet), clear, sealed, nullID(check.DeviceID), ratified,
		escalation, next, micros(tx.now), id); err != nil {
		return fmt.Errorf("store: modify measure: %w", err)
	}
	if err := tx.measureHistory(ctx, id, actorID, r.m.Status, r.m.Status, "modify", reason); err != nil {
		return err
	}
	if err := tx.measureChanged(ctx, r.m.CaseID, id, actorID, r.m.Measure, r.m.Status); err != nil {
		return err
	}
	return tx.Audit(ctx, AuditEntry{Action: "measure.modify", ObjectType: "measure", ObjectID: fmt.Sprint(id), Fields: "agency,liaison,deadline,details,reason"})
}

// EndMeasure withdraws or ends a granted measure as a decision, with its
// reasons, along a legal transition.
func (tx *Tx) EndMeasure(ctx context.Context, actorID, id int64, to escudo.MeasureStatus, reason string) error {
	if to != escudo.MeasureWithdrawn && to != escudo.MeasureEnded {
		return escudo.FieldError("status", "measure.end_status", nil)
	}
	r, err := tx.measureForUpdate(ctx, id)
	if err != nil {
		return err
	}
	if _, err := measures.CheckDecision(r.m.Status, to, reason); err != nil {
		return err
	}
	what := "end"
	if to == escudo.MeasureWithdrawn {
		what = "withdraw"
	}
	return tx.setStatus(ctx, actorID, r, to, what, reason, nil)
}

// RatifyMeasure records that a Board resolution keeps an urgent measure as
// issued. A Board measure, one already ratified or one that has ended is
// refused.
func (tx *Tx) RatifyMeasure(ctx context.Context, actorID, id, resolutionID int64) error {
	if resolutionID <= 0 {
		return escudo.FieldError("resolution_id", "measures.resolution_missing", nil)
	}
	r, err := tx.measureForUpdate(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case r.m.Source != escudo.SourceUrgent:
		return escudo.FieldError("source", "measure.ratify_board", nil)
	case r.m.RatifiedBy != 0:
		return escudo.Errorf(escudo.ECONFLICT, "measure.already_ratified")
	case r.m.Status.Final():
		return escudo.FieldError("status", "measure.final", nil)
	}
	if _, err := tx.Exec(ctx, `UPDATE granted_measures SET ratified_by = ?, updated_at = ? WHERE id = ?`, resolutionID, micros(tx.now), id); err != nil {
		return fmt.Errorf("store: ratify measure: %w", err)
	}
	if err := tx.measureHistory(ctx, id, actorID, r.m.Status, r.m.Status, "ratify", ""); err != nil {
		return err
	}
	if err := tx.addEvent(ctx, r.m.CaseID, actorID, escudo.EventMeasure, fmt.Sprintf("%d:%s:ratified", id, r.m.Measure), ""); err != nil {
		return err
	}
	return tx.Audit(ctx, AuditEntry{Action: "measure.ratify", ObjectType: "measure", ObjectID: fmt.Sprint(id), Fields: "ratified_by:" + fmt.Sprint(resolutionID)})
}

// setStatus writes a status change: the row (a rejection with a new
// deadline), the history, the timeline, the beneficiary's notice, the
// automatic milestones and the audit entry.
func (tx *Tx) setStatus(ctx context.Context, actorID int64, r *measureRow, to escudo.MeasureStatus, what, reason string, newDeadline *int64) error {
	deadline, escalation, next := micros(r.m.Deadline), r.escalation, tx.nextEscalation(micros(r.m.Deadline), r.escalation)
	if newDeadline != nil {
		deadline, escalation, next = *newDeadline, -1, tx.firstEscalation(*newDeadline)
	}
	if to.Final() || !inPlaceDue(to) {
		next = nil
	}
	if _, err := tx.Exec(ctx, `UPDATE granted_measures SET status = ?, deadline = ?, escalation = ?, next_escalation_at = ?, updated_at = ? WHERE id = ?`,
		string(to), deadline, escalation, next, micros(tx.now), r.m.ID); err != nil {
		return fmt.Errorf("store: measure status: %w", err)
	}
	if err := tx.measureHistory(ctx, r.m.ID, actorID, r.m.Status, to, what, reason); err != nil {
		return err
	}
	if err := tx.measureChanged(ctx, r.m.CaseID, r.m.ID, actorID, r.m.Measure, to); err != nil {
		return err
	}
	if err := tx.implementedMilestones(ctx, r.m.CaseID); err != nil {
		return err
	}
	return tx.Audit(ctx, AuditEntry{Action: "measure.status", ObjectType: "measure", ObjectID: fmt.Sprint(r.m.ID),
		Fields: string(r.m.Status) + ">" + string(to) + ",reason"})
}

// inPlaceDue reports whether a measure in status s still has to be put in
// place by its deadline (the escalation watches it).
func inPlaceDue(s escudo.MeasureStatus) bool {
	switch s {
	case escudo.MeasureGranted, escudo.MeasureNotified, escudo.MeasureImplementing:
		return true
	}
	return false
}

// nextEscalation is when the tier after the one reached is due, nil when
// none is left.
func (tx *Tx) nextEscalation(deadline int64, reached int) any {
	es := tx.measureRules().Escalations
	if reached+1 >= len(es) {
		return nil
	}
	return micros(fromMicros(deadline).Add(escudoDuration(es[reached+1].After)))
}

func (tx *Tx) measureHistory(ctx context.Context, id, actorID int64, from, to escudo.MeasureStatus, what, reason string) error {
	var sealed []byte
	if reason != "" {
		var err error
		if sealed, err = tx.seal(vault.Risk, "measure_history.reason", reason); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO measure_history (measure_id, at, actor_id, from_status, to_status, what, reason_enc) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, micros(tx.now), nullID(actorID), string(from), string(to), what, sealed)
	if err != nil {
		return fmt.Errorf("store: measure history: %w", err)
	}
	return nil
}

// measureChanged writes the timeline entry of a change and tells the
// beneficiary that they have a new notice, on the channel they chose,
// without saying what it is about.
func (tx *Tx) measureChanged(ctx context.Context, caseID, id, actorID int64, measure string, to escudo.MeasureStatus) error {
	if err := tx.addEvent(ctx, caseID, actorID, escudo.EventMeasure, fmt.Sprintf("%d:%s:%s", id, measure, to), ""); err != nil {
		return err
	}
	return tx.noticeBeneficiary(ctx, caseID, AboutMeasure, fmt.Sprintf("measure:%d:%s:%d", id, to, tx.now.UnixMicro()))
}

// Notice texts to a beneficiary: they reveal nothing to whoever reads the
// phone or the mailbox.
const (
	BeneficiaryNoticeES = "Tienes un aviso nuevo del Mecanismo. Comunícate por el medio acordado."
	BeneficiaryNoticeEN = "You have a new notice from the Mechanism. Get in touch the way agreed."
	// The e-mail subject says as little.
	BeneficiarySubjectES = "Tienes un aviso nuevo"
	BeneficiarySubjectEN = "You have a new notice"
	// KindBeneficiaryNotice is the outbox kind of those notices; for
	// beneficiaries reached by phone or in person it goes to the follow-up
	// officer's inbox, who tells them.
	KindBeneficiaryNotice = "beneficiary.notice"
)

// What a beneficiary's notice is about: the subject of the line in their
// own portal inbox (translated as notice.about.*), never of a message that
// leaves escudo.
const (
	AboutStage      = "stage"      // the case changed stage (admitted, refused, evaluated, before the Board, closed)
	AboutInfo       = "info"       // staff asked for more information
	AboutResolution = "resolution" // the Board decided; its letters are ready
	AboutMeasure    = "measure"    // a measure changed status
	AboutAppeal     = "appeal"     // an appeal moved on
	AboutHearing    = "hearing"    // the Board will hear them
	AboutDeadline   = "deadline"   // a deadline of theirs is near
)

// noticed is what a transaction told a case's beneficiary: what about, and
// the lines it put in their portal inbox.
type noticed struct {
	about string
	lines []int64
}

// noticeBeneficiary tells the beneficiary that something changed on their
// case: a line in the inbox of each portal account of theirs saying what
// (about), and one neutral message on the channel they chose, by email or
// SMS (never SMS when they refused it), sent within their safe hours in
// their local time. While such a message waits unsent, later changes join
// it instead of stacking more messages on the person's phone. When the
// chosen channel is a call, Signal or a visit, the case's officer gets the
// line and passes it on.
func (tx *Tx) noticeBeneficiary(ctx context.Context, caseID int64, about, dedup string) error {
	if prev := tx.noticed[caseID]; prev != nil {
		// A change that also moves the stage or measures says what moved
		// them (the Board's resolution, the appeal) rather than "the
		// stage" or "a measure".
		weak := func(a string) bool { return a == AboutStage || a == AboutMeasure }
		if weak(prev.about) && !weak(about) && len(prev.lines) > 0 {
			args := []any{about}
			for _, id := range prev.lines {
				args = append(args, id)
			}
			if _, err := tx.Exec(ctx, `UPDATE outbox SET subject = ? WHERE id IN (`+placeholders(len(prev.lines))+`)`, args...); err != nil {
				return err
			}
			prev.about = about
		}
		return nil
	}
	if tx.noticed == nil {
		tx.noticed = map[int64]*noticed{}
	}
	mine := &noticed{about: about}
	tx.noticed[caseID] = mine
	var personID int64
	var assigned sql.NullInt64
	var ref string
	if err := tx.QueryRow(ctx, `SELECT person_id, assigned_to, reference FROM cases WHERE id = ?`, caseID).Scan(&personID, &assigned, &ref); err != nil {
		return err
	}
	p, err := tx.db.scanPerson(tx.QueryRow(ctx, `SELECT `+personColumns+` FROM people WHERE id = ?`, personID))
	if err != nil {
		return err
	}
	body, subject := BeneficiaryNoticeES, BeneficiarySubjectES
	if strings.EqualFold(p.Language, "en") || strings.EqualFold(p.Language, "english") || strings.EqualFold(p.Language, "inglés") {
		body, subject = BeneficiaryNoticeEN, BeneficiarySubjectEN
	}
	n := Notification{Kind: KindBeneficiaryNotice, CaseID: caseID, Body: body,
		NextAttempt: contact.Window{From: p.Contact.SafeFrom, Until: p.Contact.SafeUntil}.NextSafe(tx.now, contact.Zone(p.Entity))}
	sent := false
	switch p.Contact.Channel {
	case escudo.ContactEmail:
		if p.Email != "" {
			n.Channel, n.Recipient, n.Subject, n.DedupKey = ChannelEmail, p.Email, subject, dedup+":email"
			sent = true
		}
	case escudo.ContactSMS:
		if p.Phone != "" && !p.Contact.NeverSMS {
			n.Channel, n.Recipient, n.DedupKey = ChannelSMS, p.Phone, dedup+":sms"
			sent = true
		}
	}
	if sent {
		var waiting int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND kind = ? AND case_id = ? AND channel = ? AND attempts = 0`,
			KindBeneficiaryNotice, caseID, n.Channel).Scan(&waiting); err != nil {
			return err
		}
		if waiting == 0 {
			if err := tx.Enqueue(ctx, n); err != nil {
				return err
			}
		}
	}
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE person_id = ? AND role = ? AND disabled = 0`, personID, string(escudo.RoleBeneficiary))
	if err != nil {
		return err
	}
	accounts, err := scanIDs(rows)
	if err != nil {
		return err
	}
	for _, uid := range accounts {
		id, err := tx.enqueue(ctx, Notification{Channel: ChannelInbox, UserID: uid, Kind: KindBeneficiaryNotice, CaseID: caseID, Subject: about, Body: body, DedupKey: fmt.Sprintf("%s:u%d", dedup, uid)}, 0)
		if err != nil {
			return err
		}
		if id != 0 {
			mine.lines = append(mine.lines, id)
		}
	}
	if !sent && assigned.Valid {
		// The officer reads the case reference, never the beneficiary's details.
		return tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: assigned.Int64, Kind: KindBeneficiaryNotice, CaseID: caseID, Subject: ref,
			DedupKey: fmt.Sprintf("%s:officer", dedup)})
	}
	return nil
}

// autoMilestone records a milestone the system sets (urgent measures
// issued or implemented, measures implemented) the first time, with its
// clocks and stage; a closed case takes none.
func (tx *Tx) autoMilestone(ctx context.Context, caseID int64, m escudo.Milestone) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_milestones WHERE case_id = ? AND milestone = ?`, caseID, string(m)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	s, err := tx.caseForUpdate(ctx, caseID)
	if err != nil {
		return err
	}
	if s.Stage == escudo.StageClosed {
		return nil
	}
	step, err := procedure.SystemStep(s, m, tx.now)
	if err != nil {
		return err
	}
	if err := tx.applyStep(ctx, caseID, s.Procedure, m, step); err != nil {
		return err
	}
	return tx.addEvent(ctx, caseID, 0, escudo.EventMilestone, string(m), "")
}

// implementedMilestones records urgent_measures_implemented once every
// urgent measure of the case (withdrawn ones aside) is in place, and
// measures_implemented once every Board measure is.
func (tx *Tx) implementedMilestones(ctx context.Context, caseID int64) error {
	rows, err := tx.Query(ctx, `SELECT source, status FROM granted_measures WHERE case_id = ?`, caseID)
	if err != nil {
		return err
	}
	type tally struct{ all, done int }
	t := map[escudo.MeasureSource]*tally{escudo.SourceUrgent: {}, escudo.SourceBoard: {}}
	for rows.Next() {
		var src, st string
		if err := rows.Scan(&src, &st); err != nil {
			rows.Close()
			return err
		}
		c := t[escudo.MeasureSource(src)]
		if c == nil || escudo.MeasureStatus(st) == escudo.MeasureWithdrawn {
			continue
		}
		c.all++
		if measures.Implemented(escudo.MeasureStatus(st)) {
			c.done++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for src, m := range map[escudo.MeasureSource]escudo.Milestone{escudo.SourceUrgent: escudo.MilestoneUrgentImplemented, escudo.SourceBoard: escudo.MilestoneMeasuresImplemented} {
		if c := t[src]; c.all > 0 && c.done == c.all {
			if err := tx.autoMilestone(ctx, caseID, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// CaseMeasures lists a case's granted measures, oldest first, with their
// details (sealed ones open) and reasons; the read is audited.
func (db *DB) CaseMeasures(ctx context.Context, caseID int64) ([]escudo.GrantedMeasure, error) {
	out, err := db.listMeasures(ctx, ` WHERE g.case_id = ? ORDER BY g.id`, caseID)
	if err != nil {
		return nil, err
	}
	return out, db.Audit(ctx, AuditEntry{Action: "measure.read", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "measures,details,reason"})
}

// UnratifiedUrgent lists a case's urgent measures still in life that no
// Board resolution has ratified, changed or withdrawn: the Board's next
// session takes them. The read is audited.
func (db *DB) UnratifiedUrgent(ctx context.Context, caseID int64) ([]escudo.GrantedMeasure, error) {
	out, err := db.listMeasures(ctx, ` WHERE g.case_id = ? AND g.source = 'urgent' AND g.ratified_by IS NULL AND g.status NOT IN ('withdrawn', 'ended') ORDER BY g.id`, caseID)
	if err != nil {
		return nil, err
	}
	return out, db.Audit(ctx, AuditEntry{Action: "measure.read", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "unratified_urgent,details,reason"})
}

func (db *DB) listMeasures(ctx context.Context, where string, args ...any) ([]escudo.GrantedMeasure, error) {
	rows, err := db.readQuery(ctx, `SELECT `+measureColumns+measureFrom+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: measures: %w", err)
	}
	defer rows.Close()
	var out []escudo.GrantedMeasure
	for rows.Next() {
		r, err := scanMeasure(rows)
		if err != nil {
			return nil, err
		}
		m, err := db.openMeasure(r)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Agencies lists the implementing agencies by level then name.
func (db *DB) Agencies(ctx context.Context) ([]escudo.Agency, error) {
	rows, err := db.readQuery(ctx, `SELECT id, code, name, level, entity, police FROM agencies ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: agencies: %w", err)
	}
	defer rows.Close()
	var out []escudo.Agency
	for rows.Next() {
		var a escudo.Agency
		var police int
		if err := rows.Scan(&a.ID, &a.Code, &a.Name, &a.Level, &a.Entity, &police); err != nil {
			return nil, err
		}
		a.Police = police == 1
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	order := map[escudo.AgencyLevel]int{}
	for i, l := range escudo.AgencyLevels {
		order[l] = i
	}
	sort.SliceStable(out, func(i, j int) bool { return order[out[i].Level] < order[out[j].Level] })
	return out, nil
}

// AddAgency adds an implementing agency (administration) and returns its
// id; a repeated code is a conflict.
func (db *DB) AddAgency(ctx context.Context, a escudo.Agency) (int64, error) {
	if err := a.Validate(); err != nil {
		return 0, err
	}
	var id int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM agencies WHERE code = ?`, a.Code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return escudo.FieldError("code", "agency.code_taken", nil)
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO agencies (code, name, level, entity, police, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			a.Code, a.Name, string(a.Level), a.Entity, boolInt(a.Police), micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: add agency: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "agency.add", ObjectType: "agency", ObjectID: fmt.Sprint(id), Fields: "code,name,level,entity,police"})
	})
	return id, err
}
func escudoDuration(d escudo.Duration) time.Duration { return time.Duration(d) }

// MayActOnMeasure reports whether the user may act on the measure as its
// agency's side: a liaison only on measures addressed to their agency (or
// to them by name); others by their role.
func MayActOnMeasure(u *escudo.User, m escudo.GrantedMeasure) bool {
	if u == nil {
		return false
	}
	if u.Role != escudo.RoleLiaison {
		return true
	}
	return (u.Agency != "" && u.Agency == m.Agency.Code) || (m.LiaisonID != 0 && m.LiaisonID == u.ID)
}

// MoveMeasure moves a measure by hand along the lifecycle, as the signed-in
// user's role allows (measures.CheckMove); a liaison only moves measures of
// their agency. A rejection goes through ConfirmMeasure.
func (db *DB) MoveMeasure(ctx context.Context, id int64, to escudo.MeasureStatus, reason string) error {
	u := escudo.UserFromContext(ctx)
	if u == nil {
		return escudo.Errorf(escudo.EUNAUTHORIZED, "error.unauthorized")
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		r, err := tx.measureForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if !MayActOnMeasure(u, r.m) {
			return errNotFound()
		}
		t, err := measures.CheckMove(r.m.Status, to, u.Role, reason)
		if err != nil {
			return err
		}
		if t.Rejection {
			return escudo.FieldError("status", "measure.reject_via_confirmation", nil)
		}
		return tx.setStatus(ctx, u.ID, r, to, "move", reason, nil)
	})
}

// MaxCommentLen bounds a beneficiary's comment or a rating's why.
const MaxCommentLen = escudo.MaxLongText

// ConfirmMeasure records the beneficiary's word on an implementation
// awaiting it, by themselves (channel portal, their own measure only) or
// by follow-up on their behalf through a channel: a confirmation puts the
// measure in force; a rejection needs a comment, reopens it (implementing)
// with the reopening deadline and tells the agency's liaison.
func (db *DB) ConfirmMeasure(ctx context.Context, id int64, confirmed bool, channel, comment string) error {
	u := escudo.UserFromContext(ctx)
	if u == nil {
		return escudo.Errorf(escudo.EUNAUTHORIZED, "error.unauthorized")
	}
	comment = strings.TrimSpace(comment)
	if u.Role == escudo.RoleBeneficiary {
		channel = escudo.ChannelByPortal
	}
	var v escudo.ValidationErrors
	known := false
	for _, c := range escudo.ConfirmChannels {
		known = known || c == channel
	}
	if !known || (channel == escudo.ChannelByPortal && u.Role != escudo.RoleBeneficiary) {
		v.Add("channel", "measure.channel", nil)
	}
	if !confirmed && comment == "" {
		v.Add("comment", "measure.rejection_comment", nil)
	}
	if len(comment) > MaxCommentLen {
		v.Add("comment", "validation.too_long", map[string]any{"Max": MaxCommentLen})
	}
	if err := v.Err(); err != nil {
		return err
	}
	to := escudo.MeasureInForce
	if !confirmed {
		to = escudo.MeasureImplementing
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		r, err := tx.measureForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if u.Role == escudo.RoleBeneficiary && !tx.ownsCase(ctx, u, r.m.CaseID) {
			return errNotFound()
		}
		if _, err := measures.CheckMove(r.m.Status, to, u.Role, comment); err != nil {
			return err
		}
		sealed, err := tx.seal(vault.Risk, "measure_confirmations.comment", comment)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO measure_confirmations (measure_id, confirmed, channel, comment_enc, recorded_by, at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, boolInt(confirmed), channel, sealed, u.ID, micros(tx.now)); err != nil {
			return fmt.Errorf("store: confirmation: %w", err)
		}
		if confirmed {
			return tx.setStatus(ctx, u.ID, r, to, "confirm", comment, nil)
		}
		due := micros(tx.now.Add(escudoDuration(tx.measureRules().Reopen)))
		if err := tx.setStatus(ctx, u.ID, r, to, "reject", comment, &due); err != nil {
			return err
		}
		return tx.tellAgency(ctx, r.m, "measure.rejected")
	})
}

// ownsCase reports whether a beneficiary account is the case's person.
func (tx *Tx) ownsCase(ctx context.Context, u *escudo.User, caseID int64) bool {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE id = ? AND person_id = ?`, caseID, u.PersonID).Scan(&n)
	return err == nil && n == 1 && u.PersonID != 0
}

// tellAgency puts a notice in the inbox of the measure's liaison, or of
// every enabled liaison account of its agency when none is named.
func (tx *Tx) tellAgency(ctx context.Context, m escudo.GrantedMeasure, kind string) error {
	ids, err := tx.liaisonsOf(ctx, m)
	if err != nil {
		return err
	}
	var ref string
	if err := tx.QueryRow(ctx, `SELECT reference FROM cases WHERE id = ?`, m.CaseID).Scan(&ref); err != nil {
		return err
	}
	for _, uid := range ids {
		if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: uid, Kind: kind, CaseID: m.CaseID, Subject: ref,
			DedupKey: fmt.Sprintf("%s:%d:%d:%d", kind, m.ID, uid, tx.now.UnixMicro())}); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) liaisonsOf(ctx context.Context, m escudo.GrantedMeasure) ([]int64, error) {
	if m.LiaisonID != 0 {
		return []int64{m.LiaisonID}, nil
	}
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE role = ? AND agency = ? AND disabled = 0 ORDER BY id`, string(escudo.RoleLiaison), m.Agency.Code)
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

// MeasureHistory returns a measure's steps, oldest first, with their
// reasons; the read is audited.
func (db *DB) MeasureHistory(ctx context.Context, id int64) ([]escudo.MeasureEvent, error) {
	rows, err := db.readQuery(ctx, `SELECT h.at, h.actor_id, COALESCE(u.display_name, ''), h.from_status, h.to_status, h.what, h.reason_enc
		FROM measure_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.measure_id = ? ORDER BY h.at, h.id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: measure history: %w", err)
	}
	defer rows.Close()
	var out []escudo.MeasureEvent
	for rows.Next() {
		var e escudo.MeasureEvent
		var at int64
		var actor sql.NullInt64
		var reason []byte
		if err := rows.Scan(&at, &actor, &e.ActorName, &e.From, &e.To, &e.What, &reason); err != nil {
			return nil, err
		}
		e.At, e.ActorID = fromMicros(at), actor.Int64
		if len(reason) > 0 {
			if e.Reason, err = db.open("measure_history.reason", reason); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.Audit(ctx, AuditEntry{Action: "measure.read", ObjectType: "measure", ObjectID: fmt.Sprint(id), Fields: "history,reasons"})
}

// ImportMeasureMilestone records, for an import of a case's past (the
// demo's history, a migration from paper records), one of the milestones
// the measures record themselves, when the case's measures predate escudo
// and so are not in it. No page or API route calls it; it is audited as an
// import.
func (db *DB) ImportMeasureMilestone(ctx context.Context, caseID int64, m escudo.Milestone, note string) error {
	defer db.backlogFigures.invalidate()
	if !escudo.ByMeasures(m) {
		return escudo.FieldError("milestone", "validation.choice", nil)
	}
	if len(note) > escudo.MaxLongText {
		return escudo.FieldError("note", "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		s, err := tx.caseForUpdate(ctx, caseID)
		if err != nil {
			return err
		}
		step, err := procedure.SystemStep(s, m, tx.now)
		if err != nil {
			return err
		}
		if err := tx.applyStep(ctx, caseID, s.Procedure, m, step); err != nil {
			return err
		}
		if err := tx.addEvent(ctx, caseID, escudo.UserIDFromContext(ctx), escudo.EventMilestone, string(m), note); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "case.milestone_imported", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: string(m)})
	})
}

// Kinds of the escalation notices of an overdue measure.
const KindMeasureOverdue = "measure.overdue"

// SweepMeasures escalates the overdue measures whose next tier is due:
// each tier once (the agency's liaison, the case's follow-up officer, the
// coordination), with an inbox notice naming only the case's reference. It
// returns how many escalations it made. The job runner's cluster job
// measures.sweep calls it.
func (db *DB) SweepMeasures(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	rules := db.measureRules
	var done int
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+measureColumns+measureFrom+` WHERE g.next_escalation_at IS NOT NULL AND g.next_escalation_at <= ?
			AND g.status IN ('granted', 'notified', 'implementing') ORDER BY g.next_escalation_at, g.id LIMIT ?`, micros(tx.now), limit)
		if err != nil {
			return err
		}
		var due []*measureRow
		for rows.Next() {
			r, err := scanMeasure(rows)
			if err != nil {
				rows.Close()
				return err
			}
			due = append(due, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range due {
			idx, _ := rules.TierDue(r.m.Deadline, tx.now)
			if idx <= r.escalation {
				// Not yet (rules changed): look again at the next tier's time.
				if _, err := tx.Exec(ctx, `UPDATE granted_measures SET next_escalation_at = ? WHERE id = ?`, tx.nextEscalation(micros(r.m.Deadline), r.escalation), r.m.ID); err != nil {
					return err
				}
				continue
			}
			for t := r.escalation + 1; t <= idx; t++ {
				if err := tx.escalateMeasure(ctx, r, rules.Escalations[t].Tier); err != nil {
					return err
				}
				done++
			}
			if _, err := tx.Exec(ctx, `UPDATE granted_measures SET escalation = ?, next_escalation_at = ? WHERE id = ?`,
				idx, tx.nextEscalation(micros(r.m.Deadline), idx), r.m.ID); err != nil {
				return err
			}
			if err := tx.addEvent(ctx, r.m.CaseID, 0, escudo.EventMeasure, fmt.Sprintf("%d:%s:overdue_%d", r.m.ID, r.m.Measure, idx), ""); err != nil {
				return err
			}
		}
		return nil
	})
	return done, err
}

// escalateMeasure tells one tier of an overdue measure.
func (tx *Tx) escalateMeasure(ctx context.Context, r *measureRow, tier measures.Tier) error {
	ids, err := tx.tierRecipients(ctx, tier, r.m.CaseID, r.m.Agency.Code, r.m.LiaisonID)
	if err != nil {
		return err
	}
	var ref string
	if err := tx.QueryRow(ctx, `SELECT reference FROM cases WHERE id = ?`, r.m.CaseID).Scan(&ref); err != nil {
		return err
	}
	for _, uid := range ids {
		if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: uid, Kind: KindMeasureOverdue, CaseID: r.m.CaseID, Subject: ref,
			DedupKey: fmt.Sprintf("%s:%d:%s:%d:%d", KindMeasureOverdue, r.m.ID, tier, micros(r.m.Deadline), uid)}); err != nil {
			return err
		}
	}
	return tx.Audit(ctx, AuditEntry{Action: "measure.escalate", ObjectType: "measure", ObjectID: fmt.Sprint(r.m.ID), Fields: "tier:" + string(tier)})
}

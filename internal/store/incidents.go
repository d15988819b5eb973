package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"escudo"
	"escudo/internal/prevention"
	"escudo/internal/vault"
)

// Incidents and their investigations (issue 15, items 4-5; migration
// 1070, docs/prevention.md). Recording a serious incident asks for a new
// evaluation of the case (reevaluation_requests, cause incident) and
// tells the case's follow-up officer, in the incident's transaction.

// Notification kinds of this file and of warnings.go.
const (
	KindIncidentSerious      = "incident.serious"
	KindInvestigationStalled = "investigation.stalled"
	KindWarningRaised        = "warning.raised"
)

// EventInvestigationStalled: the sweep flagged an investigation of the
// case; Detail is the investigation's id.
const EventInvestigationStalled = "investigation_stalled"

// Prevention returns the prevention rules' configuration.
func (db *DB) Prevention() prevention.Config { return db.prevention }

// RecordIncident validates and stores an incident on its case and returns
// its id. A refused incident changes nothing.
func (db *DB) RecordIncident(ctx context.Context, in *prevention.Incident) (int64, error) {
	in.Normalize()
	now := db.Now()
	if err := in.Validate(now); err != nil {
		return 0, err
	}
	var id int64
	var raised *escudo.Alert
	u := escudo.UserFromContext(ctx)
	in.ByBeneficiary = u != nil && u.Role == escudo.RoleBeneficiary
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		raised = nil
		st, err := tx.caseForUpdate(ctx, in.CaseID)
		if err != nil {
			return err
		}
		if in.ByBeneficiary && !tx.ownsCase(ctx, u, in.CaseID) {
			return errNotFound()
		}
		var personID int64
		if err := tx.QueryRow(ctx, `SELECT person_id FROM cases WHERE id = ?`, in.CaseID).Scan(&personID); err != nil {
			return err
		}
		for _, a := range in.AlertIDs {
			var p int64
			err := tx.QueryRow(ctx, `SELECT person_id FROM alerts WHERE id = ?`, a).Scan(&p)
			if isNoRows(err) || err == nil && p != personID {
				return escudo.FieldError("alert_ids", "incident.alert_unknown", nil)
			} else if err != nil {
				return err
			}
		}
		var place, desc, evid []byte
		if in.Place != "" && in.PlacePrecision == prevention.PlaceExact {
			if place, err = tx.seal(vault.Location, "incidents.place", in.Place); err != nil {
				return err
			}
		} else {
			in.Place = ""
		}
		if desc, err = tx.seal(vault.Risk, "incidents.description", in.Description); err != nil {
			return err
		}
		if in.Evidence != "" {
			if evid, err = tx.seal(vault.Risk, "incidents.evidence", in.Evidence); err != nil {
				return err
			}
		}
		uid := escudo.UserIDFromContext(ctx)
		id, err = tx.InsertID(ctx, `INSERT INTO incidents (case_id, kind, aggressor, occurred_at, time_precision, entity, municipality,
			place_precision, place_enc, description_enc, evidence_enc, serious, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.CaseID, string(in.Kind), string(in.Aggressor), micros(in.OccurredAt), string(in.TimePrecision), in.Entity, in.Municipality,
			string(in.PlacePrecision), place, desc, evid, boolInt(in.Serious), nullID(uid), micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: record incident: %w", err)
		}
		if in.Urgent {
			// It rings on the duty console in this transaction, so a
			// report the person was told was received is never lost.
			if raised, err = tx.raiseReportedIncident(ctx, in, personID, id); err != nil {
				return err
			}
			in.UrgentAlertID = raised.ID
		}
		if in.ByBeneficiary || in.UrgentAlertID != 0 {
			if _, err := tx.Exec(ctx, `UPDATE incidents SET reported_by_beneficiary = ?, urgent_alert_id = ? WHERE id = ?`,
				boolInt(in.ByBeneficiary), nullID(in.UrgentAlertID), id); err != nil {
				return fmt.Errorf("store: incident report: %w", err)
			}
		}
		for _, a := range in.AlertIDs {
			if _, err := tx.Exec(ctx, `INSERT INTO incident_alerts (incident_id, alert_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, a); err != nil {
				return fmt.Errorf("store: incident alert: %w", err)
			}
		}
		if err := tx.addEvent(ctx, in.CaseID, uid, prevention.EventIncident, string(in.Kind), ""); err != nil {
			return err
		}
		if err := tx.Audit(ctx, AuditEntry{Action: "incident.record", ObjectType: "incident", ObjectID: fmt.Sprint(id),
			Fields: "case:" + fmt.Sprint(in.CaseID) + ",kind,aggressor,time,place,description,evidence,alerts"}); err != nil {
			return err
		}
		if !in.Serious || st.Stage == escudo.StageClosed {
			return nil
		}
		if err := tx.requestReevaluation(ctx, in.CaseID, escudo.ReevalIncident, 0, ""); err != nil {
			return err
		}
		if st.AssignedTo == 0 {
			return nil
		}
		ref, err := tx.caseReference(ctx, in.CaseID)
		if err != nil {
			return err
		}
		return tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: st.AssignedTo, Kind: KindIncidentSerious, CaseID: in.CaseID, Subject: ref,
			DedupKey: fmt.Sprintf("%s:%d:%d", KindIncidentSerious, id, st.AssignedTo)})
	})
	if err != nil {
		return 0, err
	}
	if raised != nil {
		db.requestAlerts.raised(raised)
	}
	in.ID = id
	return id, nil
}

// raiseReportedIncident stores the console alert of an incident the person
// reported as urgent; its note names the case's reference for the operator.
func (tx *Tx) raiseReportedIncident(ctx context.Context, in *prevention.Incident, personID, incidentID int64) (*escudo.Alert, error) {
	ref, err := tx.caseReference(ctx, in.CaseID)
	if err != nil {
		return nil, err
	}
	a := &escudo.AlertInput{PersonID: personID, Type: prevention.AlertReported, Source: prevention.SourcePortal,
		ReceivedAt: tx.now, Note: ref, DedupKey: fmt.Sprintf("incident:%d", incidentID)}
	it := &NewAlert{In: a, Entity: in.Entity}
	if d := time.Duration(tx.db.requestAlerts.ackTimeout.Load()); d > 0 {
		it.Escalate = tx.now.Add(d)
	}
	if err := tx.InsertAlerts(ctx, []*NewAlert{it}, 0); err != nil {
		return nil, err
	}
	return it.Alert, nil
}

func (tx *Tx) caseReference(ctx context.Context, caseID int64) (string, error) {
	var ref string
	err := tx.QueryRow(ctx, `SELECT reference FROM cases WHERE id = ?`, caseID).Scan(&ref)
	return ref, err
}

// Opened says which sealed compartments of an incident to open.
type Opened struct{ Risk, Location bool }

const incidentColumns = `i.id, i.case_id, i.kind, i.aggressor, i.occurred_at, i.time_precision, i.entity, i.municipality,
	i.place_precision, i.place_enc, i.description_enc, i.evidence_enc, i.serious, i.recorded_by, i.recorded_at, i.reported_by_beneficiary, i.urgent_alert_id`

func (db *DB) scanIncident(rows interface{ Scan(...any) error }, o Opened) (prevention.Incident, error) {
	var in prevention.Incident
	var at, rec int64
	var place, desc, evid []byte
	var by, alert sql.NullInt64
	var serious, reported int
	if err := rows.Scan(&in.ID, &in.CaseID, &in.Kind, &in.Aggressor, &at, &in.TimePrecision, &in.Entity, &in.Municipality,
		&in.PlacePrecision, &place, &desc, &evid, &serious, &by, &rec, &reported, &alert); err != nil {
		return in, err
	}
	in.OccurredAt, in.RecordedAt, in.RecordedBy, in.Serious = fromMicros(at), fromMicros(rec), by.Int64, serious == 1
	in.ByBeneficiary, in.UrgentAlertID = reported == 1, alert.Int64
	var err error
	if o.Location && len(place) > 0 {
		if in.Place, err = db.open("incidents.place", place); err != nil {
			return in, err
		}
	}
	if o.Risk {
		if in.Description, err = db.open("incidents.description", desc); err != nil {
			return in, err
		}
		if len(evid) > 0 {
			if in.Evidence, err = db.open("incidents.evidence", evid); err != nil {
				return in, err
			}
		}
	}
	return in, nil
}

// CaseIncident is an incident on the case page: with its investigations.
type CaseIncident struct {
	prevention.Incident
	Investigations []prevention.Investigation
}

// CaseIncidents is a case's incident timeline, newest first, each with
// its investigations; sealed text only as o opens it. The read is audited.
func (db *DB) CaseIncidents(ctx context.Context, caseID int64, o Opened) ([]CaseIncident, error) {
	rows, err := db.readQuery(ctx, `SELECT `+incidentColumns+` FROM incidents i WHERE i.case_id = ? ORDER BY i.occurred_at DESC, i.id DESC`, caseID)
	if err != nil {
		return nil, fmt.Errorf("store: case incidents: %w", err)
	}
	var out []CaseIncident
	byID := map[int64]int{}
	for rows.Next() {
		in, err := db.scanIncident(rows, o)
		if err != nil {
			_ = rows.Close()
			return nil, err
		}
		byID[in.ID] = len(out)
		out = append(out, CaseIncident{Incident: in})
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if len(out) > 0 {
		invs, err := db.investigations(ctx, `v.case_id = ?`, caseID)
		if err != nil {
			return nil, err
		}
		for _, v := range invs {
			if i, ok := byID[v.IncidentID]; ok {
				out[i].Investigations = append(out[i].Investigations, v)
			}
		}
	}
	fields := "kind,aggressor,time"
	if o.Risk {
		fields += ",description,evidence"
	}
	if o.Location {
		fields += ",place"
	}
	return out, db.Audit(ctx, AuditEntry{Action: "incident.read", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: fields})
}

// FindIncident returns one incident with its related alerts; the read is
// audited.
func (db *DB) FindIncident(ctx context.Context, id int64, o Opened) (prevention.Incident, error) {
	in, err := db.scanIncident(db.readRow(ctx, `SELECT `+incidentColumns+` FROM incidents i WHERE i.id = ?`, id), o)
	if isNoRows(err) {
		return in, errNotFound()
	} else if err != nil {
		return in, fmt.Errorf("store: incident: %w", err)
	}
	rows, err := db.readQuery(ctx, `SELECT alert_id FROM incident_alerts WHERE incident_id = ? ORDER BY alert_id`, id)
	if err != nil {
		return in, err
	}
	defer rows.Close()
	for rows.Next() {
		var a int64
		if err := rows.Scan(&a); err != nil {
			return in, err
		}
		in.AlertIDs = append(in.AlertIDs, a)
	}
	if err := rows.Err(); err != nil {
		return in, err
	}
	fields := "kind,aggressor,time,alerts"
	if o.Risk {
		fields += ",description,evidence"
	}
	if o.Location {
		fields += ",place"
	}
	return in, db.Audit(ctx, AuditEntry{Action: "incident.read", ObjectType: "incident", ObjectID: fmt.Sprint(id), Fields: fields})
}

// PreventionRef returns the access attributes of an "incident" or an
// "investigation": its case's.
func (db *DB) PreventionRef(ctx context.Context, kind string, id int64) (ObjectRef, error) {
	if kind == "investigation" {
		return db.InvestigationRef(ctx, id)
	}
	return db.IncidentRef(ctx, id)
}

// IncidentRef returns the access attributes of an incident: its case's.
func (db *DB) IncidentRef(ctx context.Context, id int64) (ObjectRef, error) {
	var caseID int64
	if err := db.readRow(ctx, `SELECT case_id FROM incidents WHERE id = ?`, id).Scan(&caseID); isNoRows(err) {
		return ObjectRef{}, errNotFound()
	} else if err != nil {
		return ObjectRef{}, err
	}
	return db.CaseRef(ctx, caseID)
}

// InvestigationRef returns the access attributes of an investigation: its case's.
func (db *DB) InvestigationRef(ctx context.Context, id int64) (ObjectRef, error) {
	var caseID int64
	if err := db.readRow(ctx, `SELECT case_id FROM investigations WHERE id = ?`, id).Scan(&caseID); isNoRows(err) {
		return ObjectRef{}, errNotFound()
	} else if err != nil {
		return ObjectRef{}, err
	}
	return db.CaseRef(ctx, caseID)
}

const investigationColumns = `v.id, v.incident_id, v.case_id, v.entity, v.authority, v.file_enc, v.status, v.opened_at, v.last_progress, v.stalled_at`

func (db *DB) investigations(ctx context.Context, where string, args ...any) ([]prevention.Investigation, error) {
	rows, err := db.readQuery(ctx, `SELECT `+investigationColumns+` FROM investigations v WHERE `+where+` ORDER BY v.opened_at, v.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: investigations: %w", err)
	}
	defer rows.Close()
	var out []prevention.Investigation
	for rows.Next() {
		v, err := db.scanInvestigation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (db *DB) scanInvestigation(rows interface{ Scan(...any) error }) (prevention.Investigation, error) {
	var v prevention.Investigation
	var file []byte
	var opened, last int64
	var stalled sql.NullInt64
	if err := rows.Scan(&v.ID, &v.IncidentID, &v.CaseID, &v.Entity, &v.Authority, &file, &v.Status, &opened, &last, &stalled); err != nil {
		return v, err
	}
	v.OpenedAt, v.LastProgress = fromMicros(opened), fromMicros(last)
	if stalled.Valid {
		t := fromMicros(stalled.Int64)
		v.StalledAt = &t
	}
	var err error
	v.FileNumber, err = db.open("investigations.file", file)
	return v, err
}

// IncidentInvestigations lists an incident's investigations, oldest first.
func (db *DB) IncidentInvestigations(ctx context.Context, incidentID int64) ([]prevention.Investigation, error) {
	return db.investigations(ctx, `v.incident_id = ?`, incidentID)
}

// FindInvestigation returns one investigation.
func (db *DB) FindInvestigation(ctx context.Context, id int64) (prevention.Investigation, error) {
	v, err := db.scanInvestigation(db.readRow(ctx, `SELECT `+investigationColumns+` FROM investigations v WHERE v.id = ?`, id))
	if isNoRows(err) {
		return v, errNotFound()
	}
	return v, err
}

// AddInvestigation records an investigation of an incident, with its
// opening as the first row of its history, and returns its id.
func (db *DB) AddInvestigation(ctx context.Context, v *prevention.Investigation) (int64, error) {
	if err := v.Validate(db.Now()); err != nil {
		return 0, err
	}
	var id int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		var caseID int64
		var entity string
		if err := tx.QueryRow(ctx, `SELECT case_id, entity FROM incidents WHERE id = ?`, v.IncidentID).Scan(&caseID, &entity); isNoRows(err) {
			return errNotFound()
		} else if err != nil {
			return err
		}
		v.CaseID, v.Entity, v.LastProgress = caseID, entity, v.OpenedAt
		file, err := tx.seal(vault.Risk, "investigations.file", v.FileNumber)
		if err != nil {
			return err
		}
		uid := escudo.UserIDFromContext(ctx)
		if id, err = tx.InsertID(ctx, `INSERT INTO investigations (incident_id, case_id, entity, authority, file_enc, status, opened_at, last_progress, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.IncidentID, caseID, entity, v.Authority, file, string(v.Status), micros(v.OpenedAt), micros(v.OpenedAt), nullID(uid), micros(tx.now)); err != nil {
			return fmt.Errorf("store: add investigation: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO investigation_updates (investigation_id, from_status, status, at, recorded_by, recorded_at) VALUES (?, '', ?, ?, ?, ?)`,
			id, string(v.Status), micros(v.OpenedAt), nullID(uid), micros(tx.now)); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "investigation.add", ObjectType: "investigation", ObjectID: fmt.Sprint(id), Fields: "incident:" + fmt.Sprint(v.IncidentID) + ",authority,file,status"})
	})
	v.ID = id
	return id, err
}

// UpdateInvestigation records progress or a status change: the last
// progress moves to the update's date (never back), the stalled flag is
// cleared.
func (db *DB) UpdateInvestigation(ctx context.Context, u *prevention.InvestigationUpdate) error {
	if err := u.Validate(db.Now()); err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var status string
		var last int64
		if err := tx.QueryRow(ctx, `SELECT status, last_progress FROM investigations WHERE id = ?`, u.InvestigationID).Scan(&status, &last); isNoRows(err) {
			return errNotFound()
		} else if err != nil {
			return err
		}
		if prevention.InvestigationStatus(status).Concluded() && u.Status == prevention.InvestigationStatus(status) {
			return escudo.FieldError("status", "investigation.concluded", nil)
		}
		var note []byte
		if u.Note != "" {
			var err error
			if note, err = tx.seal(vault.Risk, "investigation_updates.note", u.Note); err != nil {
				return err
			}
		}
		uid := escudo.UserIDFromContext(ctx)
		if _, err := tx.Exec(ctx, `INSERT INTO investigation_updates (investigation_id, from_status, status, at, note_enc, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			u.InvestigationID, status, string(u.Status), micros(u.At), note, nullID(uid), micros(tx.now)); err != nil {
			return fmt.Errorf("store: investigation update: %w", err)
		}
		if at := micros(u.At); at > last {
			last = at
		}
		if _, err := tx.Exec(ctx, `UPDATE investigations SET status = ?, last_progress = ?, stalled_at = NULL WHERE id = ?`, string(u.Status), last, u.InvestigationID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "investigation.update", ObjectType: "investigation", ObjectID: fmt.Sprint(u.InvestigationID), Fields: "status,at,note"})
	})
}

// InvestigationHistory lists an investigation's updates, oldest first;
// notes only with withNotes.
func (db *DB) InvestigationHistory(ctx context.Context, id int64, withNotes bool) ([]prevention.InvestigationUpdate, error) {
	rows, err := db.readQuery(ctx, `SELECT h.id, h.status, h.at, h.note_enc, h.recorded_by, COALESCE(u.display_name, '') FROM investigation_updates h
		LEFT JOIN users u ON u.id = h.recorded_by WHERE h.investigation_id = ? ORDER BY h.at, h.id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: investigation history: %w", err)
	}
	defer rows.Close()
	var out []prevention.InvestigationUpdate
	for rows.Next() {
		u := prevention.InvestigationUpdate{InvestigationID: id}
		var at int64
		var note []byte
		var by sql.NullInt64
		if err := rows.Scan(&u.ID, &u.Status, &at, &note, &by, &u.ByName); err != nil {
			return nil, err
		}
		u.At, u.By = fromMicros(at), by.Int64
		if withNotes && len(note) > 0 {
			if u.Note, err = db.open("investigation_updates.note", note); err != nil {
				return nil, err
			}
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SweepInvestigations flags the open investigations without progress for
// the configured days, once each (until new progress clears the flag):
// a timeline entry on the case, inbox notices to the coordination and the
// case's follow-up officer, an audit entry.
func (db *DB) SweepInvestigations(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	c := db.prevention
	var done int
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		cutoff := tx.now.Add(-time.Duration(c.StallDays) * 24 * time.Hour)
		rows, err := tx.Query(ctx, `SELECT v.id, v.case_id, c.reference, c.assigned_to FROM investigations v JOIN cases c ON c.id = v.case_id
			WHERE v.stalled_at IS NULL AND v.status NOT IN ('convicted', 'acquitted', 'archived') AND v.last_progress <= ? ORDER BY v.last_progress, v.id LIMIT ?`,
			micros(cutoff), limit)
		if err != nil {
			return err
		}
		type due struct {
			id, caseID int64
			ref        string
			assigned   sql.NullInt64
		}
		var list []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.caseID, &d.ref, &d.assigned); err != nil {
				rows.Close()
				return err
			}
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		coord, err := tx.usersWithRoles(ctx, escudo.RoleCoordinator)
		if err != nil {
			return err
		}
		for _, d := range list {
			if _, err := tx.Exec(ctx, `UPDATE investigations SET stalled_at = ? WHERE id = ? AND stalled_at IS NULL`, micros(tx.now), d.id); err != nil {
				return err
			}
			to := coord
			if d.assigned.Valid && !containsID(coord, d.assigned.Int64) {
				to = append(append([]int64{}, coord...), d.assigned.Int64)
			}
			for _, uid := range to {
				if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: uid, Kind: KindInvestigationStalled, CaseID: d.caseID, Subject: d.ref,
					DedupKey: fmt.Sprintf("%s:%d:%d:%d", KindInvestigationStalled, d.id, micros(tx.now), uid)}); err != nil {
					return err
				}
			}
			if err := tx.addEvent(ctx, d.caseID, 0, EventInvestigationStalled, fmt.Sprint(d.id), ""); err != nil {
				return err
			}
			if err := tx.Audit(ctx, AuditEntry{Action: "investigation.stalled", ObjectType: "investigation", ObjectID: fmt.Sprint(d.id), Fields: "stalled_at"}); err != nil {
				return err
			}
			done++
		}
		return nil
	})
	return done, err
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// usersWithRoles lists the enabled accounts of the roles.
func (tx *Tx) usersWithRoles(ctx context.Context, roles ...escudo.Role) ([]int64, error) {
	q := make([]string, len(roles))
	args := make([]any, len(roles))
	for i, r := range roles {
		q[i], args[i] = "?", string(r)
	}
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE disabled = 0 AND role IN (`+strings.Join(q, ", ")+`) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows)
}

// ImpunityFacts lists what the impunity table counts of every investigation.
func (db *DB) ImpunityFacts(ctx context.Context) ([]prevention.InvestigationFact, error) {
	rows, err := db.readQuery(ctx, `SELECT entity, authority, status, last_progress FROM investigations`)
	if err != nil {
		return nil, fmt.Errorf("store: impunity: %w", err)
	}
	defer rows.Close()
	var out []prevention.InvestigationFact
	for rows.Next() {
		var f prevention.InvestigationFact
		var st string
		var last int64
		if err := rows.Scan(&f.Entity, &f.Authority, &st, &last); err != nil {
			return nil, err
		}
		f.Concluded, f.LastProgress = prevention.InvestigationStatus(st).Concluded(), fromMicros(last)
		out = append(out, f)
	}
	return out, rows.Err()
}

// IncidentFacts lists what statistics count of the incidents that
// occurred in [from, to), with the profile of each case's beneficiary.
func (db *DB) IncidentFacts(ctx context.Context, from, to time.Time) ([]prevention.Fact, error) {
	rows, err := db.readQuery(ctx, `SELECT i.case_id, i.kind, i.aggressor, i.entity, i.municipality, p.profile, i.occurred_at
		FROM incidents i JOIN cases c ON c.id = i.case_id JOIN people p ON p.id = c.person_id
		WHERE i.occurred_at >= ? AND i.occurred_at < ?`, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("store: incident facts: %w", err)
	}
	defer rows.Close()
	var out []prevention.Fact
	for rows.Next() {
		var f prevention.Fact
		var at int64
		if err := rows.Scan(&f.CaseID, &f.Kind, &f.Aggressor, &f.Entity, &f.Municipality, &f.Profile, &at); err != nil {
			return nil, err
		}
		f.At = fromMicros(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

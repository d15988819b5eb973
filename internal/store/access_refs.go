package store

import (
	"context"
	"database/sql"
	"fmt"

	"escudo"
	"escudo/internal/letters"
)

// ObjectRef is what the access layer needs to know about a case or a person
// before anything sensitive is read: its ids, federal entity and assignee.
// Loading it decrypts only the entity (sealed, migration 0500) and is not
// audited as a read.
type ObjectRef struct {
	CaseID     int64
	PersonID   int64
	Entity     string
	AssignedTo int64
	Agency     string // a granted measure's implementing agency (code)
	LiaisonID  int64  // a granted measure's liaison
}

// CaseRef returns the access attributes of a case.
func (db *DB) CaseRef(ctx context.Context, id int64) (ObjectRef, error) {
	r := ObjectRef{CaseID: id}
	var assigned sql.NullInt64
	var entity []byte
	err := db.readRow(ctx, `SELECT c.person_id, p.entity_enc, c.assigned_to FROM cases c JOIN people p ON p.id = c.person_id WHERE c.id = ?`, id).
		Scan(&r.PersonID, &entity, &assigned)
	if isNoRows(err) {
		return r, errNotFound()
	} else if err != nil {
		return r, fmt.Errorf("store: case ref: %w", err)
	}
	r.AssignedTo = assigned.Int64
	if r.Entity, err = db.open("people.entity", entity); err != nil {
		return r, err
	}
	return r, nil
}

// PersonRef returns the access attributes of a person.
func (db *DB) PersonRef(ctx context.Context, id int64) (ObjectRef, error) {
	r := ObjectRef{PersonID: id}
	var err error
	if r.Entity, err = db.personEntity(ctx, id); isNoRows(err) {
		return r, errNotFound()
	} else if err != nil {
		return r, fmt.Errorf("store: person ref: %w", err)
	}
	return r, nil
}

// DeviceRef returns the access attributes of a device: its beneficiary and
// the beneficiary's federal entity.
func (db *DB) DeviceRef(ctx context.Context, id int64) (ObjectRef, error) {
	var r ObjectRef
	err := db.readRow(ctx, `SELECT person_id FROM devices WHERE id = ?`, id).Scan(&r.PersonID)
	if isNoRows(err) {
		return r, errNotFound()
	} else if err != nil {
		return r, fmt.Errorf("store: device ref: %w", err)
	}
	if r.Entity, err = db.personEntity(ctx, r.PersonID); err != nil {
		return r, fmt.Errorf("store: device ref: %w", err)
	}
	return r, nil
}

// AlertRef returns the access attributes of an alert: its beneficiary and
// the federal entity it was routed to.
func (db *DB) AlertRef(ctx context.Context, id int64) (ObjectRef, error) {
	var r ObjectRef
	err := db.readRow(ctx, `SELECT person_id, entity FROM alerts WHERE id = ?`, id).Scan(&r.PersonID, &r.Entity)
	if isNoRows(err) {
		return r, errNotFound()
	} else if err != nil {
		return r, fmt.Errorf("store: alert ref: %w", err)
	}
	return r, nil
}

// personEntity reads and opens a person's sealed federal entity.
func (db *DB) personEntity(ctx context.Context, id int64) (string, error) {
	var entity []byte
	if err := db.readRow(ctx, `SELECT entity_enc FROM people WHERE id = ?`, id).Scan(&entity); err != nil {
		return "", err
	}
	return db.open("people.entity", entity)
}

func errNotFound() error { return escudo.Errorf(escudo.ENOTFOUND, "error.not_found") }

// LetterRef returns the access attributes of one of a case's letters: its
// case's, and for an instruction the agency it is addressed to (whose
// liaisons may read it). A letter of another case is not found.
func (db *DB) LetterRef(ctx context.Context, caseID int64, ident string) (ObjectRef, error) {
	var kind string
	var agency sql.NullString
	err := db.readRow(ctx, `SELECT kind, agency_code FROM letters WHERE identifier = ? AND case_id = ?`, ident, caseID).Scan(&kind, &agency)
	if isNoRows(err) {
		return ObjectRef{}, errNotFound()
	} else if err != nil {
		return ObjectRef{}, fmt.Errorf("store: letter ref: %w", err)
	}
	r, err := db.CaseRef(ctx, caseID)
	if kind == string(letters.Instruction) {
		r.Agency = agency.String
	}
	return r, err
}

// MeasureRef returns the access attributes of a granted measure: its
// case's, and its agency and liaison.
func (db *DB) MeasureRef(ctx context.Context, id int64) (ObjectRef, error) {
	var caseID int64
	var agency string
	var liaison sql.NullInt64
	err := db.readRow(ctx, `SELECT g.case_id, a.code, g.liaison_id FROM granted_measures g JOIN agencies a ON a.id = g.agency_id WHERE g.id = ?`, id).
		Scan(&caseID, &agency, &liaison)
	if isNoRows(err) {
		return ObjectRef{}, errNotFound()
	} else if err != nil {
		return ObjectRef{}, fmt.Errorf("store: measure ref: %w", err)
	}
	r, err := db.CaseRef(ctx, caseID)
	r.Agency, r.LiaisonID = agency, liaison.Int64
	return r, err
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"escudo"
	"escudo/internal/directory"
)

// The directory (issue 15, item 1, docs/directory.md): agencies with their
// kind and contact details (directory.Entry), and each federal entity's
// cooperation agreements with the Mechanism, the newest current.

const entryColumns = `id, code, name, level, entity, police, kind, email, phone, address, contact_person, notes`

func scanEntry(s interface{ Scan(...any) error }) (directory.Entry, error) {
	var e directory.Entry
	var police int
	c := &e.Contact
	err := s.Scan(&e.ID, &e.Code, &e.Name, &e.Level, &e.Entity, &police, &e.Kind, &c.Email, &c.Phone, &c.Address, &c.Person, &c.Notes)
	e.Police = police == 1
	e.Kind = directory.KindOf(e.Agency, e.Kind)
	return e, err
}

// directoryFields reads every agency's kind and contact, by id.
func (db *DB) directoryFields(ctx context.Context) (map[int64]directory.Entry, error) {
	rows, err := db.readQuery(ctx, `SELECT `+entryColumns+` FROM agencies`)
	if err != nil {
		return nil, fmt.Errorf("store: directory: %w", err)
	}
	defer rows.Close()
	out := map[int64]directory.Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out[e.ID] = e
	}
	return out, rows.Err()
}

// DirectoryEntry returns one agency with its directory fields.
func (db *DB) DirectoryEntry(ctx context.Context, id int64) (directory.Entry, error) {
	e, err := scanEntry(db.readRow(ctx, `SELECT `+entryColumns+` FROM agencies WHERE id = ?`, id))
	if isNoRows(err) {
		return e, escudo.Errorf(escudo.ENOTFOUND, "agencies.not_found")
	}
	return e, err
}

// AddDirectoryEntry adds an agency with its kind and contact details
// (AddAgency for the directory) and returns its id; a repeated code is
// a conflict of the field, and invalid input writes nothing.
func (db *DB) AddDirectoryEntry(ctx context.Context, e directory.Entry) (int64, error) {
	if err := e.Validate(); err != nil {
		return 0, err
	}
	var id int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM agencies WHERE code = ?`, e.Code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return escudo.FieldError("code", "agency.code_taken", nil)
		}
		c := e.Contact
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO agencies (code, name, level, entity, police, kind, email, phone, address, contact_person, notes, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Code, e.Name, string(e.Level), e.Entity, boolInt(e.Police), string(e.Kind), c.Email, c.Phone, c.Address, c.Person, c.Notes, micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: add directory entry: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "agency.add", ObjectType: "agency", ObjectID: fmt.Sprint(id), Fields: "code,name,level,entity,police,kind,contact"})
	})
	return id, err
}

// UpdateDirectoryEntry changes everything an administrator edits of an
// agency: name, level, federal entity, police flag, kind and contact
// details, audited. The code stays. Invalid input changes nothing.
func (db *DB) UpdateDirectoryEntry(ctx context.Context, e directory.Entry) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var code string
		err := tx.QueryRow(ctx, `SELECT code FROM agencies WHERE id = ?`, e.ID).Scan(&code)
		if isNoRows(err) {
			return escudo.Errorf(escudo.ENOTFOUND, "agencies.not_found")
		} else if err != nil {
			return fmt.Errorf("store: update directory entry: %w", err)
		}
		e.Code = code
		if err := e.Validate(); err != nil {
			return err
		}
		c := e.Contact
		if _, err := tx.Exec(ctx, `UPDATE agencies SET name = ?, level = ?, entity = ?, police = ?, kind = ?, email = ?, phone = ?, address = ?, contact_person = ?, notes = ? WHERE id = ?`,
			e.Name, string(e.Level), e.Entity, boolInt(e.Police), string(e.Kind), c.Email, c.Phone, c.Address, c.Person, c.Notes, e.ID); err != nil {
			return fmt.Errorf("store: update directory entry: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "agency.update", ObjectType: "agency", ObjectID: fmt.Sprint(e.ID), Fields: "name,level,entity,police,kind,contact"})
	})
}

// RecordAgreement records a federal entity's cooperation agreement as it
// now stands: the new record becomes the current one and the previous
// current one joins the history, in one audited transaction. Invalid input
// writes nothing.
func (db *DB) RecordAgreement(ctx context.Context, a *directory.Agreement) (int64, error) {
	if err := a.Validate(db.Now()); err != nil {
		return 0, err
	}
	var id int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE cooperation_agreements SET current = 0 WHERE entity = ? AND current = 1`, a.Entity); err != nil {
			return fmt.Errorf("store: record agreement: %w", err)
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO cooperation_agreements (entity, status, signed_on, valid_until, document, notes, current, recorded_by, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`, a.Entity, string(a.Status), nullDay(a.SignedOn), nullDay(a.ValidUntil), a.Document, a.Notes,
			nullID(escudo.UserIDFromContext(ctx)), micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: record agreement: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "agreement.record", ObjectType: "entity", ObjectID: a.Entity,
			Fields: "agreement:" + fmt.Sprint(id) + ",status,signed_on,valid_until,document,notes"})
	})
	return id, err
}

func nullDay(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

const agreementColumns = `g.id, g.entity, g.status, g.signed_on, g.valid_until, g.document, g.notes, g.current, g.recorded_at, u.display_name`

func scanAgreement(s interface{ Scan(...any) error }) (directory.Agreement, error) {
	var a directory.Agreement
	var signed, until sql.NullInt64
	var current int
	var recorded int64
	var by sql.NullString
	if err := s.Scan(&a.ID, &a.Entity, &a.Status, &signed, &until, &a.Document, &a.Notes, &current, &recorded, &by); err != nil {
		return a, err
	}
	if signed.Valid {
		a.SignedOn = fromMicros(signed.Int64)
	}
	if until.Valid {
		a.ValidUntil = fromMicros(until.Int64)
	}
	a.Current, a.RecordedAt, a.RecordedBy = current == 1, fromMicros(recorded), by.String
	return a, nil
}

func (db *DB) agreements(ctx context.Context, where string, args ...any) ([]directory.Agreement, error) {
	rows, err := db.readQuery(ctx, `SELECT `+agreementColumns+` FROM cooperation_agreements g LEFT JOIN users u ON u.id = g.recorded_by`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: agreements: %w", err)
	}
	defer rows.Close()
	var out []directory.Agreement
	for rows.Next() {
		a, err := scanAgreement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// EntityAgreements is a federal entity's agreement history, the current
// record first, then newest first.
func (db *DB) EntityAgreements(ctx context.Context, entity string) ([]directory.Agreement, error) {
	return db.agreements(ctx, ` WHERE g.entity = ? ORDER BY g.current DESC, g.id DESC`, entity)
}

// CurrentAgreements is each federal entity's current agreement, by entity
// code; an entity without a record is absent.
func (db *DB) CurrentAgreements(ctx context.Context) (map[string]directory.Agreement, error) {
	list, err := db.agreements(ctx, ` WHERE g.current = 1`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]directory.Agreement, len(list))
	for _, a := range list {
		out[a.Entity] = a
	}
	return out, nil
}

// EntityDirectory is one federal entity's bodies (AgencyList's rows whose
// entity it is), by kind in the directory's order, then name.
func (db *DB) EntityDirectory(ctx context.Context, entity string) ([]AgencyRow, error) {
	list, err := db.AgencyList(ctx)
	if err != nil {
		return nil, err
	}
	var out []AgencyRow
	for _, a := range list {
		if a.Entity == entity {
			out = append(out, a)
		}
	}
	SortByKind(out)
	return out, nil
}

// SortByKind orders directory rows by kind as directory.Kinds lists them,
// then by name.
func SortByKind(rows []AgencyRow) {
	order := map[directory.Kind]int{}
	for i, k := range directory.Kinds {
		order[k] = i
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if order[rows[i].Kind] != order[rows[j].Kind] {
			return order[rows[i].Kind] < order[rows[j].Kind]
		}
		return rows[i].Name < rows[j].Name
	})
}

// SeedDirectory adds the entries whose codes are not yet in the directory
// and returns how many it added; existing entries, edited by an
// administrator perhaps, stay as they are. Each is audited. Run again, it
// adds nothing.
func (db *DB) SeedDirectory(ctx context.Context, list []directory.Entry) (int, error) {
	existing, err := db.Agencies(ctx)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, a := range existing {
		have[a.Code] = true
	}
	added := 0
	for _, e := range list {
		if have[e.Code] {
			continue
		}
		if _, err := db.AddDirectoryEntry(ctx, e); err != nil {
			return added, fmt.Errorf("store: seed directory %s: %w", e.Code, err)
		}
		have[e.Code] = true
		added++
	}
	return added, nil
}

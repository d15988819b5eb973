package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"escudo"
)

// The directory (issue 15, item 1, docs/directory.md): agencies with their
// kind and contact details, and each federal entity's cooperation
// agreements with the Mechanism, the newest current.

const agencyColumns = `id, code, name, level, entity, police, kind, email, phone, address, contact_person, notes`

func scanAgency(s interface{ Scan(...any) error }) (escudo.Agency, error) {
	var a escudo.Agency
	var police int
	c := &a.Contact
	err := s.Scan(&a.ID, &a.Code, &a.Name, &a.Level, &a.Entity, &police, &a.Kind, &c.Email, &c.Phone, &c.Address, &c.Person, &c.Notes)
	a.Police = police == 1
	return a, err
}

// UpdateDirectoryEntry changes everything an administrator edits of an
// agency: name, level, federal entity, police flag, kind and contact
// details, audited. The code stays. Invalid input changes nothing.
func (db *DB) UpdateDirectoryEntry(ctx context.Context, a escudo.Agency) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var code string
		err := tx.QueryRow(ctx, `SELECT code FROM agencies WHERE id = ?`, a.ID).Scan(&code)
		if isNoRows(err) {
			return escudo.Errorf(escudo.ENOTFOUND, "agencies.not_found")
		} else if err != nil {
			return fmt.Errorf("store: update directory entry: %w", err)
		}
		a.Code = code
		if err := a.Validate(); err != nil {
			return err
		}
		c := a.Contact
		if _, err := tx.Exec(ctx, `UPDATE agencies SET name = ?, level = ?, entity = ?, police = ?, kind = ?, email = ?, phone = ?, address = ?, contact_person = ?, notes = ? WHERE id = ?`,
			a.Name, string(a.Level), a.Entity, boolInt(a.Police), string(a.Kind), c.Email, c.Phone, c.Address, c.Person, c.Notes, a.ID); err != nil {
			return fmt.Errorf("store: update directory entry: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "agency.update", ObjectType: "agency", ObjectID: fmt.Sprint(a.ID), Fields: "name,level,entity,police,kind,contact"})
	})
}

// RecordAgreement records a federal entity's cooperation agreement as it
// now stands: the new record becomes the current one and the previous
// current one joins the history, in one audited transaction. Invalid input
// writes nothing.
func (db *DB) RecordAgreement(ctx context.Context, a *escudo.Agreement) (int64, error) {
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

func scanAgreement(s interface{ Scan(...any) error }) (escudo.Agreement, error) {
	var a escudo.Agreement
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

func (db *DB) agreements(ctx context.Context, where string, args ...any) ([]escudo.Agreement, error) {
	rows, err := db.readQuery(ctx, `SELECT `+agreementColumns+` FROM cooperation_agreements g LEFT JOIN users u ON u.id = g.recorded_by`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: agreements: %w", err)
	}
	defer rows.Close()
	var out []escudo.Agreement
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
func (db *DB) EntityAgreements(ctx context.Context, entity string) ([]escudo.Agreement, error) {
	return db.agreements(ctx, ` WHERE g.entity = ? ORDER BY g.current DESC, g.id DESC`, entity)
}

// CurrentAgreements is each federal entity's current agreement, by entity
// code; an entity without a record is absent.
func (db *DB) CurrentAgreements(ctx context.Context) (map[string]escudo.Agreement, error) {
	list, err := db.agreements(ctx, ` WHERE g.current = 1`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]escudo.Agreement, len(list))
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

// SortByKind orders directory rows by kind as escudo.AgencyKinds lists
// them, then by name.
func SortByKind(rows []AgencyRow) {
	order := map[escudo.AgencyKind]int{}
	for i, k := range escudo.AgencyKinds {
		order[k] = i
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if order[rows[i].Kind] != order[rows[j].Kind] {
			return order[rows[i].Kind] < order[rows[j].Kind]
		}
		return rows[i].Name < rows[j].Name
	})
}

// SeedDirectory adds the agencies whose codes are not yet in the directory
// and returns how many it added; existing entries, edited by an
// administrator perhaps, stay as they are. Each is audited as AddAgency
// audits it. Run again, it adds nothing.
func (db *DB) SeedDirectory(ctx context.Context, list []escudo.Agency) (int, error) {
	existing, err := db.Agencies(ctx)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, a := range existing {
		have[a.Code] = true
	}
	added := 0
	for _, a := range list {
		if have[a.Code] {
			continue
		}
		if _, err := db.AddAgency(ctx, a); err != nil {
			return added, fmt.Errorf("store: seed directory %s: %w", a.Code, err)
		}
		have[a.Code] = true
		added++
	}
	return added, nil
}

package store

import (
	"context"
	"fmt"

	"escudo"
	"escudo/internal/directory"
)

// AgencyRow is an implementing agency as its administration page lists
// it: the liaison accounts that act for it and how many of its measures
// are still in life (neither withdrawn nor ended).
type AgencyRow struct {
	escudo.Agency
	Liaisons     []AgencyLiaison
	OpenMeasures int
	// The directory's fields (store/directory.go): its kind (as
	// directory.KindOf reads it) and contact details.
	Kind    directory.Kind
	Contact directory.Contact
}

// AgencyLiaison is a liaison account as an agency's row names it.
type AgencyLiaison struct {
	ID          int64
	DisplayName string
	Disabled    bool
}

// AgencyList lists the agencies as Agencies orders them, each with its
// liaisons by name and its open measures, counted in one grouped query.
func (db *DB) AgencyList(ctx context.Context) ([]AgencyRow, error) {
	list, err := db.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	open := map[int64]int{}
	rows, err := db.readQuery(ctx, `SELECT agency_id, COUNT(*) FROM granted_measures WHERE status NOT IN (?, ?) GROUP BY agency_id`,
		string(escudo.MeasureWithdrawn), string(escudo.MeasureEnded))
	if err != nil {
		return nil, fmt.Errorf("store: agency measures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		open[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	liaisons := map[string][]AgencyLiaison{}
	lrows, err := db.readQuery(ctx, `SELECT id, display_name, agency, disabled FROM users WHERE role = ? AND agency <> '' ORDER BY display_name, id`,
		string(escudo.RoleLiaison))
	if err != nil {
		return nil, fmt.Errorf("store: agency liaisons: %w", err)
	}
	defer lrows.Close()
	for lrows.Next() {
		var l AgencyLiaison
		var code string
		var disabled int
		if err := lrows.Scan(&l.ID, &l.DisplayName, &code, &disabled); err != nil {
			return nil, err
		}
		l.Disabled = disabled == 1
		liaisons[code] = append(liaisons[code], l)
	}
	if err := lrows.Err(); err != nil {
		return nil, err
	}
	entries, err := db.directoryFields(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]AgencyRow, len(list))
	for i, a := range list {
		e := entries[a.ID]
		out[i] = AgencyRow{Agency: a, Liaisons: liaisons[a.Code], OpenMeasures: open[a.ID], Kind: e.Kind, Contact: e.Contact}
	}
	return out, nil
}

// Agency returns one implementing agency.
func (db *DB) Agency(ctx context.Context, id int64) (escudo.Agency, error) {
	var a escudo.Agency
	var police int
	err := db.readRow(ctx, `SELECT id, code, name, level, entity, police FROM agencies WHERE id = ?`, id).
		Scan(&a.ID, &a.Code, &a.Name, &a.Level, &a.Entity, &police)
	if isNoRows(err) {
		return a, escudo.Errorf(escudo.ENOTFOUND, "agencies.not_found")
	}
	a.Police = police == 1
	return a, err
}

// UpdateAgency changes an agency's name, level, federal entity and police
// flag, audited. Its code stays as created: liaison accounts and letters
// name the agency by it. Invalid input changes nothing.
func (db *DB) UpdateAgency(ctx context.Context, a escudo.Agency) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var code string
		err := tx.QueryRow(ctx, `SELECT code FROM agencies WHERE id = ?`, a.ID).Scan(&code)
		if isNoRows(err) {
			return escudo.Errorf(escudo.ENOTFOUND, "agencies.not_found")
		} else if err != nil {
			return fmt.Errorf("store: update agency: %w", err)
		}
		a.Code = code
		if err := a.Validate(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE agencies SET name = ?, level = ?, entity = ?, police = ? WHERE id = ?`,
			a.Name, string(a.Level), a.Entity, boolInt(a.Police), a.ID); err != nil {
			return fmt.Errorf("store: update agency: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "agency.update", ObjectType: "agency", ObjectID: fmt.Sprint(a.ID), Fields: "name,level,entity,police"})
	})
}

// SetUserAgency names the agency (by its code) a liaison account acts for,
// or none with "". Only liaison accounts act for an agency, and only for
// one that exists. The account is read afresh on each request, so the
// change applies from the liaison's next request; their sessions go on.
func (db *DB) SetUserAgency(ctx context.Context, userID int64, code string) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var role string
		err := tx.QueryRow(ctx, `SELECT role FROM users WHERE id = ?`, userID).Scan(&role)
		if isNoRows(err) {
			return escudo.FieldError("user", "validation.account_unknown", nil)
		} else if err != nil {
			return fmt.Errorf("store: set user agency: %w", err)
		}
		if role != string(escudo.RoleLiaison) {
			return escudo.FieldError("user", "agencies.not_liaison", nil)
		}
		if code != "" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM agencies WHERE code = ?`, code).Scan(&n); err != nil {
				return fmt.Errorf("store: set user agency: %w", err)
			}
			if n == 0 {
				return escudo.FieldError("agency", "agencies.unknown", nil)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET agency = ? WHERE id = ?`, code, userID); err != nil {
			return fmt.Errorf("store: set user agency: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "user.agency", ObjectType: "user", ObjectID: fmt.Sprint(userID), Fields: "agency:" + code})
	})
}

package store

import (
	"context"
	"encoding/json"
	"fmt"

	"escudo"
	"escudo/internal/vault"
)

// Migration 0500 adds sealed columns for the attributes of people that
// together single a person out, and for who referred a request. Rows written
// before it still hold those values in clear; sealPlaintextRows seals them and
// blanks the clear columns, in batches of resealBatch rows, each batch its
// own transaction. It is idempotent: a row is picked up while its clear
// entity is not blank and never again once sealed, so an interrupted run
// resumes where it stopped. Migrate runs it after the SQL migrations, and
// CheckSchema refuses to serve while any row is left.

const resealBatch = 500

// ResealProgress, when set, is told how many rows have been sealed of how
// many there were when the run started (for the migrate command's progress
// bar).
type ResealProgress func(done, total int)

// unsealedRows counts the rows that still hold plaintext attributes.
func (db *DB) unsealedRows(ctx context.Context) (int, error) {
	var p, c int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE entity <> ''`).Scan(&p); err != nil {
		return 0, fmt.Errorf("store: count unsealed people: %w", err)
	}
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE entity <> ''`).Scan(&c); err != nil {
		return 0, fmt.Errorf("store: count unsealed cases: %w", err)
	}
	return p + c, nil
}

// sealPlaintextRows seals the clear attributes left by migrations before 0500.
func (db *DB) sealPlaintextRows(ctx context.Context) error {
	total, err := db.unsealedRows(ctx)
	if err != nil || total == 0 {
		return err
	}
	db.log.Info("sealing personal attributes left in clear by an earlier version", "rows", total)
	done := 0
	for _, step := range []func(*Tx) (int, error){
		func(tx *Tx) (int, error) { return tx.sealPeopleBatch(ctx) },
		func(tx *Tx) (int, error) { return tx.sealCasesBatch(ctx) },
	} {
		for {
			var n int
			if err := db.WithTx(ctx, true, func(tx *Tx) (err error) { n, err = step(tx); return err }); err != nil {
				return err
			}
			if n == 0 {
				break
			}
			done += n
			if db.ResealProgress != nil {
				db.ResealProgress(min(done, total), total)
			}
		}
	}
	db.log.Info("personal attributes sealed", "rows", done)
	return db.Audit(ctx, AuditEntry{Action: "store.reseal", ObjectType: "person", ObjectID: fmt.Sprint(done),
		Fields: "kind,gender,ethnicity,language,entity,municipality,occupation,organization,contact,referred_by"})
}

func (tx *Tx) sealPeopleBatch(ctx context.Context) (int, error) {
	rows, err := tx.Query(ctx, `SELECT id, kind, gender, ethnicity, language, entity, municipality, occupation, organization, contact
		FROM people WHERE entity <> '' ORDER BY id LIMIT ?`, resealBatch)
	if err != nil {
		return 0, fmt.Errorf("store: unsealed people: %w", err)
	}
	var batch []escudo.Person
	for rows.Next() {
		var p escudo.Person
		var contact string
		if err := rows.Scan(&p.ID, &p.Kind, &p.Gender, &p.Ethnicity, &p.Language, &p.Entity, &p.Municipality, &p.Occupation, &p.Organization, &contact); err != nil {
			_ = rows.Close()
			return 0, err
		}
		_ = json.Unmarshal([]byte(contact), &p.Contact)
		batch = append(batch, p)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	for i := range batch {
		p := &batch[i]
		s, err := tx.sealPerson(p)
		if err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `UPDATE people SET kind = '', gender = '', ethnicity = '', language = '', entity = '', municipality = '', occupation = '', organization = '',
			contact = '{}', kind_enc = ?, gender_enc = ?, ethnicity_enc = ?, language_enc = ?, entity_enc = ?, municipality_enc = ?, occupation_enc = ?,
			organization_enc = ?, organization_bidx = ?, contact_enc = ? WHERE id = ?`,
			s.kind, s.gender, s.ethnicity, s.language, s.entity, s.municipality, s.occupation, s.organization, s.orgIdx, s.contact, p.ID); err != nil {
			return 0, fmt.Errorf("store: seal person %d: %w", p.ID, err)
		}
	}
	return len(batch), nil
}

func (tx *Tx) sealCasesBatch(ctx context.Context) (int, error) {
	rows, err := tx.Query(ctx, `SELECT id, entity, referred_by FROM cases WHERE entity <> '' ORDER BY id LIMIT ?`, resealBatch)
	if err != nil {
		return 0, fmt.Errorf("store: unsealed cases: %w", err)
	}
	type row struct {
		id                 int64
		entity, referredBy string
	}
	var batch []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.entity, &r.referredBy); err != nil {
			_ = rows.Close()
			return 0, err
		}
		batch = append(batch, r)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	for _, r := range batch {
		var referredBy []byte
		if referredBy, err = tx.seal(vault.Identity, "cases.referred_by", r.referredBy); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET entity = '', referred_by = '', entity_bidx = ?, referred_by_enc = ? WHERE id = ?`,
			tx.db.Keys.BlindIndex("entity", r.entity), referredBy, r.id); err != nil {
			return 0, fmt.Errorf("store: seal case %d: %w", r.id, err)
		}
	}
	return len(batch), nil
}

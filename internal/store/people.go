package store

import (
	"context"
	"encoding/json"
	"fmt"

	"escudo"
	"escudo/internal/vault"
)

var _ escudo.PersonService = (*DB)(nil)

// sealedPerson holds a person's sensitive fields as envelopes.
type sealedPerson struct {
	name, nameIdx, alias, phone, phoneIdx, email, address, relatives, members []byte
	// Attributes that together single a person out (migration 0500).
	kind, gender, ethnicity, language, entity, municipality, occupation, organization, orgIdx, contact []byte
}

func (tx *Tx) sealPerson(p *escudo.Person) (*sealedPerson, error) {
	k := tx.db.Keys
	var s sealedPerson
	var err error
	seal := func(dst *[]byte, c vault.Compartment, field, v string) {
		if err == nil {
			*dst, err = tx.seal(c, field, v)
		}
	}
	seal(&s.name, vault.Identity, "people.name", p.Name)
	seal(&s.alias, vault.Identity, "people.alias", p.Alias)
	seal(&s.phone, vault.Identity, "people.phone", p.Phone)
	seal(&s.email, vault.Identity, "people.email", p.Email)
	seal(&s.address, vault.Location, "people.address", p.Address)
	if len(p.Relatives) > 0 {
		b, _ := json.Marshal(p.Relatives)
		seal(&s.relatives, vault.Identity, "people.relatives", string(b))
	}
	if len(p.Members) > 0 {
		b, _ := json.Marshal(p.Members)
		seal(&s.members, vault.Identity, "people.members", string(b))
	}
	seal(&s.kind, vault.Identity, "people.kind", string(p.Kind))
	seal(&s.gender, vault.Identity, "people.gender", p.Gender)
	seal(&s.ethnicity, vault.Identity, "people.ethnicity", p.Ethnicity)
	seal(&s.language, vault.Identity, "people.language", p.Language)
	seal(&s.occupation, vault.Identity, "people.occupation", p.Occupation)
	seal(&s.organization, vault.Identity, "people.organization", p.Organization)
	seal(&s.entity, vault.Location, "people.entity", p.Entity)
	seal(&s.municipality, vault.Location, "people.municipality", p.Municipality)
	c, _ := json.Marshal(p.Contact)
	seal(&s.contact, vault.Identity, "people.contact", string(c))
	if err != nil {
		return nil, err
	}
	s.nameIdx = k.BlindIndex("name", p.Name)
	s.phoneIdx = tx.db.phoneIndex(p.Phone)
	s.orgIdx = k.BlindIndex("organization", p.Organization)
	return &s, nil
}

func (tx *Tx) insertPerson(ctx context.Context, p *escudo.Person) error {
	s, err := tx.sealPerson(p)
	if err != nil {
		return err
	}
	p.CreatedAt, p.UpdatedAt = tx.now, tx.now
	// The plaintext kind, entity and contact columns of migration 0001 stay
	// blank; their values are sealed.
	p.ID, err = tx.InsertID(ctx, `INSERT INTO people (kind, profile, name_enc, name_bidx, alias_enc, kind_enc, gender_enc, ethnicity_enc, language_enc, entity, entity_enc,
		municipality_enc, occupation_enc, organization_enc, organization_bidx, phone_enc, phone_bidx, email_enc, address_enc, contact, contact_enc, relatives_enc, members_enc, created_at, updated_at)
		VALUES ('', ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?)`,
		string(p.Profile), s.name, s.nameIdx, s.alias, s.kind, s.gender, s.ethnicity, s.language, s.entity,
		s.municipality, s.occupation, s.organization, s.orgIdx, s.phone, s.phoneIdx, s.email, s.address, s.contact, s.relatives, s.members, micros(tx.now), micros(tx.now))
	if err != nil {
		return fmt.Errorf("store: insert person: %w", err)
	}
	return tx.writePersonWords(ctx, p.ID, p.Name, p.Organization, false)
}

// CreatePerson stores a new person.
func (db *DB) CreatePerson(ctx context.Context, p *escudo.Person) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		if err := tx.insertPerson(ctx, p); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "person.create", ObjectType: "person", ObjectID: fmt.Sprint(p.ID), Fields: personFields})
	})
}

const personFields = "name,alias,phone,email,address,relatives,members"

// UpdatePerson replaces a person's fields.
func (db *DB) UpdatePerson(ctx context.Context, p *escudo.Person) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		s, err := tx.sealPerson(p)
		if err != nil {
			return err
		}
		p.UpdatedAt = tx.now
		res, err := tx.Exec(ctx, `UPDATE people SET profile=?, name_enc=?, name_bidx=?, alias_enc=?, kind_enc=?, gender_enc=?, ethnicity_enc=?, language_enc=?, entity_enc=?,
			municipality_enc=?, occupation_enc=?, organization_enc=?, organization_bidx=?, phone_enc=?, phone_bidx=?, email_enc=?, address_enc=?, contact_enc=?,
			relatives_enc=?, members_enc=?, updated_at=? WHERE id=?`,
			string(p.Profile), s.name, s.nameIdx, s.alias, s.kind, s.gender, s.ethnicity, s.language, s.entity,
			s.municipality, s.occupation, s.organization, s.orgIdx, s.phone, s.phoneIdx, s.email, s.address, s.contact,
			s.relatives, s.members, micros(tx.now), p.ID)
		if err != nil {
			return fmt.Errorf("store: update person: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		}
		if err := tx.writePersonWords(ctx, p.ID, p.Name, p.Organization, true); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "person.update", ObjectType: "person", ObjectID: fmt.Sprint(p.ID), Fields: personFields})
	})
}

const personColumns = `id, profile, name_enc, alias_enc, kind_enc, gender_enc, ethnicity_enc, language_enc, entity_enc, municipality_enc, occupation_enc, organization_enc,
	phone_enc, email_enc, address_enc, contact_enc, relatives_enc, members_enc, created_at, updated_at`

func (db *DB) scanPerson(row interface{ Scan(...any) error }) (*escudo.Person, error) {
	var p escudo.Person
	var name, alias, kind, gender, ethnicity, language, entity, municipality, occupation, organization []byte
	var phone, email, address, contact, relatives, members []byte
	var created, updated int64
	if err := row.Scan(&p.ID, &p.Profile, &name, &alias, &kind, &gender, &ethnicity, &language, &entity, &municipality, &occupation, &organization,
		&phone, &email, &address, &contact, &relatives, &members, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	open := func(dst *string, field string, b []byte) {
		if err == nil {
			*dst, err = db.open(field, b)
		}
	}
	open(&p.Name, "people.name", name)
	open(&p.Alias, "people.alias", alias)
	open(&p.Phone, "people.phone", phone)
	open(&p.Email, "people.email", email)
	open(&p.Address, "people.address", address)
	var k, cont string
	open(&k, "people.kind", kind)
	open(&p.Gender, "people.gender", gender)
	open(&p.Ethnicity, "people.ethnicity", ethnicity)
	open(&p.Language, "people.language", language)
	open(&p.Entity, "people.entity", entity)
	open(&p.Municipality, "people.municipality", municipality)
	open(&p.Occupation, "people.occupation", occupation)
	open(&p.Organization, "people.organization", organization)
	open(&cont, "people.contact", contact)
	p.Kind = escudo.PersonKind(k)
	var rel, mem string
	open(&rel, "people.relatives", relatives)
	open(&mem, "people.members", members)
	if err != nil {
		return nil, err
	}
	if rel != "" {
		if err := json.Unmarshal([]byte(rel), &p.Relatives); err != nil {
			return nil, err
		}
	}
	if mem != "" {
		if err := json.Unmarshal([]byte(mem), &p.Members); err != nil {
			return nil, err
		}
	}
	if cont != "" {
		_ = json.Unmarshal([]byte(cont), &p.Contact)
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &p, nil
}

// FindPersonByID returns one person, decrypted, and audits the read.
func (db *DB) FindPersonByID(ctx context.Context, id int64) (*escudo.Person, error) {
	p, err := db.scanPerson(db.readRow(ctx, `SELECT `+personColumns+` FROM people WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
	} else if err != nil {
		return nil, err
	}
	if err := db.Audit(ctx, AuditEntry{Action: "person.read", ObjectType: "person", ObjectID: fmt.Sprint(id), Fields: personFields}); err != nil {
		return nil, err
	}
	return p, nil
}

// FindPeopleByName finds people whose name holds every word of name (in
// any order, accents, case and spacing ignored), through the word indexes.
func (db *DB) FindPeopleByName(ctx context.Context, name string) ([]*escudo.Person, error) {
	cond, args := db.wordMatch("name_word", name)
	if cond == "" {
		return nil, nil
	}
	rows, err := db.readQuery(ctx, `SELECT `+personColumns+` FROM people WHERE id IN (`+cond+`) ORDER BY id LIMIT 100`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*escudo.Person
	for rows.Next() {
		p, err := db.scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, db.Audit(ctx, AuditEntry{Action: "person.search", ObjectType: "person", Fields: "search"})
	}
	objs := make([]AuditObject, len(out))
	for i, p := range out {
		objs[i] = AuditObject{Type: "person", ID: p.ID, Fields: personFields}
	}
	return out, db.AuditReads(ctx, "person.search", objs)
}

package store

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"escudo"
	"escudo/internal/letters"
	"escudo/internal/vault"
)

// Letters of the Board's resolutions (issue 14, item 6). IssueLetters
// builds them with internal/letters from the resolution in the
// resolution's own transaction, signs them with the letter key and records
// them; they are never edited, only superseded by a later resolution on the
// same case.

// letterKeyMigration creates the letter key's table: before it, no key.
const letterKeyMigration = 1030

// LetterSettings are what letters print besides the resolution.
type LetterSettings struct {
	Installation string // the mechanism's name
	DutyPhone    string // the duty desk, around the clock
	VerifyURL    string // the public verification page, e.g. https://escudo.example/verificar
}

// DefaultInstallation is the name letters carry when none is configured.
const DefaultInstallation = "Mecanismo de Protección para Personas Defensoras de Derechos Humanos y Periodistas"

// SetLetterSettings sets what letters issued from now on print (escudo
// serve: the public URL's verification page and the public hotline).
func (db *DB) SetLetterSettings(s LetterSettings) {
	if s.Installation == "" {
		s.Installation = DefaultInstallation
	}
	if s.VerifyURL == "" {
		s.VerifyURL = "http://127.0.0.1:8080/verificar"
	}
	db.letterSettings.Store(&s)
}

func (db *DB) letterConfig() LetterSettings {
	if s := db.letterSettings.Load(); s != nil {
		return *s
	}
	return LetterSettings{Installation: DefaultInstallation, VerifyURL: "http://127.0.0.1:8080/verificar"}
}

// LetterKey is a letter key's public half.
type LetterKey struct {
	ID        string
	PublicKey ed25519.PublicKey
	Active    bool
	CreatedAt time.Time
	RetiredAt time.Time
}

type letterSigner struct {
	id   string
	priv ed25519.PrivateKey
}

// letterKeyID names a public key: "l" and the start of its SHA-256.
func letterKeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "l" + hex.EncodeToString(sum[:6])
}

// loadLetterKey creates the letter key the first time, under the start-up
// lock loadKeys holds, so nodes starting together create one.
func (tx *Tx) loadLetterKey(ctx context.Context) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, letterKeyMigration).Scan(&n); err != nil || n == 0 {
		return nil // letters wait for the migration
	}
	_, err := tx.activeLetterSigner(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.newLetterKey(ctx)
	}
	return err
}

// activeLetterSigner returns the active letter key, unwrapping it again
// when another node rotated it since this one last looked.
func (tx *Tx) activeLetterSigner(ctx context.Context) (*letterSigner, error) {
	var id string
	var wrapped []byte
	if err := tx.QueryRow(ctx, `SELECT id, wrapped FROM letter_keys WHERE active = 1`).Scan(&id, &wrapped); err != nil {
		return nil, err
	}
	if s := tx.db.letterSigner.Load(); s != nil && s.id == id {
		return s, nil
	}
	seed, err := tx.db.keyProvider.Unwrap(wrapped)
	if err != nil {
		return nil, fmt.Errorf("store: unwrap letter key: %w", err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, errors.New("store: the letter key has the wrong size")
	}
	s := &letterSigner{id: id, priv: ed25519.NewKeyFromSeed(seed)}
	tx.db.letterSigner.Store(s)
	return s, nil
}

func (tx *Tx) newLetterKey(ctx context.Context) (*letterSigner, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	wrapped, err := tx.db.keyProvider.Wrap(priv.Seed())
	if err != nil {
		return nil, fmt.Errorf("store: wrap letter key: %w", err)
	}
	id := letterKeyID(pub)
	if _, err := tx.Exec(ctx, `UPDATE letter_keys SET active = 0, retired_at = ? WHERE active = 1`, micros(tx.now)); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO letter_keys (id, public_key, wrapped, provider, active, created_at) VALUES (?, ?, ?, ?, 1, ?)`,
		id, []byte(pub), wrapped, tx.db.keyProvider.ID(), micros(tx.now)); err != nil {
		return nil, fmt.Errorf("store: store letter key: %w", err)
	}
	s := &letterSigner{id: id, priv: priv}
	tx.db.letterSigner.Store(s)
	return s, nil
}

// RotateLetterKey makes a new letter key the one letters are signed with;
// the old public keys stay published, so the letters they signed still
// verify.
func (db *DB) RotateLetterKey(ctx context.Context) (LetterKey, error) {
	var k LetterKey
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		if err := tx.startupLock(ctx); err != nil {
			return err
		}
		s, err := tx.newLetterKey(ctx)
		if err != nil {
			return err
		}
		k = LetterKey{ID: s.id, PublicKey: s.priv.Public().(ed25519.PublicKey), Active: true, CreatedAt: tx.now}
		return tx.Audit(ctx, AuditEntry{Action: "letters.key_rotate", ObjectType: "letter_key", ObjectID: s.id})
	})
	return k, err
}

// LetterKeys lists the published letter keys, the active one first.
func (db *DB) LetterKeys(ctx context.Context) ([]LetterKey, error) {
	rows, err := db.readQuery(ctx, `SELECT id, public_key, active, created_at, retired_at FROM letter_keys ORDER BY active DESC, created_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("store: letter keys: %w", err)
	}
	defer rows.Close()
	var out []LetterKey
	for rows.Next() {
		var k LetterKey
		var pub []byte
		var active int
		var created int64
		var retired sql.NullInt64
		if err := rows.Scan(&k.ID, &pub, &active, &created, &retired); err != nil {
			return nil, err
		}
		k.PublicKey, k.Active, k.CreatedAt = ed25519.PublicKey(pub), active == 1, fromMicros(created)
		if retired.Valid {
			k.RetiredAt = fromMicros(retired.Int64)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Letter is an issued letter as the store keeps it.
type Letter struct {
	ID              int64
	Identifier      string
	ResolutionID    int64
	Resolution      string // the resolution's identifier
	CaseID          int64
	Kind            letters.Kind
	AgencyID        int64
	AgencyCode      string
	AgencyName      string
	Lang            string
	Hash            string
	Signature       []byte
	KeyID           string
	SupersededBy    int64  // the resolution that replaced it
	SupersededIdent string // that resolution's identifier
	SupersededAt    time.Time
	IssuedAt        time.Time
	// Document is the letter's content; only LetterByIdentifier opens it.
	Document *letters.Document
}

// Superseded reports whether a later resolution replaced the letter.
func (l *Letter) Superseded() bool { return l.SupersededBy != 0 }

// LetterSources is what a resolution's letters need that the resolution
// does not hold: the agencies and granted measures it names, the Board's
// seat names, and the language.
type LetterSources struct {
	Agencies map[int64]escudo.Agency
	Granted  map[int64]escudo.GrantedMeasure
	Seats    map[string]string
	// Deadline: of a measure granted without one (the clock rules'); zero:
	// 30 days from the resolution.
	Deadline time.Time
	Lang     string // "en", or es-MX (the default)
}

// IssueLetters generates and records, in the transaction that records the
// resolution, the beneficiary's notification and one instruction per
// implementing agency, each signed with the letter key. An adopted
// resolution supersedes the letters of the case's earlier resolutions
// (those of r.Supersedes when it names one), which are marked superseded by
// it. A resolution's letters are issued once.
func (tx *Tx) IssueLetters(ctx context.Context, actorID int64, r *escudo.Resolution, src LetterSources) ([]Letter, error) {
	if r == nil || r.ID == 0 || r.CaseID == 0 {
		return nil, escudo.Errorf(escudo.EINVALID, "letters.no_resolution")
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM letters WHERE resolution_id = ?`, r.ID).Scan(&n); err != nil {
		return nil, fmt.Errorf("store: letters: %w", err)
	}
	if n > 0 {
		return nil, escudo.Errorf(escudo.ECONFLICT, "letters.already_issued")
	}
	var nameEnc []byte
	err := tx.QueryRow(ctx, `SELECT p.name_enc FROM cases c JOIN people p ON p.id = c.person_id WHERE c.id = ?`, r.CaseID).Scan(&nameEnc)
	if isNoRows(err) {
		return nil, errNotFound()
	} else if err != nil {
		return nil, err
	}
	name, err := tx.db.open("people.name", nameEnc)
	if err != nil {
		return nil, err
	}
	liaisons, err := tx.liaisonNames(ctx, r, src.Granted)
	if err != nil {
		return nil, err
	}
	// What the new letters replace: the case's letters still in force.
	var supersedes string
	var replaced []int64
	if r.Adopted {
		q := `SELECT DISTINCT resolution_id, resolution_ident, issued_at FROM letters WHERE case_id = ? AND resolution_id <> ? AND superseded_by IS NULL`
		args := []any{r.CaseID, r.ID}
		if r.Supersedes != 0 {
			q += ` AND resolution_id = ?`
			args = append(args, r.Supersedes)
		}
		rows, err := tx.Query(ctx, q+` ORDER BY issued_at DESC`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, at int64
			var ident string
			if err := rows.Scan(&id, &ident, &at); err != nil {
				rows.Close()
				return nil, err
			}
			if supersedes == "" {
				supersedes = ident
			}
			replaced = append(replaced, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	signer, err := tx.activeLetterSigner(ctx)
	if isNoRows(err) {
		if signer, err = tx.newLetterKey(ctx); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	cfg := tx.db.letterConfig()
	docs, err := letters.FromResolution(letters.Input{
		Resolution: r, Beneficiary: name, Catalogue: tx.db.measures, Agencies: src.Agencies, Granted: src.Granted,
		Liaisons: liaisons, Seats: src.Seats, Supersedes: supersedes, Deadline: src.Deadline, Lang: src.Lang,
		Installation: cfg.Installation, DutyPhone: cfg.DutyPhone, VerifyURL: cfg.VerifyURL, KeyID: signer.id,
		AppealDays: int(tx.db.appealWindow / (24 * time.Hour)),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", escudo.Errorf(escudo.EINVALID, "letters.cannot_build"), err)
	}
	out := make([]Letter, 0, len(docs))
	for _, d := range docs {
		sig, err := letters.Sign(d, signer.priv)
		if err != nil {
			return nil, err
		}
		payload, err := tx.seal(vault.Identity, "letters.payload", string(letters.Canonical(d)))
		if err != nil {
			return nil, err
		}
		l := Letter{Identifier: d.Identifier, ResolutionID: r.ID, Resolution: r.Identifier, CaseID: r.CaseID, Kind: d.Kind,
			Lang: d.Lang, Hash: letters.Hash(d), Signature: sig, KeyID: signer.id, IssuedAt: tx.now, Document: d}
		if d.Agency != nil {
			l.AgencyCode, l.AgencyName = d.Agency.Code, d.Agency.Name
			for id, a := range src.Agencies {
				if a.Code == d.Agency.Code {
					l.AgencyID = id
				}
			}
			if l.AgencyID == 0 {
				for _, g := range src.Granted {
					if g.Agency.Code == d.Agency.Code {
						l.AgencyID = g.Agency.ID
					}
				}
			}
		}
		l.ID, err = tx.InsertID(ctx, `INSERT INTO letters (identifier, resolution_id, resolution_ident, case_id, kind, agency_id, agency_code, agency_name, lang, hash, signature, key_id, payload_enc, issued_by, issued_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, l.Identifier, l.ResolutionID, l.Resolution, l.CaseID, string(l.Kind),
			nullID(l.AgencyID), nullText(l.AgencyCode), nullText(l.AgencyName), l.Lang, l.Hash, l.Signature, l.KeyID, payload, nullID(actorID), micros(tx.now))
		if err != nil {
			return nil, fmt.Errorf("store: issue letter: %w", err)
		}
		out = append(out, l)
	}
	for _, id := range replaced {
		if _, err := tx.Exec(ctx, `UPDATE letters SET superseded_by = ?, superseded_ident = ?, superseded_at = ? WHERE resolution_id = ? AND superseded_by IS NULL`,
			r.ID, r.Identifier, micros(tx.now), id); err != nil {
			return nil, fmt.Errorf("store: supersede letters: %w", err)
		}
	}
	idents := make([]string, len(out))
	for i, l := range out {
		idents[i] = l.Identifier
	}
	return out, tx.Audit(ctx, AuditEntry{ActorID: actorID, Action: "letters.issue", ObjectType: "case", ObjectID: fmt.Sprint(r.CaseID),
		Fields: "resolution:" + fmt.Sprint(r.ID) + ",letters:" + strings.Join(idents, " ")})
}

// liaisonNames are the display names of the liaisons the resolution's
// measures name.
func (tx *Tx) liaisonNames(ctx context.Context, r *escudo.Resolution, granted map[int64]escudo.GrantedMeasure) (map[int64]string, error) {
	ids := map[int64]bool{}
	for _, m := range r.Measures {
		if m.Grant.LiaisonID != 0 {
			ids[m.Grant.LiaisonID] = true
		}
		if g, ok := granted[m.GrantedID]; ok && g.LiaisonID != 0 {
			ids[g.LiaisonID] = true
		}
	}
	out := map[int64]string{}
	for id := range ids {
		var name string
		err := tx.QueryRow(ctx, `SELECT display_name FROM users WHERE id = ?`, id).Scan(&name)
		if isNoRows(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, nil
}

const letterColumns = `id, identifier, resolution_id, resolution_ident, case_id, kind, agency_id, agency_code, agency_name, lang, hash, signature, key_id,
	superseded_by, superseded_ident, superseded_at, issued_at`

func scanLetter(row interface{ Scan(...any) error }, extra ...any) (*Letter, error) {
	var l Letter
	var kind string
	var agency, supBy, supAt sql.NullInt64
	var code, agencyName, supIdent sql.NullString
	var issued int64
	dst := append([]any{&l.ID, &l.Identifier, &l.ResolutionID, &l.Resolution, &l.CaseID, &kind, &agency, &code, &agencyName, &l.Lang, &l.Hash,
		&l.Signature, &l.KeyID, &supBy, &supIdent, &supAt, &issued}, extra...)
	if err := row.Scan(dst...); err != nil {
		return nil, err
	}
	l.Kind, l.AgencyID, l.AgencyCode, l.AgencyName = letters.Kind(kind), agency.Int64, code.String, agencyName.String
	l.SupersededBy, l.SupersededIdent = supBy.Int64, supIdent.String
	if supAt.Valid {
		l.SupersededAt = fromMicros(supAt.Int64)
	}
	l.IssuedAt = fromMicros(issued)
	return &l, nil
}

// LetterByIdentifier returns an issued letter with its content opened; the
// read is audited on the letter's case.
func (db *DB) LetterByIdentifier(ctx context.Context, ident string) (*Letter, error) {
	if !letters.ValidIdentifier(ident) {
		return nil, errNotFound()
	}
	var payload []byte
	l, err := scanLetter(db.readRow(ctx, `SELECT `+letterColumns+`, payload_enc FROM letters WHERE identifier = ?`, ident), &payload)
	if isNoRows(err) {
		return nil, errNotFound()
	} else if err != nil {
		return nil, err
	}
	text, err := db.open("letters.payload", payload)
	if err != nil {
		return nil, err
	}
	if l.Document, err = letters.Parse([]byte(text)); err != nil {
		return nil, fmt.Errorf("store: letter %s: %w", ident, err)
	}
	if err := db.Audit(ctx, AuditEntry{Action: "letter.read", ObjectType: "case", ObjectID: fmt.Sprint(l.CaseID), Fields: "letter:" + ident}); err != nil {
		return nil, err
	}
	return l, nil
}

// LetterPDF renders an issued letter's PDF from what the store recorded:
// the same bytes as the day it was issued. The read is audited.
func (db *DB) LetterPDF(ctx context.Context, ident string) (*Letter, []byte, error) {
	l, err := db.LetterByIdentifier(ctx, ident)
	if err != nil {
		return nil, nil, err
	}
	b, err := letters.RenderPDF(l.Document, l.Signature)
	return l, b, err
}

// CaseLetters lists a case's letters, newest resolution first, the
// beneficiary's before the agencies'; the read is audited.
func (db *DB) CaseLetters(ctx context.Context, caseID int64) ([]Letter, error) {
	rows, err := db.readQuery(ctx, `SELECT `+letterColumns+` FROM letters WHERE case_id = ? ORDER BY issued_at DESC, resolution_id DESC, kind DESC, identifier`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Letter
	for rows.Next() {
		l, err := scanLetter(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) > 0 {
		if err := db.Audit(ctx, AuditEntry{Action: "letter.list", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "letters"}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LetterStatus is what the public verification page may say of a letter:
// nothing personal, nothing of its content.
type LetterStatus struct {
	Identifier      string
	Kind            letters.Kind
	Resolution      string
	Hash            string
	KeyID           string
	IssuedAt        time.Time
	SupersededIdent string
	SupersededAt    time.Time
}

// Superseded reports whether a later resolution replaced the letter.
func (s *LetterStatus) Superseded() bool { return s.SupersededIdent != "" }

// LetterStatusByIdentifier returns the public facts of an issued letter,
// without opening anything sealed (not audited: it reads nothing personal).
func (db *DB) LetterStatusByIdentifier(ctx context.Context, ident string) (*LetterStatus, error) {
	if !letters.ValidIdentifier(ident) {
		return nil, errNotFound()
	}
	l, err := scanLetter(db.readRow(ctx, `SELECT `+letterColumns+` FROM letters WHERE identifier = ?`, ident))
	if isNoRows(err) {
		return nil, errNotFound()
	} else if err != nil {
		return nil, err
	}
	return &LetterStatus{Identifier: l.Identifier, Kind: l.Kind, Resolution: l.Resolution, Hash: l.Hash, KeyID: l.KeyID,
		IssuedAt: l.IssuedAt, SupersededIdent: l.SupersededIdent, SupersededAt: l.SupersededAt}, nil
}

// LetterPublicKey returns a published letter key by its id.
func (db *DB) LetterPublicKey(ctx context.Context, id string) (ed25519.PublicKey, error) {
	keys, err := db.LetterKeys(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.ID == id {
			return k.PublicKey, nil
		}
	}
	return nil, errNotFound()
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

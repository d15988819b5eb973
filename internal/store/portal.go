package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"escudo"
	"escudo/internal/vault"
)

// The beneficiary portal's own writes (docs/portal.md): asking to be heard
// by the Governing Board, answering a request for more information and
// choosing how and when to be contacted. The portal's other acts go
// through the functions staff use (a measure's confirmation and rating,
// consent, appeals, incidents), each of which checks that a beneficiary
// acts on their own case.

// EventHearingRequested: the beneficiary asked to be heard by the Board
// before it decides on their case.
const EventHearingRequested = "hearing_requested"

// KindHearingRequested is the coordination's notice of that request.
const KindHearingRequested = "hearing_requested"

// HearingRequest is a beneficiary's request to be heard by the Board.
type HearingRequest struct {
	ID          int64
	CaseID      int64
	RequestedAt time.Time
	Note        string // what they want the Board to hear; sealed, risk
}

// RequestHearing records that the person asks to be heard by the Board on
// their case: every agenda item of the case not yet decided is marked, so
// the session cannot decide without hearing them or their waiver, and a
// case put on an agenda later is marked when it is added. The
// coordination is told. A second request while one stands is refused.
func (db *DB) RequestHearing(ctx context.Context, caseID int64, note string) error {
	note = strings.TrimSpace(note)
	var v escudo.ValidationErrors
	escudo.CheckText(&v, "note", note, escudo.MaxLongText)
	if err := v.Err(); err != nil {
		return err
	}
	u := escudo.UserFromContext(ctx)
	return db.WithTx(ctx, true, func(tx *Tx) error {
		st, err := tx.caseForUpdate(ctx, caseID)
		if err != nil {
			return err
		}
		if u != nil && u.Role == escudo.RoleBeneficiary && !tx.ownsCase(ctx, u, caseID) {
			return errNotFound()
		}
		if st.Stage == escudo.StageClosed {
			return escudo.Errorf(escudo.ECONFLICT, "portal.hearing_closed")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM hearing_requests WHERE case_id = ?`, caseID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return escudo.Errorf(escudo.ECONFLICT, "portal.hearing_twice")
		}
		sealed, err := tx.seal(vault.Risk, "hearing_requests.note", note)
		if err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO hearing_requests (case_id, requested_by, requested_at, note_enc) VALUES (?, ?, ?, ?)`,
			caseID, nullID(escudo.UserIDFromContext(ctx)), micros(tx.now), sealed)
		if err != nil {
			return fmt.Errorf("store: hearing request: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE board_agenda_items SET hearing_requested = 1 WHERE case_id = ? AND resolution_id IS NULL`, caseID); err != nil {
			return fmt.Errorf("store: hearing on agenda: %w", err)
		}
		if err := tx.addEvent(ctx, caseID, escudo.UserIDFromContext(ctx), EventHearingRequested, "", note); err != nil {
			return err
		}
		ref, err := tx.caseReference(ctx, caseID)
		if err != nil {
			return err
		}
		to, err := tx.usersWithRole(ctx, escudo.RoleCoordinator)
		if err != nil {
			return err
		}
		for _, uid := range to {
			if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: uid, Kind: KindHearingRequested, CaseID: caseID, Subject: ref,
				DedupKey: fmt.Sprintf("%s:%d:%d", KindHearingRequested, id, uid)}); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, AuditEntry{Action: "case.hearing_request", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "note"})
	})
}

// CaseHearing returns the case's request to be heard, or nil.
func (db *DB) CaseHearing(ctx context.Context, caseID int64) (*HearingRequest, error) {
	h := &HearingRequest{CaseID: caseID}
	var at int64
	var note []byte
	err := db.readRow(ctx, `SELECT id, requested_at, note_enc FROM hearing_requests WHERE case_id = ? ORDER BY id DESC LIMIT 1`, caseID).Scan(&h.ID, &at, &note)
	if isNoRows(err) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("store: case hearing: %w", err)
	}
	h.RequestedAt = fromMicros(at)
	if h.Note, err = db.open("hearing_requests.note", note); err != nil {
		return nil, err
	}
	return h, nil
}

// hearingRequested reports whether the case's person asked to be heard.
func (tx *Tx) hearingRequested(ctx context.Context, caseID int64) (bool, error) {
	var id sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT MAX(id) FROM hearing_requests WHERE case_id = ?`, caseID).Scan(&id)
	return id.Valid, err
}

// AnswerInfoOwn takes a beneficiary's answer, signed in, to the request
// for more information on their own case: the same as AnswerInfoRequest
// without the follow-up code, which the account stands in for.
func (db *DB) AnswerInfoOwn(ctx context.Context, caseID int64, answer string) error {
	defer db.backlogFigures.invalidate()
	answer = strings.TrimSpace(answer)
	if answer == "" {
		return escudo.FieldError("answer", "validation.required", nil)
	}
	if len(answer) > escudo.MaxLongText {
		return escudo.FieldError("answer", "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	u := escudo.UserFromContext(ctx)
	return db.WithTx(ctx, true, func(tx *Tx) error {
		if u == nil || u.Role != escudo.RoleBeneficiary || !tx.ownsCase(ctx, u, caseID) {
			return errNotFound()
		}
		var ref, stage, admission string
		var assigned sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT reference, stage, admission, assigned_to FROM cases WHERE id = ?`, caseID).Scan(&ref, &stage, &admission, &assigned); err != nil {
			return err
		}
		return tx.takeInfoAnswer(ctx, caseID, ref, escudo.Stage(stage), escudo.Admission(admission), assigned.Int64, answer)
	})
}

// InfoRequested returns what staff asked the person for on the case while
// the answer is awaited, or "".
func (db *DB) InfoRequested(ctx context.Context, caseID int64) (string, error) {
	var stage, admission string
	var reason []byte
	if err := db.readRow(ctx, `SELECT stage, admission, admission_reason_enc FROM cases WHERE id = ?`, caseID).Scan(&stage, &admission, &reason); err != nil {
		if isNoRows(err) {
			return "", errNotFound()
		}
		return "", err
	}
	if escudo.Admission(admission) != escudo.AdmissionInfoRequested || escudo.Stage(stage) != escudo.StageReception {
		return "", nil
	}
	return db.open("cases.admission_reason", reason)
}

// SetContactPrefs records how and when the person may be contacted:
// channel, safe hours, never by SMS. Nothing else of the person changes.
// A channel needs its address on file: e-mail an e-mail, SMS and calls a
// phone.
func (db *DB) SetContactPrefs(ctx context.Context, personID int64, c escudo.ContactPrefs) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		p, err := db.scanPerson(tx.QueryRow(ctx, `SELECT `+personColumns+` FROM people WHERE id = ?`, personID))
		if isNoRows(err) {
			return errNotFound()
		} else if err != nil {
			return err
		}
		p.Contact = c
		var v escudo.ValidationErrors
		if err := p.Validate(); err != nil {
			ve, _ := escudo.AsValidation(err)
			for _, e := range ve {
				if strings.HasPrefix(e.Field, "contact.") {
					v = append(v, e)
				}
			}
		}
		switch c.Channel {
		case escudo.ContactEmail:
			if p.Email == "" {
				v.Add("contact.channel", "portal.contact_no_email", nil)
			}
		case escudo.ContactSMS, escudo.ContactPhone, escudo.ContactSignal:
			if p.Phone == "" {
				v.Add("contact.channel", "portal.contact_no_phone", nil)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		s, err := tx.sealPerson(p)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE people SET contact_enc = ?, updated_at = ? WHERE id = ?`, s.contact, micros(tx.now), personID); err != nil {
			return fmt.Errorf("store: contact preferences: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "person.contact", ObjectType: "person", ObjectID: fmt.Sprint(personID), Fields: "contact"})
	})
}

// PersonCase is one of a person's cases as the portal lists them.
type PersonCase struct {
	ID         int64
	Reference  string
	Stage      escudo.Stage
	ReceivedAt time.Time
}

// PersonCases lists the person's cases, newest first; the read is audited.
func (db *DB) PersonCases(ctx context.Context, personID int64) ([]PersonCase, error) {
	rows, err := db.readQuery(ctx, `SELECT id, reference, stage, received_at FROM cases WHERE person_id = ? ORDER BY received_at DESC, id DESC`, personID)
	if err != nil {
		return nil, fmt.Errorf("store: person cases: %w", err)
	}
	defer rows.Close()
	var out []PersonCase
	for rows.Next() {
		var c PersonCase
		var at int64
		if err := rows.Scan(&c.ID, &c.Reference, &c.Stage, &at); err != nil {
			return nil, err
		}
		c.ReceivedAt = fromMicros(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.Audit(ctx, AuditEntry{Action: "case.list", ObjectType: "person", ObjectID: fmt.Sprint(personID), Fields: "reference,stage"})
}

// Grantee is an account a beneficiary may name in a consent record: an
// external reviewer or a contractor's technician.
type Grantee struct {
	ID   int64
	Name string // display name, with the organisation
}

// ConsentGrantees lists the enabled reviewer and contractor accounts, by
// name.
func (db *DB) ConsentGrantees(ctx context.Context) ([]Grantee, error) {
	rows, err := db.readQuery(ctx, `SELECT id, display_name, COALESCE(organization, '') FROM users WHERE role IN (?, ?) AND disabled = 0 ORDER BY display_name, id`,
		string(escudo.RoleReviewer), string(escudo.RoleContractor))
	if err != nil {
		return nil, fmt.Errorf("store: grantees: %w", err)
	}
	defer rows.Close()
	var out []Grantee
	for rows.Next() {
		var g Grantee
		var org string
		if err := rows.Scan(&g.ID, &g.Name, &org); err != nil {
			return nil, err
		}
		if org != "" {
			g.Name += " · " + org
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// IsConsentGrantee reports whether id is an enabled reviewer or
// contractor account.
func (db *DB) IsConsentGrantee(ctx context.Context, id int64) bool {
	var n int
	err := db.readRow(ctx, `SELECT COUNT(*) FROM users WHERE id = ? AND role IN (?, ?) AND disabled = 0`, id,
		string(escudo.RoleReviewer), string(escudo.RoleContractor)).Scan(&n)
	return err == nil && n == 1
}

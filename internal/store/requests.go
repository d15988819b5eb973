package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"escudo"
	"escudo/internal/coordination"
	"escudo/internal/measures"
	"escudo/internal/vault"
)

// Kinds of the notices of inter-agency requests.
const (
	KindRequestSent     = "request.sent"     // to the agency's liaisons (inbox) and its addresses (e-mail, with the link)
	KindRequestOverdue  = "request.overdue"  // a tier of an overdue request
	KindRequestAnswered = "request.answered" // to who sent it: acknowledged or completed
)

// RequestNumber is how a request is named to people: SOL-000123.
func RequestNumber(id int64) string { return fmt.Sprintf("SOL-%06d", id) }

// SendOptions are what sending needs beyond the request: the address the
// acknowledgement links start with (the public URL and "/ack/"), and
// addresses to send a link to besides the agency's liaisons with an e-mail.
type SendOptions struct {
	LinkBase string
	Emails   []string
}

const requestColumns = `r.id, r.case_id, c.reference, r.agency_id, a.code, a.name, a.level, a.entity, a.police, r.kind,
	COALESCE(r.measure_id, 0), COALESCE(r.incident_id, 0), r.legal_basis, r.details_enc, r.entity, r.deadline, r.status, COALESCE(r.sent_by, 0), r.sent_at,
	r.acknowledged_at, r.ack_channel, r.ack_by_enc, r.completed_at, r.outcome_enc, r.escalation, r.updated_at`

const requestFrom = ` FROM agency_requests r JOIN agencies a ON a.id = r.agency_id JOIN cases c ON c.id = r.case_id`

type requestRow struct {
	r                       coordination.AgencyRequest
	details, ackBy, outcome []byte
}

func scanRequest(s interface{ Scan(...any) error }) (*requestRow, error) {
	var x requestRow
	var police int
	var deadline, sent, updated int64
	var acked, done sql.NullInt64
	r := &x.r
	if err := s.Scan(&r.ID, &r.CaseID, &r.Reference, &r.AgencyID, &r.Agency.Code, &r.Agency.Name, &r.Agency.Level, &r.Agency.Entity, &police, &r.Kind,
		&r.MeasureID, &r.IncidentID, &r.LegalBasis, &x.details, &r.Entity, &deadline, &r.Status, &r.SentBy, &sent,
		&acked, &r.AckChannel, &x.ackBy, &done, &x.outcome, &r.Escalation, &updated); err != nil {
		return nil, err
	}
	r.Agency.ID, r.Agency.Police = r.AgencyID, police == 1
	r.Deadline, r.SentAt, r.UpdatedAt = fromMicros(deadline), fromMicros(sent), fromMicros(updated)
	if acked.Valid {
		t := fromMicros(acked.Int64)
		r.AcknowledgedAt = &t
	}
	if done.Valid {
		t := fromMicros(done.Int64)
		r.CompletedAt = &t
	}
	return &x, nil
}

// open unseals what was asked, who acknowledged and the answer.
func (db *DB) openRequest(x *requestRow) (coordination.AgencyRequest, error) {
	r := x.r
	var err error
	for _, f := range []struct {
		dst  *string
		src  []byte
		name string
	}{{&r.Details, x.details, "agency_requests.details"}, {&r.AckBy, x.ackBy, "agency_requests.ack_by"}, {&r.Outcome, x.outcome, "agency_requests.outcome"}} {
		if len(f.src) > 0 {
			if *f.dst, err = db.open(f.name, f.src); err != nil {
				return r, err
			}
		}
	}
	return r, nil
}

// SendRequest sends a request from a case to an agency, in one
// transaction: the request, its history and the case's timeline, an inbox
// notice to each of the agency's liaisons, and an e-mail with a signed,
// expiring acknowledgement link to the agency's institutional address in
// the directory, each liaison with an address and each address in
// o.Emails. A request without an addressee, a legal basis or a
// deadline is refused and nothing is written.
func (db *DB) SendRequest(ctx context.Context, r *coordination.AgencyRequest, o SendOptions) (int64, error) {
	now := db.Now()
	if err := r.Validate(now); err != nil {
		return 0, err
	}
	var emails []string
	for _, e := range o.Emails {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || len(e) > escudo.MaxShortText {
			return 0, escudo.FieldError("email", "validation.email", nil)
		}
		emails = append(emails, e)
	}
	ref, err := db.CaseRef(ctx, r.CaseID)
	if err != nil {
		return 0, err
	}
	actor := escudo.UserIDFromContext(ctx)
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		var code, office string
		if err := tx.QueryRow(ctx, `SELECT code, email FROM agencies WHERE id = ?`, r.AgencyID).Scan(&code, &office); isNoRows(err) {
			return escudo.FieldError("addressee", "request.addressee_unknown", nil)
		} else if err != nil {
			return err
		}
		// The agency's institutional address in the directory gets a link
		// too, first.
		if office != "" {
			emails = append([]string{office}, emails...)
		}
		if r.MeasureID > 0 {
			var caseID int64
			if err := tx.QueryRow(ctx, `SELECT case_id FROM granted_measures WHERE id = ?`, r.MeasureID).Scan(&caseID); isNoRows(err) || caseID != r.CaseID {
				return escudo.FieldError("measure", "request.measure_unknown", nil)
			} else if err != nil {
				return err
			}
		}
		if r.IncidentID > 0 {
			var caseID int64
			if err := tx.QueryRow(ctx, `SELECT case_id FROM incidents WHERE id = ?`, r.IncidentID).Scan(&caseID); isNoRows(err) || caseID != r.CaseID {
				return escudo.FieldError("incident", "request.incident_unknown", nil)
			} else if err != nil {
				return err
			}
		}
		details, err := tx.seal(vault.Risk, "agency_requests.details", r.Details)
		if err != nil {
			return err
		}
		r.Status, r.SentAt, r.SentBy, r.Entity, r.Escalation = coordination.RequestSent, tx.now, actor, ref.Entity, -1
		r.ID, err = tx.InsertID(ctx, `INSERT INTO agency_requests (case_id, agency_id, kind, measure_id, incident_id, legal_basis, details_enc, entity, deadline, status,
			sent_by, sent_at, updated_at, escalation, next_escalation_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, -1, ?)`,
			r.CaseID, r.AgencyID, string(r.Kind), nullID(r.MeasureID), nullID(r.IncidentID), r.LegalBasis, details, r.Entity, micros(r.Deadline), string(r.Status),
			nullID(actor), micros(tx.now), micros(tx.now), tx.nextEscalation(micros(r.Deadline), -1))
		if err != nil {
			return fmt.Errorf("store: send request: %w", err)
		}
		if err := tx.requestStep(ctx, r.ID, actor, "sent", ""); err != nil {
			return err
		}
		if err := tx.requestEvent(ctx, r.CaseID, actor, r.ID, r.Kind, "sent"); err != nil {
			return err
		}
		liaisons, err := tx.agencyLiaisons(ctx, code)
		if err != nil {
			return err
		}
		number := RequestNumber(r.ID)
		for _, l := range liaisons {
			if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: l.id, Kind: KindRequestSent, Subject: number,
				DedupKey: fmt.Sprintf("%s:%d:%d", KindRequestSent, r.ID, l.id)}); err != nil {
				return err
			}
			if l.email != "" {
				emails = append(emails, l.email)
			}
		}
		seen := map[string]bool{}
		for _, e := range emails {
			if k := strings.ToLower(e); !seen[k] {
				seen[k] = true
				if err := tx.sendLink(ctx, r, e, o.LinkBase); err != nil {
					return err
				}
			}
		}
		return tx.Audit(ctx, AuditEntry{Action: "request.send", ObjectType: "agency_request", ObjectID: fmt.Sprint(r.ID),
			Fields: fmt.Sprintf("case:%d,agency:%s,kind:%s,links:%d", r.CaseID, code, r.Kind, len(seen))})
	})
	if err != nil {
		return 0, err
	}
	return r.ID, nil
}

// requestEvent is the case timeline's entry of a request's step: its
// detail names the request, kind and step.
func (tx *Tx) requestEvent(ctx context.Context, caseID, actor, id int64, kind coordination.RequestKind, step string) error {
	return tx.addEvent(ctx, caseID, actor, coordination.EventRequest, fmt.Sprintf("%d:%s:%s", id, kind, step), "")
}

// tierRecipients are the accounts one escalation tier tells: the agency's
// liaisons (or the one named), the case's follow-up officer, or the
// coordination.
func (tx *Tx) tierRecipients(ctx context.Context, tier measures.Tier, caseID int64, agency string, liaison int64) ([]int64, error) {
	var q string
	var args []any
	switch tier {
	case measures.TierLiaison:
		if liaison != 0 {
			return []int64{liaison}, nil
		}
		q, args = `SELECT id FROM users WHERE role = ? AND agency = ? AND disabled = 0 ORDER BY id`, []any{string(escudo.RoleLiaison), agency}
	case measures.TierFollowUp:
		q, args = `SELECT assigned_to FROM cases WHERE id = ? AND assigned_to IS NOT NULL`, []any{caseID}
	case measures.TierCoordination:
		return tx.usersWithRoles(ctx, escudo.RoleCoordinator)
	default:
		return nil, nil
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows)
}

// scanIDs reads a column of ids and closes rows.
func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

type liaisonContact struct {
	id    int64
	email string
}

// agencyLiaisons lists the enabled liaison accounts of an agency.
func (tx *Tx) agencyLiaisons(ctx context.Context, code string) ([]liaisonContact, error) {
	rows, err := tx.Query(ctx, `SELECT id, COALESCE(email, '') FROM users WHERE role = ? AND agency = ? AND disabled = 0 ORDER BY id`, string(escudo.RoleLiaison), code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []liaisonContact
	for rows.Next() {
		var l liaisonContact
		if err := rows.Scan(&l.id, &l.email); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// sendLink records a new acknowledgement link and e-mails it to address.
// The e-mail names the request, its kind and deadline and carries the
// link; what is asked is read on the link's page, never in the e-mail.
func (tx *Tx) sendLink(ctx context.Context, r *coordination.AgencyRequest, address, base string) error {
	signer, err := tx.activeLetterSigner(ctx)
	if err != nil {
		return fmt.Errorf("store: link key: %w", err)
	}
	l := coordination.Link{RequestID: r.ID, Expires: coordination.LinkTTL(tx.now, r.Deadline), KeyID: signer.id}
	to, err := tx.seal(vault.Identity, "agency_request_links.sent_to", address)
	if err != nil {
		return err
	}
	if l.ID, err = tx.InsertID(ctx, `INSERT INTO agency_request_links (request_id, sent_to_enc, key_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
		r.ID, to, l.KeyID, l.Expires.Unix(), micros(tx.now)); err != nil {
		return fmt.Errorf("store: link: %w", err)
	}
	token := coordination.Sign(l, signer.priv)
	body := fmt.Sprintf(requestEmailES, RequestNumber(r.ID), requestKindES[r.Kind], r.Deadline.In(mexicoCity).Format("02/01/2006 15:04"),
		l.Expires.In(mexicoCity).Format("02/01/2006 15:04"), base+token)
	if err := tx.Enqueue(ctx, Notification{Channel: ChannelEmail, Recipient: address, Kind: KindRequestSent, CaseID: r.CaseID,
		Subject: "Solicitud del Mecanismo de Protección " + RequestNumber(r.ID), Body: body,
		DedupKey: fmt.Sprintf("%s:link:%d", KindRequestSent, l.ID)}); err != nil {
		return err
	}
	return tx.requestStep(ctx, r.ID, escudo.UserIDFromContext(ctx), "link_sent", "")
}

// mexicoCity is the time zone of the dates in agencies' e-mails.
var mexicoCity = func() *time.Location {
	if l, err := time.LoadLocation("America/Mexico_City"); err == nil {
		return l
	}
	return time.FixedZone("CST", -6*3600)
}()

var requestKindES = map[coordination.RequestKind]string{
	coordination.RequestImplement: "implementar una medida de protección", coordination.RequestInvestigate: "investigar un incidente",
	coordination.RequestInformation: "proporcionar información", coordination.RequestPoliceSupport: "apoyo policial en una emergencia",
}

const requestEmailES = `El Mecanismo de Protección para Personas Defensoras de Derechos Humanos y Periodistas te envía la solicitud %s: %s.

Fecha límite: %s (hora del centro de México).

Acusa de recibido y lee lo que se pide en este enlace, que es personal, sirve una sola vez y vence el %s:
%s

Si no esperabas este correo, no abras el enlace y avisa al Mecanismo.

The Protection Mechanism sends your agency a request; the link above acknowledges its receipt and shows what is asked.`

// requestStep appends a step to a request's history.
func (tx *Tx) requestStep(ctx context.Context, id, actor int64, step, note string) error {
	var sealed []byte
	if note != "" {
		var err error
		if sealed, err = tx.seal(vault.Risk, "agency_request_history.note", note); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO agency_request_history (request_id, at, actor_id, step, note_enc) VALUES (?, ?, ?, ?, ?)`,
		id, micros(tx.now), nullID(actor), step, sealed)
	return err
}

// requestForUpdate reads a request inside a writing transaction.
func (tx *Tx) requestForUpdate(ctx context.Context, id int64) (coordination.AgencyRequest, error) {
	x, err := scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.id = ?`, id))
	if isNoRows(err) {
		return coordination.AgencyRequest{}, errNotFound()
	} else if err != nil {
		return coordination.AgencyRequest{}, fmt.Errorf("store: request: %w", err)
	}
	return x.r, nil
}

// AcknowledgeRequest records the receipt of a request: by a liaison signed
// in (channel escudo, by their name), or by staff recording a receipt that
// came otherwise (channel staff, by is what proves it, e.g. an official
// letter's number and who signed it). A request already acknowledged,
// completed or cancelled is refused.
func (db *DB) AcknowledgeRequest(ctx context.Context, id int64, channel, by string) error {
	u := escudo.UserFromContext(ctx)
	if u == nil {
		return escudo.Errorf(escudo.EFORBIDDEN, "error.forbidden")
	}
	switch channel {
	case coordination.AckInEscudo:
		by = u.DisplayName
	case coordination.AckRecorded:
		if err := coordination.CheckRequestText("by", by); err != nil {
			return err
		}
	default:
		return escudo.FieldError("channel", "validation.choice", nil)
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		r, err := tx.requestForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.acknowledgeRequest(ctx, &r, u.ID, channel, by); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "request.acknowledge", ObjectType: "agency_request", ObjectID: fmt.Sprint(id), Fields: "channel:" + channel})
	})
}

func (tx *Tx) acknowledgeRequest(ctx context.Context, r *coordination.AgencyRequest, actor int64, channel, by string) error {
	if r.Status != coordination.RequestSent {
		return escudo.Errorf(escudo.ECONFLICT, "request.already_acknowledged")
	}
	sealed, err := tx.seal(vault.Identity, "agency_requests.ack_by", by)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE agency_requests SET status = ?, acknowledged_at = ?, ack_channel = ?, ack_by_enc = ?, updated_at = ? WHERE id = ?`,
		string(coordination.RequestAcknowledged), micros(tx.now), channel, sealed, micros(tx.now), r.ID); err != nil {
		return err
	}
	if err := tx.requestStep(ctx, r.ID, actor, "acknowledged", ""); err != nil {
		return err
	}
	if err := tx.notifySender(ctx, r, "acknowledged"); err != nil {
		return err
	}
	return tx.requestEvent(ctx, r.CaseID, actor, r.ID, r.Kind, "acknowledged")
}

// notifySender tells who sent a request that it moved.
func (tx *Tx) notifySender(ctx context.Context, r *coordination.AgencyRequest, step string) error {
	if r.SentBy == 0 {
		return nil
	}
	return tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: r.SentBy, Kind: KindRequestAnswered, CaseID: r.CaseID, Subject: RequestNumber(r.ID),
		DedupKey: fmt.Sprintf("%s:%d:%s", KindRequestAnswered, r.ID, step)})
}

// Refusals of an acknowledgement link, each a translated message.
var (
	errLinkInvalid = escudo.Errorf(escudo.EFORBIDDEN, "request.link_invalid")
	errLinkExpired = escudo.Errorf(escudo.EFORBIDDEN, "request.link_expired")
	errLinkUsed    = escudo.Errorf(escudo.ECONFLICT, "request.link_used")
)

// LinkState is what a valid acknowledgement link's page shows.
type LinkState struct {
	Request coordination.AgencyRequest
	Used    bool // this link already acknowledged
	Expires time.Time
}

// checkLink verifies a token's signature and expiry against the published
// letter keys and finds its row; a forged, changed, expired or unknown
// link is refused the same way whatever was wrong, except expiry, which
// the holder of a genuine link deserves to be told.
func (db *DB) checkLink(ctx context.Context, token string) (coordination.Link, error) {
	l, err := coordination.Parse(token)
	if err != nil {
		return l, errLinkInvalid
	}
	pub, err := db.LetterPublicKey(ctx, l.KeyID)
	if err != nil {
		return l, errLinkInvalid
	}
	switch err := coordination.Verify(token, l, pub, db.Now()); {
	case errors.Is(err, coordination.ErrExpired):
		return l, errLinkExpired
	case err != nil:
		return l, errLinkInvalid
	}
	return l, nil
}

// refuseLink audits a refused link, so attempts with made-up or reused
// links are visible to the auditors.
func (db *DB) refuseLink(ctx context.Context, l coordination.Link, err error) error {
	_ = db.Audit(ctx, AuditEntry{Action: "request.link_refused", ObjectType: "agency_request", ObjectID: fmt.Sprint(l.RequestID),
		Fields: escudo.ErrorKey(err)})
	return err
}

// RequestByLink returns what the page of a genuine, unexpired link shows:
// the request with what is asked, and whether this link was used. The
// view is audited.
func (db *DB) RequestByLink(ctx context.Context, token string) (LinkState, error) {
	l, err := db.checkLink(ctx, token)
	if err != nil {
		return LinkState{}, db.refuseLink(ctx, l, err)
	}
	var s LinkState
	var reqID int64
	var used sql.NullInt64
	err = db.readRow(ctx, `SELECT request_id, used_at FROM agency_request_links WHERE id = ? AND expires_at = ?`, l.ID, l.Expires.Unix()).Scan(&reqID, &used)
	if isNoRows(err) || err == nil && reqID != l.RequestID {
		return s, db.refuseLink(ctx, l, errLinkInvalid)
	} else if err != nil {
		return s, err
	}
	x, err := scanRequest(db.readRow(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.id = ?`, reqID))
	if err != nil {
		return s, fmt.Errorf("store: request by link: %w", err)
	}
	if s.Request, err = db.openRequest(x); err != nil {
		return s, err
	}
	s.Used, s.Expires = used.Valid, l.Expires
	return s, db.Audit(ctx, AuditEntry{Action: "request.read_link", ObjectType: "agency_request", ObjectID: fmt.Sprint(reqID), Fields: fmt.Sprintf("link:%d,details", l.ID)})
}

// AcknowledgeByLink records a receipt through a link, with the name and
// post the person typed: once per link (a reused link is refused), and
// only while the request waits for it (a request acknowledged otherwise
// keeps its first receipt; the link is still spent).
func (db *DB) AcknowledgeByLink(ctx context.Context, token, name string) (coordination.AgencyRequest, error) {
	l, err := db.checkLink(ctx, token)
	if err != nil {
		return coordination.AgencyRequest{}, db.refuseLink(ctx, l, err)
	}
	if err := coordination.CheckAcknowledger(name); err != nil {
		return coordination.AgencyRequest{}, err
	}
	name = strings.TrimSpace(name)
	var r coordination.AgencyRequest
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		var reqID int64
		var used sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT request_id, used_at FROM agency_request_links WHERE id = ? AND expires_at = ?`, l.ID, l.Expires.Unix()).Scan(&reqID, &used)
		if isNoRows(err) || err == nil && reqID != l.RequestID {
			return errLinkInvalid
		} else if err != nil {
			return err
		}
		if used.Valid {
			return errLinkUsed
		}
		res, err := tx.Exec(ctx, `UPDATE agency_request_links SET used_at = ? WHERE id = ? AND used_at IS NULL`, micros(tx.now), l.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errLinkUsed
		}
		if r, err = tx.requestForUpdate(ctx, reqID); err != nil {
			return err
		}
		if r.Status == coordination.RequestSent {
			if err := tx.acknowledgeRequest(ctx, &r, 0, coordination.AckByLink, name); err != nil {
				return err
			}
			r.Status = coordination.RequestAcknowledged
		} else if err := tx.requestStep(ctx, r.ID, 0, "link_used", name); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "request.acknowledge_link", ObjectType: "agency_request", ObjectID: fmt.Sprint(reqID), Fields: fmt.Sprintf("link:%d", l.ID)})
	})
	if errors.Is(err, errLinkUsed) || errors.Is(err, errLinkInvalid) {
		return r, db.refuseLink(ctx, l, err)
	}
	return r, err
}

// ResendLink sends a new acknowledgement link of an open request to an
// address (a new contact at the agency, a lost e-mail).
func (db *DB) ResendLink(ctx context.Context, id int64, address, base string) error {
	address = strings.TrimSpace(address)
	if a, err := mail.ParseAddress(address); err != nil || a.Address != address || len(address) > escudo.MaxShortText {
		return escudo.FieldError("email", "validation.email", nil)
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		r, err := tx.requestForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if !r.Status.Open() {
			return escudo.Errorf(escudo.ECONFLICT, "request.closed")
		}
		if err := tx.sendLink(ctx, &r, address, base); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "request.link_resend", ObjectType: "agency_request", ObjectID: fmt.Sprint(id)})
	})
}

// CompleteRequest records the agency's answer (a liaison, or staff who
// received it otherwise): the request is done. A request never
// acknowledged is acknowledged by its answer.
func (db *DB) CompleteRequest(ctx context.Context, id int64, outcome string) error {
	return db.closeRequest(ctx, id, coordination.RequestCompleted, "outcome", outcome)
}

// CancelRequest withdraws an open request, with reasons.
func (db *DB) CancelRequest(ctx context.Context, id int64, reason string) error {
	return db.closeRequest(ctx, id, coordination.RequestCancelled, "reason", reason)
}

func (db *DB) closeRequest(ctx context.Context, id int64, to coordination.RequestStatus, field, text string) error {
	if err := coordination.CheckRequestText(field, text); err != nil {
		return err
	}
	u := escudo.UserFromContext(ctx)
	if u == nil {
		return escudo.Errorf(escudo.EFORBIDDEN, "error.forbidden")
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		r, err := tx.requestForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if !r.Status.Open() {
			return escudo.Errorf(escudo.ECONFLICT, "request.closed")
		}
		if to == coordination.RequestCompleted && r.Status == coordination.RequestSent {
			channel := coordination.AckRecorded
			if u.Role == escudo.RoleLiaison {
				channel = coordination.AckInEscudo
			}
			if err := tx.acknowledgeRequest(ctx, &r, u.ID, channel, u.DisplayName); err != nil {
				return err
			}
		}
		sealed, err := tx.seal(vault.Risk, "agency_requests.outcome", strings.TrimSpace(text))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE agency_requests SET status = ?, completed_at = ?, outcome_enc = ?, updated_at = ?, next_escalation_at = NULL WHERE id = ?`,
			string(to), micros(tx.now), sealed, micros(tx.now), id); err != nil {
			return err
		}
		if err := tx.requestStep(ctx, id, u.ID, string(to), ""); err != nil {
			return err
		}
		if err := tx.notifySender(ctx, &r, string(to)); err != nil {
			return err
		}
		if err := tx.requestEvent(ctx, r.CaseID, u.ID, id, r.Kind, string(to)); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "request." + string(to), ObjectType: "agency_request", ObjectID: fmt.Sprint(id)})
	})
}

// FindRequest returns a request with what is asked and the answer; the
// read is audited.
func (db *DB) FindRequest(ctx context.Context, id int64) (coordination.AgencyRequest, error) {
	x, err := scanRequest(db.readRow(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.id = ?`, id))
	if isNoRows(err) {
		return coordination.AgencyRequest{}, errNotFound()
	} else if err != nil {
		return coordination.AgencyRequest{}, fmt.Errorf("store: request: %w", err)
	}
	r, err := db.openRequest(x)
	if err != nil {
		return r, err
	}
	return r, db.Audit(ctx, AuditEntry{Action: "request.read", ObjectType: "agency_request", ObjectID: fmt.Sprint(id), Fields: "details,outcome,ack_by"})
}

// RequestStep is one line of a request's history.
type RequestStep struct {
	At        time.Time
	ActorName string
	Step      string
	Note      string
}

// RequestHistory returns a request's steps, oldest first.
func (db *DB) RequestHistory(ctx context.Context, id int64) ([]RequestStep, error) {
	rows, err := db.readQuery(ctx, `SELECT h.at, COALESCE(u.display_name, ''), h.step, h.note_enc FROM agency_request_history h
		LEFT JOIN users u ON u.id = h.actor_id WHERE h.request_id = ? ORDER BY h.at, h.id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: request history: %w", err)
	}
	defer rows.Close()
	var out []RequestStep
	for rows.Next() {
		var s RequestStep
		var at int64
		var note []byte
		if err := rows.Scan(&at, &s.ActorName, &s.Step, &note); err != nil {
			return nil, err
		}
		s.At = fromMicros(at)
		if len(note) > 0 {
			if s.Note, err = db.open("agency_request_history.note", note); err != nil {
				return nil, err
			}
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RequestFilter selects the requests of a list.
type RequestFilter struct {
	CaseID     int64
	IncidentID int64
	Agency     string // an agency's code: a liaison's list
	Status     coordination.RequestStatus
	Overdue    bool // open past the deadline
	Limit      int
}

// Requests lists requests without what they ask, the open ones by
// deadline first, then the rest newest first.
func (db *DB) Requests(ctx context.Context, f RequestFilter) ([]coordination.AgencyRequest, error) {
	q := `SELECT ` + requestColumns + requestFrom + ` WHERE 1 = 1`
	var args []any
	if f.CaseID != 0 {
		q += ` AND r.case_id = ?`
		args = append(args, f.CaseID)
	}
	if f.IncidentID != 0 {
		q += ` AND r.incident_id = ?`
		args = append(args, f.IncidentID)
	}
	if f.Agency != "" {
		q += ` AND a.code = ?`
		args = append(args, f.Agency)
	}
	if f.Status != "" {
		q += ` AND r.status = ?`
		args = append(args, string(f.Status))
	}
	if f.Overdue {
		q += ` AND r.status IN ('sent', 'acknowledged') AND r.deadline < ?`
		args = append(args, micros(db.Now()))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	q += ` ORDER BY CASE WHEN r.status IN ('sent', 'acknowledged') THEN 0 ELSE 1 END, CASE WHEN r.status IN ('sent', 'acknowledged') THEN r.deadline ELSE -r.sent_at END, r.id LIMIT ?`
	args = append(args, f.Limit)
	rows, err := db.readQuery(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: requests: %w", err)
	}
	defer rows.Close()
	var out []coordination.AgencyRequest
	for rows.Next() {
		x, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x.r)
	}
	return out, rows.Err()
}

// RequestRef returns the access attributes of a request: its case's, and
// the agency it is addressed to.
func (db *DB) RequestRef(ctx context.Context, id int64) (ObjectRef, error) {
	var caseID int64
	var agency string
	err := db.readRow(ctx, `SELECT r.case_id, a.code FROM agency_requests r JOIN agencies a ON a.id = r.agency_id WHERE r.id = ?`, id).Scan(&caseID, &agency)
	if isNoRows(err) {
		return ObjectRef{}, errNotFound()
	} else if err != nil {
		return ObjectRef{}, fmt.Errorf("store: request ref: %w", err)
	}
	r, err := db.CaseRef(ctx, caseID)
	r.Agency = agency
	return r, err
}

// SweepRequests escalates the open requests past their deadline whose
// next tier is due, along the tiers of the measures' rules (the agency's
// liaisons, the case's follow-up officer, the coordination), each once,
// with an inbox notice naming only the request's number. The job
// runner's cluster job requests.sweep calls it.
func (db *DB) SweepRequests(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	rules := db.measureRules
	var done int
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.next_escalation_at IS NOT NULL AND r.next_escalation_at <= ?
			AND r.status IN ('sent', 'acknowledged') ORDER BY r.next_escalation_at, r.id LIMIT ?`, micros(tx.now), limit)
		if err != nil {
			return err
		}
		var due []coordination.AgencyRequest
		for rows.Next() {
			x, err := scanRequest(rows)
			if err != nil {
				rows.Close()
				return err
			}
			due = append(due, x.r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range due {
			idx, _ := rules.TierDue(r.Deadline, tx.now)
			if idx > r.Escalation {
				for t := r.Escalation + 1; t <= idx; t++ {
					if err := tx.escalateRequest(ctx, &r, rules.Escalations[t].Tier); err != nil {
						return err
					}
					done++
				}
				if err := tx.requestStep(ctx, r.ID, 0, fmt.Sprintf("overdue_%d", idx), ""); err != nil {
					return err
				}
				if err := tx.requestEvent(ctx, r.CaseID, 0, r.ID, r.Kind, fmt.Sprintf("overdue_%d", idx)); err != nil {
					return err
				}
			} else {
				idx = r.Escalation
			}
			if _, err := tx.Exec(ctx, `UPDATE agency_requests SET escalation = ?, next_escalation_at = ? WHERE id = ?`,
				idx, tx.nextEscalation(micros(r.Deadline), idx), r.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return done, err
}

// escalateRequest tells one tier of an overdue request.
func (tx *Tx) escalateRequest(ctx context.Context, r *coordination.AgencyRequest, tier measures.Tier) error {
	ids, err := tx.tierRecipients(ctx, tier, r.CaseID, r.Agency.Code, 0)
	if err != nil {
		return err
	}
	for _, uid := range ids {
		if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: uid, Kind: KindRequestOverdue, CaseID: r.CaseID, Subject: RequestNumber(r.ID),
			DedupKey: fmt.Sprintf("%s:%d:%s:%d:%d", KindRequestOverdue, r.ID, tier, micros(r.Deadline), uid)}); err != nil {
			return err
		}
	}
	return tx.Audit(ctx, AuditEntry{Action: "request.escalate", ObjectType: "agency_request", ObjectID: fmt.Sprint(r.ID), Fields: "tier:" + string(tier)})
}

// RequestFacts reads what the performance table counts of the requests
// sent in [from, to): no sealed field is opened.
func (db *DB) RequestFacts(ctx context.Context, from, to time.Time) ([]coordination.RequestFact, error) {
	rows, err := db.readQuery(ctx, `SELECT agency_id, entity, kind, status, sent_at, deadline, COALESCE(acknowledged_at, 0), COALESCE(completed_at, 0)
		FROM agency_requests WHERE sent_at >= ? AND sent_at < ?`, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("store: request facts: %w", err)
	}
	defer rows.Close()
	out := make([]coordination.RequestFact, 0, 1024)
	for rows.Next() {
		var f coordination.RequestFact
		var sent, deadline, ack, done int64
		if err := rows.Scan(&f.AgencyID, &f.Entity, &f.Kind, &f.Status, &sent, &deadline, &ack, &done); err != nil {
			return nil, err
		}
		f.SentAt, f.Deadline = fromMicros(sent), fromMicros(deadline)
		if ack != 0 {
			f.Acknowledged = fromMicros(ack)
		}
		if done != 0 && f.Status == coordination.RequestCompleted {
			f.Completed = fromMicros(done)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"math/big"
	"strings"
	"time"

	"escudo"
	"escudo/internal/invitation"
	"escudo/internal/password"
	"escudo/internal/vault"
)

// Portal invitations (docs/accounts.md). A beneficiary's account, or a
// collective representative's, is created with no usable password and an
// invitation: a random token, kept only as its digest, sent by e-mail or
// SMS through the outbox in the same transaction. Accepting it once,
// before it expires, sets the passphrase; the second factor is enrolled at
// the first sign-in.

// KindPortalInvitation is the outbox kind of an invitation's message.
const KindPortalInvitation = "portal.invitation"

// unusablePassword marks an account whose invitation has not been accepted:
// no password verifies against it (Authenticate does the dummy work).
const unusablePassword = "!invited"

// PortalInvite is what staff (or the admission) asks for.
type PortalInvite struct {
	// Channel is invitation.Email or invitation.SMS; with Address empty
	// both are taken from the person's contact (invitation.Choose).
	Channel string
	Address string
	// Representative is the name of a collective's representative: the
	// invitation is for a new account of theirs (sealed name).
	Representative string
	// UserID re-invites an account of the case's person: a pending one
	// gets a new link; an accepted one is a recovery, which needs Reason
	// and Witness, and resets its passphrase and second factors when the
	// new invitation is accepted.
	UserID  int64
	Reason  string // recovery: how the identity was checked
	Witness int64  // recovery: a second staff member who took part
	TTL     time.Duration
}

// PortalInvitation is one invitation as staff see it.
type PortalInvitation struct {
	ID             int64
	UserID         int64
	CaseID         int64
	Channel        string
	Address        string // opened only for PortalAccounts
	CreatedBy      int64
	CreatedAt      time.Time
	ExpiresAt      time.Time
	UsedAt         *time.Time
	RevokedAt      *time.Time
	Recovery       bool
	Representative string
	State          invitation.State
}

// PortalAccount is a portal account of a case's person with its
// invitations, newest first.
type PortalAccount struct {
	User           *escudo.User
	Representative bool
	Name           string // a representative's name (sealed in the invitation)
	Active         bool   // an invitation was accepted: the account has a passphrase
	Invitations    []PortalInvitation
}

// PublicURL is where links in messages point: the public URL the letters'
// verification page was configured with (SetLetterSettings).
func (db *DB) PublicURL() string {
	return strings.TrimSuffix(db.letterConfig().VerifyURL, "/verificar")
}

// InviteToPortal creates (or re-invites) a portal account of the case's
// person and its invitation, and enqueues the message, in one transaction.
// The token is returned once, for tests and the demo; it is never stored.
func (db *DB) InviteToPortal(ctx context.Context, caseID int64, in PortalInvite) (PortalInvitation, string, error) {
	var inv PortalInvitation
	var token string
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		var err error
		inv, token, err = tx.inviteToPortal(ctx, caseID, in)
		return err
	})
	return inv, token, err
}

// inviteOnAdmission invites the beneficiary of a case just admitted when
// they can be reached in writing and have no portal account yet.
func (tx *Tx) inviteOnAdmission(ctx context.Context, caseID int64) error {
	var personID int64
	if err := tx.QueryRow(ctx, `SELECT person_id FROM cases WHERE id = ?`, caseID).Scan(&personID); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE person_id = ? AND role = ? AND portal_representative = 0`,
		personID, string(escudo.RoleBeneficiary)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	p, err := tx.db.scanPerson(tx.QueryRow(ctx, `SELECT `+personColumns+` FROM people WHERE id = ?`, personID))
	if err != nil {
		return err
	}
	if _, _, ok := invitation.Choose(p); !ok {
		return nil
	}
	_, _, err = tx.inviteToPortal(ctx, caseID, PortalInvite{})
	return err
}

func (tx *Tx) inviteToPortal(ctx context.Context, caseID int64, in PortalInvite) (PortalInvitation, string, error) {
	var inv PortalInvitation
	var personID int64
	if err := tx.QueryRow(ctx, `SELECT person_id FROM cases WHERE id = ?`, caseID).Scan(&personID); err != nil {
		if isNoRows(err) {
			return inv, "", escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		}
		return inv, "", err
	}
	p, err := tx.db.scanPerson(tx.QueryRow(ctx, `SELECT `+personColumns+` FROM people WHERE id = ?`, personID))
	if err != nil {
		return inv, "", err
	}
	in.Representative = strings.TrimSpace(in.Representative)
	in.Address = strings.TrimSpace(in.Address)
	var v escudo.ValidationErrors
	if in.Representative != "" {
		if p.Kind != escudo.KindCollective {
			v.Add("representative", "invitation.not_collective", nil)
		} else if err := invitation.CheckName(in.Representative); err != nil {
			return inv, "", err
		}
	}
	if in.Address == "" && in.Representative == "" {
		// The person's own address, as they chose it.
		ch, addr, ok := invitation.Choose(p)
		if in.Channel != "" && in.Channel != ch {
			switch in.Channel {
			case invitation.Email:
				addr, ok = p.Email, p.Email != ""
			case invitation.SMS:
				addr, ok = p.Phone, p.Phone != "" && !p.Contact.NeverSMS
			}
			ch = in.Channel
		}
		if !ok {
			v.Add("destination", "invitation.no_address", nil)
		}
		in.Channel, in.Address = ch, addr
	}
	if len(v) == 0 {
		if err := invitation.CheckAddress(in.Channel, in.Address, p.Contact.NeverSMS && in.Representative == ""); err != nil {
			return inv, "", err
		}
	}
	if err := v.Err(); err != nil {
		return inv, "", err
	}
	actor := escudo.UserIDFromContext(ctx)
	// The account: the one named, the beneficiary's own, or a new one.
	var userID int64
	var accepted bool
	switch {
	case in.UserID != 0:
		var pid sql.NullInt64
		var role string
		if err := tx.QueryRow(ctx, `SELECT person_id, role FROM users WHERE id = ?`, in.UserID).Scan(&pid, &role); err != nil || pid.Int64 != personID || role != string(escudo.RoleBeneficiary) {
			return inv, "", escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		}
		userID = in.UserID
	case in.Representative == "":
		err := tx.QueryRow(ctx, `SELECT id FROM users WHERE person_id = ? AND role = ? AND portal_representative = 0 ORDER BY id LIMIT 1`,
			personID, string(escudo.RoleBeneficiary)).Scan(&userID)
		if err != nil && !isNoRows(err) {
			return inv, "", err
		}
	}
	if userID != 0 {
		var hash string
		if err := tx.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, userID).Scan(&hash); err != nil {
			return inv, "", err
		}
		accepted = hash != unusablePassword
	}
	if accepted {
		// A recovery hands the account to whoever accepts: only with the
		// identity checked by two staff members (docs/accounts.md).
		if strings.TrimSpace(in.Reason) == "" {
			v.Add("reason", "invitation.reason_required", nil)
		}
		if err := tx.checkWitness(ctx, in.Witness, actor, userID); err != nil {
			v.Add("witness", err.Error(), nil)
		}
		if err := v.Err(); err != nil {
			return inv, "", err
		}
	}
	if userID == 0 {
		if userID, err = tx.newPortalAccount(ctx, personID, p.Language, in.Representative != ""); err != nil {
			return inv, "", err
		}
	}
	// One live link per account: a new one replaces any still pending.
	if _, err := tx.Exec(ctx, `UPDATE portal_invitations SET revoked_at = ?, revoked_by = ? WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL`,
		micros(tx.now), nullID(actor), userID); err != nil {
		return inv, "", err
	}
	token, digest, err := invitation.NewToken()
	if err != nil {
		return inv, "", err
	}
	ttl := in.TTL
	if ttl <= 0 {
		ttl = invitation.DefaultTTL
	}
	inv = PortalInvitation{UserID: userID, CaseID: caseID, Channel: in.Channel, CreatedBy: actor, CreatedAt: tx.now,
		ExpiresAt: tx.now.Add(ttl), Recovery: accepted, Representative: in.Representative, State: invitation.Pending}
	addr, err := tx.seal(vault.Identity, "portal_invitations.address", in.Address)
	if err != nil {
		return inv, "", err
	}
	var reason, name any
	if accepted {
		if reason, err = tx.seal(vault.Identity, "portal_invitations.reason", strings.TrimSpace(in.Reason)); err != nil {
			return inv, "", err
		}
	}
	if in.Representative != "" {
		if name, err = tx.seal(vault.Identity, "portal_invitations.name", in.Representative); err != nil {
			return inv, "", err
		}
	}
	inv.ID, err = tx.InsertID(ctx, `INSERT INTO portal_invitations (user_id, case_id, token_hash, channel, address_enc, created_by, created_at, expires_at, recovery, witness, reason_enc, name_enc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, userID, caseID, digest, in.Channel, addr, nullID(actor), micros(tx.now), micros(inv.ExpiresAt),
		boolInt(accepted), nullID(in.Witness), reason, name)
	if err != nil {
		return inv, "", fmt.Errorf("store: invite: %w", err)
	}
	subject, body := invitation.Message(tx.db.PublicURL(), token, inv.ExpiresAt.In(mexicoCity), englishSpeaker(p.Language))
	channel := ChannelEmail
	if in.Channel == invitation.SMS {
		channel = ChannelSMS
	}
	if err := tx.Enqueue(ctx, Notification{Channel: channel, UserID: userID, Recipient: in.Address, Kind: KindPortalInvitation, CaseID: caseID,
		Subject: subject, Body: body}); err != nil {
		return inv, "", err
	}
	action := "portal.invite"
	if accepted {
		action = "portal.recovery"
	}
	obj := fmt.Sprint(userID)
	if err := tx.Audit(ctx, AuditEntry{Action: action, ObjectType: "user", ObjectID: obj, Fields: "invitation:" + fmt.Sprint(inv.ID) + ",channel:" + in.Channel}); err != nil {
		return inv, "", err
	}
	if accepted {
		if err := tx.Audit(ctx, AuditEntry{ActorID: in.Witness, ActorRole: tx.roleOf(ctx, in.Witness), Action: "portal.recovery.witness", ObjectType: "user", ObjectID: obj,
			Fields: "invitation:" + fmt.Sprint(inv.ID)}); err != nil {
			return inv, "", err
		}
	}
	return inv, token, nil
}

// checkWitness refuses a witness who is not an active staff member, or who
// is the one acting or the account's owner; the error is a translation key.
func (tx *Tx) checkWitness(ctx context.Context, witness, actor, owner int64) error {
	if witness == 0 {
		return fmt.Errorf("invitation.witness_required")
	}
	var role string
	var disabled int
	if err := tx.QueryRow(ctx, `SELECT role, disabled FROM users WHERE id = ?`, witness).Scan(&role, &disabled); err != nil || disabled == 1 {
		return fmt.Errorf("invitation.witness_staff")
	}
	staff := false
	for _, r := range []escudo.Role{escudo.RoleReception, escudo.RoleDuty, escudo.RoleAnalyst, escudo.RoleFollowUp, escudo.RoleCoordinator, escudo.RoleAdmin} {
		staff = staff || role == string(r)
	}
	if !staff || witness == actor || witness == owner {
		return fmt.Errorf("invitation.witness_staff")
	}
	return nil
}

func (tx *Tx) roleOf(ctx context.Context, id int64) string {
	var role string
	_ = tx.QueryRow(ctx, `SELECT role FROM users WHERE id = ?`, id).Scan(&role)
	return role
}

// newPortalAccount creates a beneficiary account with a generated name and
// no usable password. The name says nothing of the person.
func (tx *Tx) newPortalAccount(ctx context.Context, personID int64, language string, representative bool) (int64, error) {
	display := "Persona beneficiaria"
	if representative {
		display = "Representante"
	}
	locale := "es-MX"
	if englishSpeaker(language) {
		locale = "en"
	}
	for range 5 {
		name, err := portalUsername()
		if err != nil {
			return 0, err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE username = ?`, name).Scan(&n); err != nil {
			return 0, err
		}
		if n > 0 {
			continue
		}
		id, err := tx.InsertID(ctx, `INSERT INTO users (username, display_name, role, person_id, locale, password_hash, disabled, created_at, must_change_password, portal_representative)
			VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0, ?)`, name, display, string(escudo.RoleBeneficiary), personID, locale, unusablePassword, micros(tx.now), boolInt(representative))
		if err != nil {
			return 0, fmt.Errorf("store: create portal account: %w", err)
		}
		return id, tx.Audit(ctx, AuditEntry{Action: "user.create", ObjectType: "user", ObjectID: fmt.Sprint(id), Fields: "username,role,portal"})
	}
	return 0, fmt.Errorf("store: no free portal user name after 5 tries")
}

// portalUsername is "p-" and eight digits in two groups, easy to read out
// and to type on a phone.
func portalUsername() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return "", err
	}
	s := fmt.Sprintf("%08d", n.Int64())
	return "p-" + s[:4] + "-" + s[4:], nil
}

func englishSpeaker(language string) bool {
	return strings.EqualFold(language, "en") || strings.EqualFold(language, "english") || strings.EqualFold(language, "inglés")
}

// InvitationFor returns the invitation of a token with its account's name,
// so the acceptance page can greet it, or the error that tells why the
// link does not open (translation keys invitation.*). Nothing changes.
func (db *DB) InvitationFor(ctx context.Context, token string) (PortalInvitation, string, error) {
	var inv PortalInvitation
	var username string
	if !invitation.WellFormed(token) {
		return inv, "", escudo.Errorf(escudo.ENOTFOUND, "invitation.unknown")
	}
	var created, expires int64
	var used, revoked sql.NullInt64
	var recovery int
	err := db.readRow(ctx, `SELECT i.id, i.user_id, i.case_id, i.channel, i.created_at, i.expires_at, i.used_at, i.revoked_at, i.recovery, u.username
		FROM portal_invitations i JOIN users u ON u.id = i.user_id WHERE i.token_hash = ?`, invitation.Digest(token)).
		Scan(&inv.ID, &inv.UserID, &inv.CaseID, &inv.Channel, &created, &expires, &used, &revoked, &recovery, &username)
	if isNoRows(err) {
		return inv, "", escudo.Errorf(escudo.ENOTFOUND, "invitation.unknown")
	} else if err != nil {
		return inv, "", err
	}
	inv.CreatedAt, inv.ExpiresAt, inv.UsedAt, inv.RevokedAt, inv.Recovery = fromMicros(created), fromMicros(expires), ptrMicros(used), ptrMicros(revoked), recovery == 1
	inv.State = invitation.StateAt(db.Now(), inv.ExpiresAt, inv.UsedAt, inv.RevokedAt)
	if key := invitation.Refusal(inv.State); key != "" {
		return inv, username, escudo.Errorf(escudo.ECONFLICT, key)
	}
	return inv, username, nil
}

// AcceptInvitation sets the passphrase of the invitation's account, once,
// while the invitation is pending; a recovery also removes the account's
// second factors and ends its sessions. Refusals are audited, the
// anonymous ones counted per address. It returns the account.
func (db *DB) AcceptInvitation(ctx context.Context, token, passphrase string) (*escudo.User, error) {
	if err := invitation.CheckPassphrase(passphrase); err != nil {
		return nil, err
	}
	hash, err := password.Hash(passphrase, password.Default)
	if err != nil {
		return nil, err
	}
	var u *escudo.User
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		var id, userID int64
		var expires int64
		var used, revoked sql.NullInt64
		var recovery, disabled int
		err := tx.QueryRow(ctx, `SELECT i.id, i.user_id, i.expires_at, i.used_at, i.revoked_at, i.recovery, u.disabled
			FROM portal_invitations i JOIN users u ON u.id = i.user_id WHERE i.token_hash = ?`, invitation.Digest(token)).
			Scan(&id, &userID, &expires, &used, &revoked, &recovery, &disabled)
		if isNoRows(err) || !invitation.WellFormed(token) {
			return escudo.Errorf(escudo.ENOTFOUND, "invitation.unknown")
		} else if err != nil {
			return err
		}
		state := invitation.StateAt(tx.now, fromMicros(expires), ptrMicros(used), ptrMicros(revoked))
		if disabled == 1 && state == invitation.Pending {
			state = invitation.Revoked
		}
		if key := invitation.Refusal(state); key != "" {
			return &refusedInvitation{id: id, user: userID, key: key}
		}
		// Used once: the update holds only while the row is still pending.
		res, err := tx.Exec(ctx, `UPDATE portal_invitations SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL`, micros(tx.now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &refusedInvitation{id: id, user: userID, key: "invitation.used"}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ?`, hash, userID); err != nil {
			return err
		}
		fields := "password"
		if recovery == 1 {
			for _, q := range []string{`DELETE FROM user_totp WHERE user_id = ?`, `DELETE FROM security_keys WHERE user_id = ?`, `DELETE FROM user_recovery_codes WHERE user_id = ?`} {
				if _, err := tx.Exec(ctx, q, userID); err != nil {
					return fmt.Errorf("store: recovery: %w", err)
				}
			}
			if _, err := tx.Exec(ctx, `DELETE FROM auth_lockouts WHERE subject = ?`, db.FactorSubject(userID)); err != nil {
				return err
			}
			fields += ",totp,security_keys,recovery_codes"
		}
		if err := tx.destroyUserSessions(ctx, userID); err != nil {
			return err
		}
		if u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, userID)); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{ActorID: userID, ActorRole: string(escudo.RoleBeneficiary), Action: "portal.accept", ObjectType: "user",
			ObjectID: fmt.Sprint(userID), Fields: fields + ",sessions,invitation:" + fmt.Sprint(id)})
	})
	if r, ok := err.(*refusedInvitation); ok {
		_ = db.Audit(ctx, AuditEntry{ActorID: r.user, ActorRole: string(escudo.RoleBeneficiary), Action: "portal.accept", ObjectType: "user",
			ObjectID: fmt.Sprint(r.user), Fields: "invitation:" + fmt.Sprint(r.id), Outcome: OutcomeDenied})
		return nil, escudo.Errorf(escudo.ECONFLICT, r.key)
	}
	if escudo.ErrorCode(err) == escudo.ENOTFOUND {
		db.AuditRefusal(ctx, AuditEntry{Action: "portal.accept", ObjectType: "invitation", Outcome: OutcomeDenied})
	}
	return u, err
}

type refusedInvitation struct {
	id, user int64
	key      string
}

func (r *refusedInvitation) Error() string { return r.key }

// PortalAccounts lists the portal accounts of a case's person (the
// beneficiary's own and a collective's representatives') with their
// invitations and the address each was sent to, for staff. Reading the
// addresses is audited as a read of the person's identity.
func (db *DB) PortalAccounts(ctx context.Context, caseID int64) ([]PortalAccount, error) {
	var personID int64
	if err := db.readRow(ctx, `SELECT person_id FROM cases WHERE id = ?`, caseID).Scan(&personID); err != nil {
		if isNoRows(err) {
			return nil, escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		}
		return nil, err
	}
	rows, err := db.readQuery(ctx, `SELECT `+userColumns+`, portal_representative, password_hash FROM users WHERE person_id = ? AND role = ? ORDER BY id`,
		personID, string(escudo.RoleBeneficiary))
	if err != nil {
		return nil, err
	}
	var out []PortalAccount
	index := map[int64]int{}
	for rows.Next() {
		var rep int
		var hash string
		u, err := scanUser(rows, &rep, &hash)
		if err != nil {
			rows.Close()
			return nil, err
		}
		index[u.ID] = len(out)
		out = append(out, PortalAccount{User: u, Representative: rep == 1, Active: hash != unusablePassword})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	irows, err := db.readQuery(ctx, `SELECT i.id, i.user_id, i.case_id, i.channel, i.address_enc, COALESCE(i.created_by, 0), i.created_at, i.expires_at, i.used_at, i.revoked_at, i.recovery, i.name_enc
		FROM portal_invitations i JOIN users u ON u.id = i.user_id WHERE u.person_id = ? ORDER BY i.created_at DESC, i.id DESC`, personID)
	if err != nil {
		return nil, err
	}
	defer irows.Close()
	now := db.Now()
	for irows.Next() {
		var inv PortalInvitation
		var addr, name []byte
		var created, expires int64
		var used, revoked sql.NullInt64
		var recovery int
		if err := irows.Scan(&inv.ID, &inv.UserID, &inv.CaseID, &inv.Channel, &addr, &inv.CreatedBy, &created, &expires, &used, &revoked, &recovery, &name); err != nil {
			return nil, err
		}
		inv.CreatedAt, inv.ExpiresAt, inv.UsedAt, inv.RevokedAt, inv.Recovery = fromMicros(created), fromMicros(expires), ptrMicros(used), ptrMicros(revoked), recovery == 1
		inv.State = invitation.StateAt(now, inv.ExpiresAt, inv.UsedAt, inv.RevokedAt)
		if inv.Address, err = db.open("portal_invitations.address", addr); err != nil {
			return nil, err
		}
		if len(name) > 0 {
			if inv.Representative, err = db.open("portal_invitations.name", name); err != nil {
				return nil, err
			}
		}
		if i, ok := index[inv.UserID]; ok {
			a := &out[i]
			a.Invitations = append(a.Invitations, inv)
			if a.Name == "" {
				a.Name = inv.Representative
			}
		}
	}
	if err := irows.Err(); err != nil {
		return nil, err
	}
	if len(out) > 0 {
		if err := db.Audit(ctx, AuditEntry{Action: "person.read", ObjectType: "person", ObjectID: fmt.Sprint(personID), Fields: "portal_accounts,addresses"}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RevokeInvitation stops a pending invitation of the case: its link no
// longer opens.
func (db *DB) RevokeInvitation(ctx context.Context, caseID, invitationID int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var userID int64
		var used, revoked sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT user_id, used_at, revoked_at FROM portal_invitations WHERE id = ? AND case_id = ?`, invitationID, caseID).Scan(&userID, &used, &revoked)
		if isNoRows(err) {
			return escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		} else if err != nil {
			return err
		}
		if used.Valid || revoked.Valid {
			return escudo.Errorf(escudo.ECONFLICT, "invitation.not_pending")
		}
		if _, err := tx.Exec(ctx, `UPDATE portal_invitations SET revoked_at = ?, revoked_by = ? WHERE id = ?`,
			micros(tx.now), nullID(escudo.UserIDFromContext(ctx)), invitationID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "portal.revoke", ObjectType: "user", ObjectID: fmt.Sprint(userID), Fields: "invitation:" + fmt.Sprint(invitationID)})
	})
}

// DisablePortalAccount disables a portal account of the case's person:
// its sessions end and its pending invitations stop opening.
func (db *DB) DisablePortalAccount(ctx context.Context, caseID, userID int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users u JOIN cases c ON c.person_id = u.person_id WHERE u.id = ? AND c.id = ? AND u.role = ?`,
			userID, caseID, string(escudo.RoleBeneficiary)).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET disabled = 1 WHERE id = ?`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE portal_invitations SET revoked_at = ?, revoked_by = ? WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL`,
			micros(tx.now), nullID(escudo.UserIDFromContext(ctx)), userID); err != nil {
			return err
		}
		if err := tx.destroyUserSessions(ctx, userID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "user.disable", ObjectType: "user", ObjectID: fmt.Sprint(userID), Fields: "disabled,sessions,portal"})
	})
}

// PortalCollective reports whether the case's person is a collective,
// whose representatives may have accounts of their own.
func (db *DB) PortalCollective(ctx context.Context, caseID int64) (bool, error) {
	var kind []byte
	err := db.readRow(ctx, `SELECT p.kind_enc FROM cases c JOIN people p ON p.id = c.person_id WHERE c.id = ?`, caseID).Scan(&kind)
	if isNoRows(err) {
		return false, escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
	} else if err != nil {
		return false, err
	}
	k, err := db.open("people.kind", kind)
	return k == string(escudo.KindCollective), err
}

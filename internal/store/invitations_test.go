package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/invitation"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

const goodPassphrase = "caballo correcto batería grapa"

// invitationMessages returns the outbox rows of portal invitations, oldest
// first, with recipient and body opened.
func invitationMessages(t *testing.T, db *store.DB) []*store.Notification {
	t.Helper()
	var ids []int64
	if err := db.WithTx(context.Background(), false, func(tx *store.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT id FROM outbox WHERE kind = ? ORDER BY id`, store.KindPortalInvitation)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	}); err != nil {
		t.Fatal(err)
	}
	var out []*store.Notification
	for _, id := range ids {
		n, err := db.FindNotification(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// tokenOf reads the token from an invitation's text, as the person would.
func tokenOf(t *testing.T, n *store.Notification) string {
	t.Helper()
	i := strings.Index(n.Body, "/invitacion/")
	if i < 0 {
		t.Fatalf("no link in %q", n.Body)
	}
	tok := n.Body[i+len("/invitacion/"):]
	if j := strings.IndexAny(tok, " "); j >= 0 {
		tok = tok[:j]
	}
	return tok
}

func TestAdmissionInvitesTheBeneficiary(t *testing.T) {
	clock := testdb.NewClock(time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC))
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		db.SetLetterSettings(store.LetterSettings{VerifyURL: "https://avisos.example/verificar"})
		// Refused and failed admissions invite nobody.
		c, p := newRequest("Rosa Méndez")
		p.Email = "rosa@example.org"
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted, Reason: "Sin relación con la labor."}); err != nil {
			t.Fatal(err)
		}
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err == nil {
			t.Fatal("a second decision was accepted")
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM portal_invitations`); n != 0 {
			t.Fatalf("refused or failed admissions left %d invitations", n)
		}
		if n := len(invitationMessages(t, db)); n != 0 {
			t.Fatalf("refused or failed admissions sent %d messages", n)
		}

		// Admitted with an e-mail and a phone: e-mail, the preferred one.
		c, p = newRequest("Lidia Ortega")
		p.Email = "lidia@example.org"
		rc, err = db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err != nil {
			t.Fatal(err)
		}
		msgs := invitationMessages(t, db)
		if len(msgs) != 1 || msgs[0].Channel != store.ChannelEmail || msgs[0].Recipient != "lidia@example.org" {
			t.Fatalf("admission's invitation: %+v", msgs)
		}
		m := msgs[0]
		for _, text := range []string{m.Subject, m.Body} {
			if w := invitation.Reveals(text); w != "" {
				t.Fatalf("the invitation says %q: %q", w, text)
			}
			if strings.Contains(text, "Lidia") || strings.Contains(text, rc.Reference) {
				t.Fatalf("the invitation names the person or the case: %q", text)
			}
		}
		if m.Subject != "Tienes un aviso nuevo" || !strings.HasPrefix(m.Body, "Para activar tu cuenta entra a https://avisos.example/invitacion/i1.") ||
			!strings.Contains(m.Body, "antes del 09/03/2026") {
			t.Fatalf("invitation text: %q / %q", m.Subject, m.Body)
		}
		accounts, err := db.PortalAccounts(ctx, rc.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if len(accounts) != 1 || accounts[0].Active || len(accounts[0].Invitations) != 1 || accounts[0].Invitations[0].State != invitation.Pending ||
			accounts[0].User.Role != escudo.RoleBeneficiary || accounts[0].Invitations[0].Address != "lidia@example.org" {
			t.Fatalf("accounts after admission: %+v", accounts)
		}
		u := accounts[0].User
		// Until accepted, no password opens the account.
		if _, err := db.Authenticate(ctx, u.Username, ""); err == nil {
			t.Fatal("a pending account signed in with no password")
		}
		if _, err := db.Authenticate(ctx, u.Username, unusable); err == nil {
			t.Fatal("a pending account signed in with its marker")
		}

		token := tokenOf(t, m)
		if _, _, err := db.InvitationFor(ctx, token); err != nil {
			t.Fatalf("pending invitation refused: %v", err)
		}
		if _, err := db.AcceptInvitation(ctx, token, "corta"); !hasField(err, "password") {
			t.Fatalf("short passphrase: %v", err)
		}
		got, err := db.AcceptInvitation(ctx, token, goodPassphrase)
		if err != nil || got.ID != u.ID {
			t.Fatalf("accept: %v", err)
		}
		if _, err := db.Authenticate(ctx, u.Username, goodPassphrase); err != nil {
			t.Fatalf("sign in after accepting: %v", err)
		}
		// Used once.
		if _, err := db.AcceptInvitation(ctx, token, "otra frase muy distinta aquí"); escudo.ErrorKey(err) != "invitation.used" {
			t.Fatalf("reused: %v", err)
		}
		if _, err := db.Authenticate(ctx, u.Username, "otra frase muy distinta aquí"); err == nil {
			t.Fatal("a reused link changed the passphrase")
		}
		if _, _, err := db.InvitationFor(ctx, token); escudo.ErrorKey(err) != "invitation.used" {
			t.Fatalf("page of a used link: %v", err)
		}
		// Forged links.
		for _, forged := range []string{"", "i1.", token[:len(token)-1] + "A", "r1.bm90.YQ", strings.Repeat("x", 500)} {
			if forged == token {
				continue
			}
			if _, err := db.AcceptInvitation(ctx, forged, goodPassphrase); escudo.ErrorKey(err) != "invitation.unknown" {
				t.Fatalf("forged %q: %v", forged, err)
			}
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'portal.accept' AND outcome = 'ok'`); n != 1 {
			t.Fatalf("acceptances audited: %d", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'portal.accept' AND outcome = 'denied'`); n < 1 {
			t.Fatal("the refused reuse is not audited")
		}
	})
}

const unusable = "!invited"

func hasField(err error, field string) bool {
	v, ok := escudo.AsValidation(err)
	if !ok {
		return false
	}
	for _, e := range v {
		if e.Field == field {
			return true
		}
	}
	return false
}

func TestInvitationRefusals(t *testing.T) {
	clock := testdb.NewClock(time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC))
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		recep := staff(t, db, "recepcion", escudo.RoleReception, 0)
		witness := staff(t, db, "testigo", escudo.RoleFollowUp, 0)
		sctx := escudo.NewContextWithUser(ctx, recep)
		// Never by SMS: a phone only, SMS refused, so admission sends nothing.
		c, p := newRequest("Paula Ríos")
		p.Contact = escudo.ContactPrefs{Channel: escudo.ContactPhone, NeverSMS: true}
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DecideAdmission(sctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err != nil {
			t.Fatal(err)
		}
		if n := len(invitationMessages(t, db)); n != 0 {
			t.Fatalf("a person who refused SMS was sent %d messages", n)
		}
		if _, _, err := db.InviteToPortal(sctx, rc.CaseID, store.PortalInvite{Channel: invitation.SMS, Address: "+52 951 555 0101"}); !hasField(err, "channel") {
			t.Fatalf("staff invited by SMS someone who refused it: %v", err)
		}
		if _, _, err := db.InviteToPortal(sctx, rc.CaseID, store.PortalInvite{Channel: invitation.Email, Address: "no es correo"}); !hasField(err, "destination") {
			t.Fatalf("bad address: %v", err)
		}
		if _, _, err := db.InviteToPortal(sctx, rc.CaseID, store.PortalInvite{Representative: "Alguien"}); !hasField(err, "representative") {
			t.Fatalf("a representative for an individual: %v", err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM portal_invitations`); n != 0 {
			t.Fatalf("refused invitations left %d rows", n)
		}
		// Expired.
		inv, token, err := db.InviteToPortal(sctx, rc.CaseID, store.PortalInvite{Channel: invitation.Email, Address: "paula@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		if msgs := invitationMessages(t, db); len(msgs) != 1 || msgs[0].Channel != store.ChannelEmail {
			t.Fatalf("staff invitation: %+v", msgs)
		}
		clock.Advance(invitation.DefaultTTL + time.Minute)
		if _, err := db.AcceptInvitation(ctx, token, goodPassphrase); escudo.ErrorKey(err) != "invitation.expired" {
			t.Fatalf("expired: %v", err)
		}
		// A new link replaces the pending one; revoked links are refused.
		_, token2, err := db.InviteToPortal(sctx, rc.CaseID, store.PortalInvite{Channel: invitation.Email, Address: "paula@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		_, token3, err := db.InviteToPortal(sctx, rc.CaseID, store.PortalInvite{Channel: invitation.Email, Address: "paula@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AcceptInvitation(ctx, token2, goodPassphrase); escudo.ErrorKey(err) != "invitation.revoked" {
			t.Fatalf("replaced link: %v", err)
		}
		accounts, _ := db.PortalAccounts(sctx, rc.CaseID)
		if len(accounts) != 1 || len(accounts[0].Invitations) != 3 {
			t.Fatalf("one account, three invitations: %+v", accounts)
		}
		newest := accounts[0].Invitations[0]
		if err := db.RevokeInvitation(sctx, rc.CaseID, newest.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeInvitation(sctx, rc.CaseID, newest.ID); escudo.ErrorCode(err) != escudo.ECONFLICT {
			t.Fatalf("revoked twice: %v", err)
		}
		if err := db.RevokeInvitation(sctx, rc.CaseID+1000, inv.ID); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("revoked through another case: %v", err)
		}
		if _, err := db.AcceptInvitation(ctx, token3, goodPassphrase); escudo.ErrorKey(err) != "invitation.revoked" {
			t.Fatalf("revoked: %v", err)
		}
		u := accounts[0].User
		if _, err := db.Authenticate(ctx, u.Username, goodPassphrase); err == nil {
			t.Fatal("a refused link set the passphrase")
		}

		// Accepted, then a recovery: it needs a reason and a witness, and
		// when accepted resets the passphrase and the second factor.
		_, tok, err := db.InviteToPortal(sctx, rc.CaseID, store.PortalInvite{Channel: invitation.Email, Address: "paula@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AcceptInvitation(ctx, tok, goodPassphrase); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.BeginTOTP(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.InviteToPortal(sctx, rc.CaseID, store.PortalInvite{UserID: u.ID, Channel: invitation.Email, Address: "paula@example.org"}); !hasField(err, "reason") || !hasField(err, "witness") {
			t.Fatalf("recovery without identity check: %v", err)
		}
		if _, _, err := db.InviteToPortal(sctx, rc.CaseID, store.PortalInvite{UserID: u.ID, Channel: invitation.Email, Address: "paula@example.org", Reason: "vista en persona", Witness: recep.ID}); !hasField(err, "witness") {
			t.Fatalf("the actor as own witness: %v", err)
		}
		_, rtok, err := db.InviteToPortal(sctx, rc.CaseID, store.PortalInvite{UserID: u.ID, Channel: invitation.Email, Address: "paula@example.org",
			Reason: "Teléfono robado; identidad comprobada en persona con su credencial.", Witness: witness.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, u.Username, goodPassphrase); err != nil {
			t.Fatal("a recovery invitation must not lock out the account before it is accepted")
		}
		if _, err := db.AcceptInvitation(ctx, rtok, "una frase nueva para mi cuenta"); err != nil {
			t.Fatal(err)
		}
		if st, _ := db.TOTPStatus(ctx, u.ID); st != store.TOTPNone {
			t.Fatalf("recovery kept the authenticator: %v", st)
		}
		if _, err := db.Authenticate(ctx, u.Username, goodPassphrase); err == nil {
			t.Fatal("recovery kept the old passphrase")
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'portal.recovery.witness' AND actor_id = ?`, witness.ID); n != 1 {
			t.Fatalf("witness audited %d times", n)
		}
		// Disabling ends the account.
		if err := db.DisablePortalAccount(sctx, rc.CaseID, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, u.Username, "una frase nueva para mi cuenta"); err == nil {
			t.Fatal("a disabled portal account signed in")
		}
		if err := db.DisablePortalAccount(sctx, rc.CaseID, recep.ID); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("staff account disabled through a case: %v", err)
		}
	})
}

func TestCollectiveRepresentatives(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		recep := staff(t, db, "recepcion", escudo.RoleReception, 0)
		sctx := escudo.NewContextWithUser(ctx, recep)
		c, p := newRequest("Colectivo Tierra Viva")
		p.Kind = escudo.KindCollective
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"Ana Luz Torres", "Beto Cruz"} {
			if _, _, err := db.InviteToPortal(sctx, rc.CaseID, store.PortalInvite{Channel: invitation.SMS, Address: "+52 951 555 0199", Representative: name}); err != nil {
				t.Fatal(err)
			}
		}
		accounts, err := db.PortalAccounts(sctx, rc.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if len(accounts) != 2 || !accounts[0].Representative || accounts[0].Name != "Ana Luz Torres" || accounts[1].Name != "Beto Cruz" {
			t.Fatalf("representatives: %+v", accounts)
		}
		ref, _ := db.CaseRef(ctx, rc.CaseID)
		for _, a := range accounts {
			if a.User.PersonID != ref.PersonID || strings.Contains(a.User.DisplayName, "Torres") {
				t.Fatalf("representative account: %+v", a.User)
			}
		}
		for _, m := range invitationMessages(t, db) {
			if m.Channel != store.ChannelSMS || invitation.Reveals(m.Body) != "" || strings.Contains(m.Body, "Tierra") {
				t.Fatalf("representative's message: %+v", m)
			}
		}
	})
}

package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/invitation"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

const portalPassphrase = "caballo correcto batería grapa"

// loginWithTOTP signs a client in on a site that requires the second
// factor (secureSite): the account's authenticator is confirmed in the
// store first (BeginTOTP, ConfirmTOTP at clock's time), then the password
// and a fresh code go through the forms. It returns the app's secret.
// This is how a test signs in as a beneficiary now that beneficiaries
// need the second factor too.
func loginWithTOTP(t testing.TB, c *client, db *store.DB, u *escudo.User, pw string, now func() time.Time) string {
	t.Helper()
	ctx := context.Background()
	secret, _, err := db.BeginTOTP(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := db.TOTPStatus(ctx, u.ID); st != store.TOTPConfirmed {
		if err := db.ConfirmTOTP(ctx, u, totpCode(t, secret, now())); err != nil {
			t.Fatal(err)
		}
	}
	if r := c.form("/login", url.Values{"username": {u.Username}, "password": {pw}}); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login/second-factor") {
		t.Fatalf("password of %s: %d %q", u.Username, r.Status, r.Header.Get("Location"))
	}
	// The code of the next period: the one of now was used confirming.
	if r := c.form("/login/second-factor", url.Values{"code": {totpCode(t, secret, now().Add(30*time.Second))}}); r.Status != http.StatusSeeOther {
		t.Fatalf("code of %s: %d %.300s", u.Username, r.Status, r.Body)
	}
	return secret
}

// portalCase files and admits a case whose person has an e-mail, so the
// admission invites them; it returns the case and the invitation's token.
func invitedCase(t *testing.T, db *store.DB, name string) (int64, string) {
	t.Helper()
	ctx := context.Background()
	rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas."},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: name, Entity: "OAX", Email: "persona@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err != nil {
		t.Fatal(err)
	}
	// Staff send a new link (the admission's was sent, and only its
	// digest kept): the store hands the token back.
	_, token, err := db.InviteToPortal(ctx, rc.CaseID, store.PortalInvite{Channel: invitation.Email})
	if err != nil {
		t.Fatal(err)
	}
	return rc.CaseID, token
}

func TestInvitationLinkActivatesTheAccount(t *testing.T) {
	clock := testdb.NewClock(time.Now().UTC())
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		site := secureSite(t, db)
		caseID, token := invitedCase(t, db, "Aurora Gómez")
		accounts, err := db.PortalAccounts(context.Background(), caseID)
		if err != nil || len(accounts) != 1 {
			t.Fatalf("accounts: %v %+v", err, accounts)
		}
		username := accounts[0].User.Username
		b := site.newClient()
		link := "/invitacion/" + token
		r := b.page(link)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `<code id="invitation-username">`+username+`</code>`) || r.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("invitation page: %d %.400s", r.Status, r.Body)
		}
		if w := invitation.Reveals(between(r.Body, "<title>", "</title>")); w != "" {
			t.Fatalf("the page title says %q", w)
		}
		// Refused forms change nothing.
		if r := b.form(link, url.Values{"password": {"corta"}, "confirm": {"corta"}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "al menos 4 palabras o 16 caracteres") {
			t.Fatalf("short passphrase: %d", r.Status)
		}
		if r := b.form(link, url.Values{"password": {portalPassphrase}, "confirm": {portalPassphrase + "x"}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "no coinciden") {
			t.Fatalf("mismatch: %d", r.Status)
		}
		// Accepted: on to the second factor's enrolment, not signed in yet.
		r = b.form(link, url.Values{"password": {portalPassphrase}, "confirm": {portalPassphrase}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login/enrol") {
			t.Fatalf("accept: %d %q %.300s", r.Status, r.Header.Get("Location"), r.Body)
		}
		if r := b.page("/notices"); r.Status != http.StatusSeeOther {
			t.Fatalf("signed in before the second factor: %d", r.Status)
		}
		r = b.page("/login/enrol")
		m := secretRe.FindStringSubmatch(r.Body)
		if r.Status != http.StatusOK || m == nil || !strings.Contains(r.Body, "app de códigos en tu teléfono") || !strings.Contains(r.Body, "escribe esta clave") {
			t.Fatalf("enrolment for a beneficiary: %d %.600s", r.Status, r.Body)
		}
		code := totpCode(t, strings.ReplaceAll(m[1], " ", ""), clock.Now())
		if r := b.form("/login/enrol", url.Values{"code": {code}}); r.Status != http.StatusOK {
			t.Fatalf("enrol: %d", r.Status)
		}
		if r := b.page("/notices"); r.Status != http.StatusOK || !strings.Contains(r.Body, `href="/salida"`) {
			t.Fatalf("signed in beneficiary: %d", r.Status)
		}
		// The link is spent; forged and expired ones are refused in words.
		other := site.newClient()
		if r := other.page(link); r.Status != http.StatusGone || !strings.Contains(r.Body, "ya se usó") {
			t.Fatalf("used link: %d", r.Status)
		}
		if r := other.form(link, url.Values{"password": {"otra frase larga distinta"}, "confirm": {"otra frase larga distinta"}}); r.Status != http.StatusGone {
			t.Fatalf("reused link: %d", r.Status)
		}
		if _, err := db.Authenticate(context.Background(), username, "otra frase larga distinta"); err == nil {
			t.Fatal("a reused link changed the passphrase")
		}
		if r := other.page("/invitacion/i1.forged"); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "no es válido") {
			t.Fatalf("forged link: %d", r.Status)
		}
		_, fresh, err := db.InviteToPortal(context.Background(), caseID, store.PortalInvite{Channel: invitation.Email, Reason: "x"})
		if err == nil || fresh != "" {
			t.Fatalf("a recovery without a witness was sent: %v", err)
		}
		c2, tok2 := invitedCase(t, db, "Blanca Ruiz")
		_ = c2
		clock.Advance(invitation.DefaultTTL + time.Hour)
		if r := other.page("/invitacion/" + tok2); r.Status != http.StatusGone || !strings.Contains(r.Body, "venció") {
			t.Fatalf("expired link: %d", r.Status)
		}
	})
}

func TestBeneficiaryNeedsTheSecondFactor(t *testing.T) {
	clock := testdb.NewClock(time.Now().UTC())
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		site := secureSite(t, db)
		u := webUser(t, db, "lucia", escudo.RoleBeneficiary)
		c := site.newClient()
		r := c.form("/login", url.Values{"username": {"lucia"}, "password": {webPassword}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login/enrol") {
			t.Fatalf("a beneficiary's password alone: %d %q", r.Status, r.Header.Get("Location"))
		}
		if r := c.page("/notices"); r.Status != http.StatusSeeOther {
			t.Fatalf("signed in with the password alone: %d", r.Status)
		}
		c = site.newClient()
		loginWithTOTP(t, c, db, u, webPassword, clock.Now)
		if r := c.page("/notices"); r.Status != http.StatusOK {
			t.Fatalf("with the second factor: %d", r.Status)
		}
	})
}

func TestSharedDeviceAndBeneficiarySessionsEndWhenIdle(t *testing.T) {
	clock := testdb.NewClock(time.Now().UTC())
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{})
		webUser(t, db, "lucia", escudo.RoleBeneficiary)
		webUser(t, db, "rosa", escudo.RoleReception)
		login := func(name string, shared bool) *client {
			c := site.newClient()
			f := url.Values{"username": {name}, "password": {webPassword}}
			if shared {
				f.Set("shared", "1")
			}
			r := c.form("/login", f)
			if r.Status != http.StatusSeeOther {
				t.Fatalf("login %s: %d", name, r.Status)
			}
			for _, sc := range r.Header.Values("Set-Cookie") {
				if strings.HasPrefix(sc, "escudo_session=") && (strings.Contains(sc, "Expires=") || strings.Contains(sc, "Max-Age=")) {
					t.Fatalf("session cookie outlives the browser: %s", sc)
				}
			}
			return c
		}
		in := func(c *client) bool {
			r := c.page("/notices")
			return r.Status == http.StatusOK
		}
		shared := login("rosa", true)
		benef := login("lucia", false)
		staff := login("rosa", false)
		if !in(shared) || !in(benef) || !in(staff) {
			t.Fatal("not signed in")
		}
		clock.Advance(9 * time.Minute)
		if !in(shared) {
			t.Fatal("a shared-device session ended before 10 idle minutes")
		}
		clock.Advance(11 * time.Minute)
		if in(shared) {
			t.Fatal("a shared-device session outlived 10 idle minutes")
		}
		// The beneficiary was last seen 20 minutes ago: in, seen now.
		if !in(benef) {
			t.Fatal("a beneficiary's session ended before 30 idle minutes")
		}
		clock.Advance(31 * time.Minute)
		if in(benef) {
			t.Fatal("a beneficiary's session outlived 30 idle minutes")
		}
		// Staff sessions keep the session manager's own limits.
		if !in(staff) {
			t.Fatal("a staff session ended on the store's clock")
		}
	})
}

func TestQuickExit(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{})
		webUser(t, db, "lucia", escudo.RoleBeneficiary)
		webUser(t, db, "rosa", escudo.RoleReception)
		anon := site.newClient()
		if r := anon.page("/"); !strings.Contains(r.Body, `id="quick-exit" href="https://www.google.com/search?q=clima"`) {
			t.Fatal("the public quick-exit link is gone")
		}
		c := site.newClient()
		c.loginFrom("10.60.0.1", "lucia")
		if r := c.page("/notices"); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="quick-exit" href="/salida"`) {
			t.Fatalf("a beneficiary's page has no quick exit: %d", r.Status)
		}
		staff := site.newClient()
		staff.loginFrom("10.60.0.2", "rosa")
		if r := staff.page("/notices"); strings.Contains(r.Body, `id="quick-exit"`) {
			t.Fatal("staff pages got the quick exit")
		}
		r := c.page("/salida")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "https://www.google.com/search?q=clima" ||
			r.Header.Get("Clear-Site-Data") != `"cache", "cookies", "storage"` {
			t.Fatalf("quick exit: %d %q %q", r.Status, r.Header.Get("Location"), r.Header.Get("Clear-Site-Data"))
		}
		if r := c.page("/notices"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("after the quick exit: %d", r.Status)
		}
		if n, err := db.Sessions().Cleanup(context.Background()); err != nil {
			t.Fatal(err)
		} else {
			_ = n
		}
		if r := anon.page("/salida"); r.Status != http.StatusSeeOther {
			t.Fatalf("quick exit without a session: %d", r.Status)
		}
	})
}

func TestStaffInviteFromTheCase(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{})
		webUser(t, db, "rosa", escudo.RoleReception)
		webUser(t, db, "beto", escudo.RoleAnalyst)
		webUser(t, db, "sara", escudo.RoleFollowUp)
		caseID, _ := invitedCase(t, db, "Carmen Díaz")
		recep := site.newClient()
		recep.loginFrom("10.61.0.1", "rosa")
		page := fmt.Sprintf("/cases/%d/portal", caseID)
		if r := recep.page(fmt.Sprintf("/cases/%d", caseID)); !strings.Contains(r.Body, `href="`+page+`"`) {
			t.Fatal("the case page does not link to its portal accounts")
		}
		r := recep.page(page)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "Pendiente: la persona aún no activa su cuenta") || !strings.Contains(r.Body, "persona@example.org") ||
			strings.Count(r.Body, ">Cancelada<") != 1 || strings.Count(r.Body, ">Pendiente<") != 1 {
			t.Fatalf("portal page: %d %.2000s", r.Status, r.Body)
		}
		analyst := site.newClient()
		analyst.loginFrom("10.61.0.2", "beto")
		if r := analyst.page(page); r.Status != http.StatusForbidden {
			t.Fatalf("analyst: %d", r.Status)
		}
		accounts, _ := db.PortalAccounts(context.Background(), caseID)
		acct := fmt.Sprint(accounts[0].User.ID)
		before := len(accounts[0].Invitations)
		// Bad input: the page again, the message beside the field, nothing sent.
		r = recep.form(page, url.Values{"account": {acct}, "channel": {"email"}, "destination": {"no es correo"}})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="destination"`) || !strings.Contains(r.Body, `aria-invalid="true"`) {
			t.Fatalf("bad address: %d", r.Status)
		}
		r = recep.form(page, url.Values{"account": {acct}, "channel": {"sms"}, "destination": {"+52 951 555 0101"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("invite by SMS: %d %.300s", r.Status, r.Body)
		}
		accounts, _ = db.PortalAccounts(context.Background(), caseID)
		if len(accounts[0].Invitations) != before+1 || accounts[0].Invitations[0].Channel != invitation.SMS {
			t.Fatalf("invitations after the form: %+v", accounts[0].Invitations)
		}
		pending := accounts[0].Invitations[0].ID
		if r := recep.form(page+"/revoke", url.Values{"invitation": {fmt.Sprint(pending)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.Status)
		}
		if r := recep.page(page); !strings.Contains(r.Body, "Invitación cancelada") {
			t.Fatal("no message after revoking")
		}
		if r := recep.form(page+"/disable", url.Values{"account": {acct}}); r.Status != http.StatusSeeOther {
			t.Fatalf("disable: %d", r.Status)
		}
		if r := recep.page(page); !strings.Contains(r.Body, "Desactivada: no puede entrar") {
			t.Fatal("disabled account not shown in words")
		}
	})
}

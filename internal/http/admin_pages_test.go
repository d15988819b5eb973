package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// enrolApp gives u a confirmed authenticator app and returns its secret.
func enrolApp(t *testing.T, db *store.DB, u *escudo.User) string {
	t.Helper()
	ctx := context.Background()
	secret, _, err := db.BeginTOTP(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ConfirmTOTP(ctx, u, totpCode(t, secret, db.Now())); err != nil {
		t.Fatal(err)
	}
	return secret
}

func auditCount(t *testing.T, db *store.DB, action, outcome string) int {
	t.Helper()
	ctx := context.Background()
	var n int
	if err := db.WithTx(ctx, false, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND outcome = ?`, action, outcome).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// The administrator changes a role, sets a temporary password and links a
// beneficiary's account to its person by folio; refused forms come back
// with what was typed and change nothing.
func TestAdminChangesAccounts(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		admin := webUser(t, db, "admin", escudo.RoleAdmin)
		ana := webUser(t, db, "ana", escudo.RoleAnalyst)
		ben := webUser(t, db, "lucia", escudo.RoleBeneficiary)
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas."},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Lucía Ríos", Entity: "OAX"})
		if err != nil {
			t.Fatal(err)
		}
		cl := site.newClient()
		cl.loginFrom("10.9.4.1", "admin")
		page := cl.page("/admin/users")
		for _, want := range []string{`id="user-ana"`, "Sin app de códigos", "Sin vincular", `action="/admin/users/role"`, `action="/admin/users/person"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("accounts page lacks %s", want)
			}
		}

		// Role: a made-up role is refused with the account still chosen.
		bad := cl.form("/admin/users/role", url.Values{"username": {"ana"}, "role": {"root"}})
		if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, `id="role-user" name="username" value="ana"`) || !strings.Contains(bad.Body, `href="#role-role"`) {
			t.Fatalf("refused role: %d\n%.2000s", bad.Status, bad.Body)
		}
		if r := cl.form("/admin/users/role", url.Values{"username": {"nadie"}, "role": {"analyst"}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "No hay ninguna cuenta con ese usuario") {
			t.Errorf("unknown account: %d", r.Status)
		}
		if r := cl.form("/admin/users/role", url.Values{"username": {admin.Username}, "role": {"analyst"}}); r.Status != http.StatusBadRequest {
			t.Errorf("own role changed: %d", r.Status)
		}
		if r := cl.form("/admin/users/role", url.Values{"username": {"ana"}, "role": {"coordinator"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("role: %d %.300s", r.Status, r.Body)
		}
		if u, _ := db.FindUserByID(ctx, ana.ID); u.Role != escudo.RoleCoordinator {
			t.Fatalf("role now %s", u.Role)
		}

		// Temporary password: too short is refused and not echoed.
		bad = cl.form("/admin/users/password", url.Values{"username": {"ana"}, "password": {"corta"}})
		if bad.Status != http.StatusBadRequest || strings.Contains(bad.Body, `value="corta"`) || !strings.Contains(bad.Body, "12") {
			t.Fatalf("refused password: %d", bad.Status)
		}
		if _, err := db.Authenticate(ctx, "ana", webPassword); err != nil {
			t.Fatal("refused password changed the old one")
		}
		if r := cl.form("/admin/users/password", url.Values{"username": {"ana"}, "password": {"una temporal bastante larga"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("password: %d", r.Status)
		}
		if _, err := db.Authenticate(ctx, "ana", "una temporal bastante larga"); err != nil {
			t.Fatal("temporary password does not sign in")
		}
		if u, _ := db.FindUserByUsername(ctx, "ana"); u == nil || !u.MustChangePassword {
			t.Fatal("a password set by the administrator is not marked temporary")
		}

		// Link: an unknown folio is refused and kept; the right one links.
		bad = cl.form("/admin/users/person", url.Values{"username": {"lucia"}, "reference": {"ESC-0000-0000"}})
		if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, `value="ESC-0000-0000"`) || !strings.Contains(bad.Body, "No hay ningún caso con ese folio") {
			t.Fatalf("refused link: %d\n%.3000s", bad.Status, bad.Body)
		}
		if r := cl.form("/admin/users/person", url.Values{"username": {"ana"}, "reference": {rc.Reference}}); r.Status != http.StatusBadRequest {
			t.Errorf("staff account linked to a person: %d", r.Status)
		}
		if r := cl.form("/admin/users/person", url.Values{"username": {"lucia"}, "reference": {strings.ToLower(rc.Reference)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("link: %d %.500s", r.Status, r.Body)
		}
		c, _ := db.FindCaseByID(ctx, rc.CaseID)
		if u, _ := db.FindUserByID(ctx, ben.ID); u.PersonID != c.PersonID {
			t.Fatalf("linked to person %d, want %d", u.PersonID, c.PersonID)
		}
		if p := cl.page("/admin/users"); !strings.Contains(p.Body, "Vinculada al folio "+rc.Reference) {
			t.Error("accounts page does not show the link")
		}
		for _, a := range []string{"user.role", "user.password_temporary", "user.link_person"} {
			if auditCount(t, db, a, "ok") != 1 {
				t.Errorf("%s not audited once", a)
			}
		}
	})
}

// The second-factor reset on the web: the witness proves presence with
// their own password and current code; wrong witness details, a witness
// who is the administrator, or a sign-in that is not recent change nothing.
func TestWitnessedFactorReset(t *testing.T) {
	clk := testdb.NewClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	testdb.Each(t, testdb.Options{Now: clk.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		admin := webUser(t, db, "admin", escudo.RoleAdmin)
		enrolApp(t, db, admin)
		target := webUser(t, db, "rosa", escudo.RoleDuty)
		enrolApp(t, db, target)
		witness := webUser(t, db, "testigo", escudo.RoleCoordinator)
		wsecret := enrolApp(t, db, witness)
		clk.Advance(time.Minute) // the enrolment codes are spent
		cl := site.newClient()
		cl.loginFrom("10.9.5.1", "admin")
		form := func(pw, code string) url.Values {
			return url.Values{"username": {"rosa"}, "factors": {"totp"}, "reason": {"Teléfono robado; identidad comprobada en persona."},
				"witness_username": {"testigo"}, "witness_password": {pw}, "witness_code": {code}}
		}
		if p := cl.page("/admin/users/reset-factor?username=rosa"); p.Status != 200 || !strings.Contains(p.Body, `name="username" value="rosa"`) || strings.Contains(p.Body, `id="reset-reauth"`) {
			t.Fatalf("reset form: %d", p.Status)
		}
		stillThere := func() {
			t.Helper()
			if st, _ := db.TOTPStatus(ctx, target.ID); st != store.TOTPConfirmed {
				t.Fatal("a refused reset removed the app")
			}
		}
		// Wrong password, then wrong code: refused, kept, audited.
		r := cl.form("/admin/users/reset-factor", form("no es la suya", totpCode(t, wsecret, clk.Now())))
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "Los datos del testigo no son correctos") ||
			!strings.Contains(r.Body, "identidad comprobada en persona") || strings.Contains(r.Body, "no es la suya") {
			t.Fatalf("wrong witness password: %d\n%.3000s", r.Status, r.Body)
		}
		stillThere()
		r = cl.form("/admin/users/reset-factor", form(webPassword, "000000"))
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong witness code: %d", r.Status)
		}
		stillThere()
		if n := auditCount(t, db, "user.reset_factor.witness", "denied"); n != 2 {
			t.Errorf("%d witness refusals audited, want 2", n)
		}
		// The administrator as their own witness.
		self := form(webPassword, "123456")
		self.Set("witness_username", "admin")
		if r := cl.form("/admin/users/reset-factor", self); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "El testigo debe ser otra persona") {
			t.Fatalf("self witness: %d", r.Status)
		}
		stillThere()
		// The right witness: the app goes, the keys stay, both are audited.
		clk.Advance(time.Minute)
		r = cl.form("/admin/users/reset-factor", form(webPassword, totpCode(t, wsecret, clk.Now())))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("reset: %d\n%.3000s", r.Status, r.Body)
		}
		if st, _ := db.TOTPStatus(ctx, target.ID); st != store.TOTPNone {
			t.Fatal("app not removed")
		}
		if auditCount(t, db, "user.reset_factor", "ok") != 1 || auditCount(t, db, "user.reset_factor.witness", "ok") != 1 {
			t.Error("reset not audited under both people")
		}
	})
}

// Without a recent sign-in the reset form says so and refuses.
func TestFactorResetNeedsRecentSignIn(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	ctx := context.Background()
	site := newWebSite(t, db, Options{ReauthWindow: time.Nanosecond})
	webUser(t, db, "admin", escudo.RoleAdmin)
	target := webUser(t, db, "rosa", escudo.RoleDuty)
	enrolApp(t, db, target)
	webUser(t, db, "testigo", escudo.RoleCoordinator)
	cl := site.newClient()
	cl.loginFrom("10.9.6.1", "admin")
	if p := cl.page("/admin/users/reset-factor"); !strings.Contains(p.Body, `id="reset-reauth"`) || !strings.Contains(p.Body, `href="/reauth?next=`) {
		t.Fatalf("form does not ask to re-authenticate:\n%.2000s", p.Body)
	}
	r := cl.form("/admin/users/reset-factor", url.Values{"username": {"rosa"}, "factors": {"both"}, "reason": {"perdido"},
		"witness_username": {"testigo"}, "witness_password": {webPassword}, "witness_code": {"123456"}})
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, `>perdido</textarea>`) {
		t.Fatalf("stale sign-in: %d", r.Status)
	}
	if st, _ := db.TOTPStatus(ctx, target.ID); st != store.TOTPConfirmed {
		t.Fatal("reset without a recent sign-in")
	}
}

// The device page lists devices by folio with the silent ones marked
// first, registers one showing its secret once, and disables one.
func TestDevicePage(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		webUser(t, db, "seguimiento", escudo.RoleFollowUp)
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas."},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Irma Cruz", Entity: "OAX"})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := db.FindCaseByID(ctx, rc.CaseID)
		quiet := &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: c.PersonID, Label: "botón viejo"}
		if _, err := db.CreateDevice(ctx, quiet); err != nil {
			t.Fatal(err)
		}
		since := db.Now().Add(-time.Hour)
		if err := db.SaveHeartbeats(ctx, []store.HeartbeatState{{DeviceID: quiet.ID, LastSeen: since.Add(-time.Hour), Battery: 40, SilentSince: &since}}, 0); err != nil {
			t.Fatal(err)
		}
		cl := site.newClient()
		cl.loginFrom("10.9.7.1", "seguimiento")
		p := cl.page("/devices")
		if p.Status != 200 || !strings.Contains(p.Body, `id="devices-silent"`) || !strings.Contains(p.Body, fmt.Sprintf(`<tr id="device-%d" class="silent">`, quiet.ID)) ||
			!strings.Contains(p.Body, rc.Reference) || !strings.Contains(p.Body, "Batería 40") {
			t.Fatalf("device page: %d\n%.4000s", p.Status, p.Body)
		}
		bad := cl.form("/devices", url.Values{"reference": {"ESC-0000-0000"}, "kind": {"panic_button"}, "auth": {"token"}, "label": {"nuevo"}, "heartbeat_interval": {"5"}})
		if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, `value="nuevo"`) || strings.Contains(bad.Body, `id="device-secret"`) {
			t.Fatalf("refused device: %d", bad.Status)
		}
		ok := cl.form("/devices", url.Values{"reference": {rc.Reference}, "kind": {"panic_button"}, "auth": {"token"}, "label": {"nuevo"}, "heartbeat_interval": {"5"}})
		if ok.Status != http.StatusCreated || !strings.Contains(ok.Body, `id="device-secret"`) {
			t.Fatalf("register device: %d\n%.3000s", ok.Status, ok.Body)
		}
		ds, _ := db.FindDevices(ctx, c.PersonID)
		if len(ds) != 2 {
			t.Fatalf("%d devices", len(ds))
		}
		if again := cl.page("/devices"); strings.Contains(again.Body, `id="device-secret"`) {
			t.Error("the secret is shown a second time")
		}
		if r := cl.form(fmt.Sprintf("/devices/%d/disable", quiet.ID), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("disable: %d", r.Status)
		}
		if d, _ := db.FindDeviceByID(ctx, quiet.ID); !d.Disabled {
			t.Fatal("device not disabled")
		}
	})
}

// The coordination gives a contractor a task from the tasks page; the
// contractor finds it on their first page and opens the case; closing the
// task closes the case to them.
func TestTaskPages(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		webUser(t, db, "coordina", escudo.RoleCoordinator)
		tech := webUser(t, db, "tecnico", escudo.RoleContractor)
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas."},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Irma Cruz", Entity: "OAX", Address: "Calle 1"})
		if err != nil {
			t.Fatal(err)
		}
		co := site.newClient()
		co.loginFrom("10.9.8.1", "coordina")
		if p := co.page(fmt.Sprintf("/cases/%d", rc.CaseID)); !strings.Contains(p.Body, `href="/tasks?case=`+rc.Reference) {
			t.Error("case page has no link to give a task")
		}
		if p := co.page("/tasks?case=" + rc.Reference); !strings.Contains(p.Body, `value="`+rc.Reference+`"`) || !strings.Contains(p.Body, `id="no-tasks"`) {
			t.Fatalf("tasks page: %d", p.Status)
		}
		bad := co.form("/tasks", url.Values{"reference": {rc.Reference}, "user": {""}, "scope": {"location"}, "description": {"instalar cámaras"}, "expires": {"7"}})
		if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, `value="instalar cámaras"`) {
			t.Fatalf("refused task: %d\n%.3000s", bad.Status, bad.Body)
		}
		tc := site.newClient()
		tc.loginFrom("10.9.8.2", "tecnico")
		if p := tc.page(fmt.Sprintf("/cases/%d", rc.CaseID)); p.Status != http.StatusNotFound && p.Status != http.StatusForbidden {
			t.Fatalf("contractor reaches the case without a task: %d", p.Status)
		}
		if r := co.form("/tasks", url.Values{"reference": {rc.Reference}, "user": {fmt.Sprint(tech.ID)}, "scope": {"location", "logistics"}, "description": {"instalar cámaras"}, "expires": {"7"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("assign: %d", r.Status)
		}
		tasks, _ := db.FindTasks(ctx, store.TaskFilter{UserID: tech.ID, Open: true})
		if len(tasks) != 1 || tasks[0].Expires == nil {
			t.Fatalf("tasks: %+v", tasks)
		}
		start := tc.page("/start")
		if !strings.Contains(start.Body, fmt.Sprintf(`id="my-task-%d"`, tasks[0].ID)) || !strings.Contains(start.Body, fmt.Sprintf(`href="/cases/%d"`, rc.CaseID)) {
			t.Fatalf("contractor's first page:\n%.3000s", start.Body)
		}
		if p := tc.page(fmt.Sprintf("/cases/%d", rc.CaseID)); p.Status != http.StatusOK {
			t.Fatalf("contractor opens the task's case: %d", p.Status)
		}
		if r := co.form("/tasks/close", url.Values{"task": {fmt.Sprint(tasks[0].ID)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("close: %d", r.Status)
		}
		if p := tc.page(fmt.Sprintf("/cases/%d", rc.CaseID)); p.Status == http.StatusOK {
			t.Fatal("closed task still opens the case")
		}
		if p := tc.page("/start"); !strings.Contains(p.Body, `id="no-tasks"`) {
			t.Error("closed task still listed")
		}
	})
}

// Guessing the witness's password is cut short: after five wrong tries the
// form refuses even the right details for a while, and nothing changes.
func TestWitnessGuessingIsLimited(t *testing.T) {
	clk := testdb.NewClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	db := testdb.OpenSQLite(t, testdb.Options{Now: clk.Now})
	ctx := context.Background()
	site := newWebSite(t, db, Options{})
	webUser(t, db, "admin", escudo.RoleAdmin)
	target := webUser(t, db, "rosa", escudo.RoleDuty)
	enrolApp(t, db, target)
	witness := webUser(t, db, "testigo", escudo.RoleCoordinator)
	wsecret := enrolApp(t, db, witness)
	clk.Advance(time.Minute)
	cl := site.newClient()
	cl.loginFrom("10.9.9.1", "admin")
	form := func(pw string) url.Values {
		return url.Values{"username": {"rosa"}, "factors": {"both"}, "reason": {"perdido"},
			"witness_username": {"testigo"}, "witness_password": {pw}, "witness_code": {totpCode(t, wsecret, clk.Now())}}
	}
	for i := range 5 {
		if r := cl.form("/admin/users/reset-factor", form(fmt.Sprintf("intento %d", i))); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong try %d: %d", i, r.Status)
		}
	}
	r := cl.form("/admin/users/reset-factor", form(webPassword))
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "Demasiados intentos") {
		t.Fatalf("sixth try with the right password: %d", r.Status)
	}
	if st, _ := db.TOTPStatus(ctx, target.ID); st != store.TOTPConfirmed {
		t.Fatal("a refused reset removed the app")
	}
	if n := auditCount(t, db, "user.reset_factor.witness", "denied"); n != 6 {
		t.Errorf("%d refusals audited, want 6", n)
	}
}

// The accounts list goes by pages of 50, so many beneficiaries' accounts
// keep it within the page budget; every account is on one page.
func TestAccountsListPages(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	ctx := context.Background()
	site := newWebSite(t, db, Options{})
	webUser(t, db, "admin", escudo.RoleAdmin)
	for i := range 59 {
		u := &escudo.User{Username: fmt.Sprintf("b%02d", i), DisplayName: fmt.Sprintf("Beneficiaria %02d", i), Role: escudo.RoleBeneficiary}
		if err := db.CreateUser(ctx, u, webPassword); err != nil {
			t.Fatal(err)
		}
	}
	cl := site.newClient()
	cl.loginFrom("10.9.10.1", "admin")
	rows := regexp.MustCompile(`<tr id="user-([a-z0-9]+)"`)
	seen := map[string]bool{}
	one := cl.page("/admin/users")
	two := cl.page("/admin/users?page=2")
	for i, p := range []resp{one, two} {
		for _, m := range rows.FindAllStringSubmatch(p.Body, -1) {
			if seen[m[1]] {
				t.Errorf("%s listed twice", m[1])
			}
			seen[m[1]] = true
		}
		if n := len(rows.FindAllString(p.Body, -1)); n != []int{50, 10}[i] {
			t.Errorf("page %d lists %d accounts", i+1, n)
		}
	}
	if len(seen) != 60 || !strings.Contains(one.Body, `href="/admin/users?page=2"`) || !strings.Contains(one.Body, "60 cuentas") {
		t.Fatalf("%d accounts over two pages", len(seen))
	}
}

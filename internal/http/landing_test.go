package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// Every role lands on a page for its work after signing in, never on a
// refusal, and that page answers 200.
func TestEveryRoleLandsOnItsPage(t *testing.T) {
	want := map[escudo.Role]string{
		escudo.RoleDuty: "/console", escudo.RoleAdmin: "/admin/users", escudo.RoleAuditor: "/audit",
		escudo.RoleReception: "/queue", escudo.RoleAnalyst: "/queue", escudo.RoleFollowUp: "/queue",
		escudo.RoleCoordinator: "/dashboard", escudo.RoleBoard: "/queue",
		escudo.RoleCouncil: "/start", escudo.RoleLiaison: "/start", escudo.RoleContractor: "/start",
		escudo.RoleReviewer: "/start", escudo.RoleBeneficiary: "/start",
	}
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{})
		for i, role := range escudo.Roles {
			u := webUser(t, db, "land_"+string(role), role)
			cl := site.newClient()
			r := cl.postFrom(fmt.Sprintf("10.9.0.%d", i+1), "/login", url.Values{"username": {u.Username}, "password": {webPassword}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("%s: login %d", role, r.Status)
			}
			got := r.Header.Get("Location")
			if got != want[role] {
				t.Errorf("%s lands on %q, want %q", role, got, want[role])
			}
			if p := cl.page(got); p.Status != http.StatusOK {
				t.Errorf("%s: landing page %s answers %d", role, got, p.Status)
			} else if got == "/start" && !strings.Contains(p.Body, `id="start-heading"`) {
				t.Errorf("%s: start page without its heading", role)
			}
		}
	})
}

// A refusal says what the account can do and is titled differently from a
// page that does not exist.
func TestForbiddenSaysWhatTheAccountCanDo(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{})
		webUser(t, db, "auditora", escudo.RoleAuditor)
		cl := site.newClient()
		cl.loginFrom("10.9.1.1", "auditora")
		forbidden := cl.page("/queue")
		if forbidden.Status != http.StatusForbidden {
			t.Fatalf("auditor on /queue: %d", forbidden.Status)
		}
		missing := cl.page("/no-such-page")
		if missing.Status != http.StatusNotFound {
			t.Fatalf("unknown page: %d", missing.Status)
		}
		title := func(body string) string {
			_, after, _ := strings.Cut(body, "<title>")
			before, _, _ := strings.Cut(after, "</title>")
			return before
		}
		if title(forbidden.Body) == title(missing.Body) {
			t.Errorf("403 and 404 share the title %q", title(forbidden.Body))
		}
		if !strings.Contains(forbidden.Body, `href="/audit"`) || !strings.Contains(forbidden.Body, "Auditoría") {
			t.Errorf("403 page does not say what the auditor can do:\n%s", forbidden.Body)
		}
		if strings.Contains(forbidden.Body, `href="/queue"`) {
			t.Error("403 page offers a page the account cannot open")
		}
	})
}

// The administrator creates, disables and re-enables an account from the
// accounts page; a refused form keeps what was typed but not the password.
func TestAdminManagesAccounts(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		webUser(t, db, "admin", escudo.RoleAdmin)
		cl := site.newClient()
		cl.loginFrom("10.9.2.1", "admin")
		bad := cl.form("/admin/users", url.Values{"display_name": {"Laura Gómez Ruiz"}, "username": {"lgomez"}, "role": {"analyst"}, "password": {"short"}})
		if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, `value="Laura Gómez Ruiz"`) || strings.Contains(bad.Body, `value="short"`) {
			t.Fatalf("refused account form: %d\n%s", bad.Status, bad.Body)
		}
		if r := cl.form("/admin/users", url.Values{"display_name": {"Laura Gómez Ruiz"}, "username": {"lgomez"}, "role": {"analyst"}, "password": {"una contraseña larga"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("create account: %d\n%s", r.Status, r.Body)
		}
		u, err := db.FindUserByUsername(ctx, "lgomez")
		if err != nil || u.Role != escudo.RoleAnalyst || !u.MustChangePassword {
			t.Fatalf("created account (its first password the administrator's, so temporary): %+v %v", u, err)
		}
		if p := cl.page("/admin/users"); !strings.Contains(p.Body, "Laura Gómez Ruiz") || !strings.Contains(p.Body, "Cuenta creada") {
			t.Errorf("accounts page after creating:\n%s", p.Body)
		}
		if r := cl.form("/admin/users/disable", url.Values{"user": {fmt.Sprint(u.ID)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("disable: %d", r.Status)
		}
		if u, _ = db.FindUserByID(ctx, u.ID); !u.Disabled {
			t.Fatal("account not disabled")
		}
		if r := cl.form("/admin/users/enable", url.Values{"user": {fmt.Sprint(u.ID)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("enable: %d", r.Status)
		}
		if u, _ = db.FindUserByID(ctx, u.ID); u.Disabled {
			t.Fatal("account still disabled")
		}
	})
}

// The auditor's page runs the verification and reports the log intact.
func TestAuditorVerifiesTheLog(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{})
		webUser(t, db, "auditor", escudo.RoleAuditor)
		cl := site.newClient()
		cl.loginFrom("10.9.3.1", "auditor")
		p := cl.page("/audit")
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="audit-result"`) || !strings.Contains(p.Body, "Bitácora íntegra") {
			t.Fatalf("audit page: %d\n%s", p.Status, p.Body)
		}
	})
}

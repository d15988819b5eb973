package http

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestTemporaryPasswordIsChangedFirst: a password an administrator sets is
// temporary. At the next sign-in every page leads to choosing one's own, the
// form asks for the current password and the new one twice, a refused form
// keeps no password and changes nothing, and a change ends every session so
// the person signs in again with the new one. Anyone may change their own
// password at any time.
func TestTemporaryPasswordIsChangedFirst(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{})
		beto := webUser(t, db, "beto", escudo.RoleAnalyst)
		const temporary, mine = "temporal de la administración", "mi frase propia de cinco palabras"
		if err := db.SetTemporaryPassword(t.Context(), beto.ID, temporary); err != nil {
			t.Fatal(err)
		}
		site.login("beto", temporary)
		for _, path := range []string{"/queue", "/cases", "/start", "/notices"} {
			if r := site.get(path); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account/password" {
				t.Fatalf("%s with a temporary password: %d to %q, want the password page", path, r.Status, r.Header.Get("Location"))
			}
		}
		if r := site.get("/api/v1/cases", "Accept", "application/json"); r.Status != http.StatusForbidden {
			t.Fatalf("API with a temporary password: %d", r.Status)
		}
		r := site.get("/account/password")
		if r.Status != 200 || !strings.Contains(r.Body, `id="password-temporary"`) || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("password page: %d %.500s", r.Status, r.Body)
		}
		for _, tt := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"current": {"no es esta"}, "password": {mine}, "confirm": {mine}}, "Esa no es tu contraseña actual."},
			{url.Values{"current": {temporary}, "password": {mine}, "confirm": {mine + "x"}}, "Las dos contraseñas nuevas no coinciden."},
			{url.Values{"current": {temporary}, "password": {"corta"}, "confirm": {"corta"}}, "al menos 12"},
			{url.Values{"current": {temporary}, "password": {temporary}, "confirm": {temporary}}, "debe ser distinta"},
		} {
			r := site.post("/account/password", tt.form)
			if r.Status != http.StatusBadRequest || !strings.Contains(strings.ToLower(r.Body), strings.ToLower(tt.want)) {
				t.Fatalf("refused change %v: %d, want %q in %.2000s", tt.form, r.Status, tt.want, r.Body)
			}
			if strings.Contains(r.Body, mine) || strings.Contains(r.Body, temporary) {
				t.Fatal("a refused form shows a password")
			}
		}
		if _, err := db.Authenticate(t.Context(), "beto", temporary); err != nil {
			t.Fatalf("a refused change changed the password: %v", err)
		}
		r = site.post("/account/password", url.Values{"current": {temporary}, "password": {mine}, "confirm": {mine}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?changed=1" {
			t.Fatalf("change: %d %q", r.Status, r.Header.Get("Location"))
		}
		if r := site.get("/queue"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("the session outlived the change: %d %q", r.Status, r.Header.Get("Location"))
		}
		if r := site.get("/login?changed=1"); !strings.Contains(r.Body, "Tu contraseña cambió") {
			t.Fatal("the sign-in page does not say the password changed")
		}
		if _, err := db.Authenticate(t.Context(), "beto", temporary); err == nil {
			t.Fatal("the temporary password still signs in")
		}
		site.login("beto", mine)
		if r := site.get("/queue"); r.Status != 200 || !strings.Contains(r.Body, `href="/account/password"`) {
			t.Fatalf("after the change: %d", r.Status)
		}
		u, _ := db.FindUserByID(t.Context(), beto.ID)
		if u.MustChangePassword {
			t.Fatal("still marked temporary after the change")
		}
	})
}

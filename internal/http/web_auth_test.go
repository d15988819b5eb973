package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/web"
)

func TestLoginLogoutAndSessionRenewal(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{})
		webUser(t, db, "rosa", escudo.RoleReception)

		// Not logged in: pages redirect to the form, API calls get 401.
		r := site.get("/queue")
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=%2Fqueue") {
			t.Fatalf("anonymous /queue: %d %q", r.Status, r.Header.Get("Location"))
		}

		// A session cookie planted before login must not survive it.
		site.get("/login")
		u, _ := url.Parse(site.ts.URL)
		site.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: "planted-token-planted-token-planted-tok"}})
		r = site.post("/login", url.Values{"username": {"rosa"}, "password": {webPassword}, "next": {"/backlog"}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/backlog" {
			t.Fatalf("login: %d %q", r.Status, r.Header.Get("Location"))
		}
		set := r.Header.Get("Set-Cookie")
		if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") || strings.Contains(set, "planted-token") {
			t.Fatalf("session cookie: %q", set)
		}
		if strings.Contains(set, "Max-Age") || strings.Contains(set, "Secure") {
			t.Fatalf("session cookie should be a browser-session cookie without Secure here: %q", set)
		}
		var token string
		for _, c := range site.c.Jar.Cookies(u) {
			if c.Name == web.SessionCookie {
				token = c.Value
			}
		}
		if token == "" || token == "planted-token-planted-token-planted-tok" {
			t.Fatalf("token not renewed: %q", token)
		}
		// The table holds digests, never the token itself.
		if _, found, _ := db.Sessions().Find(token); !found {
			t.Fatal("session not stored")
		}

		// A second client with the same cookie is the same session.
		other := newWebClient()
		other.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: token}})
		req, _ := http.NewRequest("GET", site.ts.URL+"/queue", nil)
		res, err := other.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("queue with cookie: %d", res.StatusCode)
		}

		// Logout destroys the stored session: the old cookie is worthless.
		r = site.post("/logout", url.Values{})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?bye=1" {
			t.Fatalf("logout: %d %q", r.Status, r.Header.Get("Location"))
		}
		if _, found, _ := db.Sessions().Find(token); found {
			t.Fatal("session survived logout")
		}
		res, err = other.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("old cookie after logout: %d", res.StatusCode)
		}
	})
}

func TestLoginFailuresLookAlike(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{})
		webUser(t, db, "rosa", escudo.RoleReception)
		disabled := webUser(t, db, "beto", escudo.RoleAnalyst)
		if err := db.WithTx(context.Background(), true, func(tx *store.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE users SET disabled = 1 WHERE id = ?`, disabled.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var bodies []string
		for _, f := range []url.Values{
			{"username": {"rosa"}, "password": {"wrong password here"}},
			{"username": {"nadie"}, "password": {webPassword}},
			{"username": {"beto"}, "password": {webPassword}},
		} {
			r := site.post("/login", f)
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("%v: status %d", f, r.Status)
			}
			if !strings.Contains(r.Body, "El usuario o la contraseña no son correctos") {
				t.Fatalf("%v: generic message missing", f)
			}
			bodies = append(bodies, r.Body)
		}
		// Username is echoed back into the form, so compare without it.
		for i := range bodies {
			bodies[i] = strings.NewReplacer(`value="rosa"`, "", `value="nadie"`, "", `value="beto"`, "").Replace(bodies[i])
		}
		if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
			t.Fatal("failure pages differ: they would tell whether an account exists")
		}
		// Guessing one account is cut off, with the same message.
		for i := 0; i < 6; i++ {
			site.post("/login", url.Values{"username": {"rosa"}, "password": {"guess guess guess"}})
		}
		r := site.post("/login", url.Values{"username": {"rosa"}, "password": {webPassword}})
		if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "El usuario o la contraseña no son correctos") {
			t.Fatalf("rate limit: %d", r.Status)
		}
	})
}

// A fresh session lives for the idle timeout, then must be renewed by use.
func TestSessionIdleExpiry(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	site := newWebSite(t, db, Options{})
	webUser(t, db, "rosa", escudo.RoleReception)
	before := time.Now()
	site.login("rosa", webPassword)
	var expiry int64
	if err := db.WithTx(context.Background(), false, func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT MAX(expiry) FROM sessions`).Scan(&expiry)
	}); err != nil {
		t.Fatal(err)
	}
	got := time.UnixMicro(expiry)
	if got.Before(before.Add(web.SessionIdle-time.Second)) || got.After(time.Now().Add(web.SessionIdle+time.Second)) {
		t.Fatalf("session expires at %v, want about %v after login", got, web.SessionIdle)
	}
	if web.SessionIdle != 30*time.Minute || web.SessionAbsolute != 12*time.Hour {
		t.Fatalf("timeouts changed: idle %v, absolute %v", web.SessionIdle, web.SessionAbsolute)
	}
}

func TestSecureCookieOption(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	site := newWebSite(t, db, Options{SecureCookies: true})
	webUser(t, db, "rosa", escudo.RoleReception)
	r := site.post("/login", url.Values{"username": {"rosa"}, "password": {webPassword}})
	if set := r.Header.Get("Set-Cookie"); !strings.Contains(set, "Secure") || !strings.Contains(set, "HttpOnly") {
		t.Fatalf("cookie behind TLS: %q", set)
	}
}

package http

import (
	"net/http"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/testdb"
)

// The console's script keeps the session alive with a heartbeat, and when
// the session is over its live requests get a bare 401 — never a login
// page that would take the alert list's place.
func TestConsoleLiveRequestsNeverGetALoginPage(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	c := newConsoleSite(t, db)
	webUser(t, db, "guardia", escudo.RoleDuty)
	c.login("guardia", webPassword)
	page := c.get("/console")
	for _, want := range []string{`id="console-ended"`, `id="ended-count"`, `href="/login?next=/console" target="_blank"`, `id="console-offline"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("console page lacks %s", want)
		}
	}
	if r := c.get("/console/heartbeat", "X-Escudo-Live", "1"); r.Status != http.StatusOK {
		t.Fatalf("heartbeat while signed in: %d", r.Status)
	}

	c.c = newWebClient() // the session is gone
	for _, s := range []struct {
		path   string
		header []string
	}{
		{"/console?fragment=1", []string{"Accept", "text/html"}},
		{"/console?fragment=1", nil},
		{"/console/heartbeat", []string{"X-Escudo-Live", "1", "Accept", "*/*"}},
	} {
		r := c.get(s.path, s.header...)
		if r.Status != http.StatusUnauthorized || strings.Contains(r.Body, "<form") || r.Header.Get("Location") != "" {
			t.Errorf("%s %v after the session: %d %q %.200s", s.path, s.header, r.Status, r.Header.Get("Location"), r.Body)
		}
	}
	// A person opening the console still gets the sign-in page.
	if r := c.get("/console"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("console page without a session: %d %s", r.Status, r.Header.Get("Location"))
	}
}

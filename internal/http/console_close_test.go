package http

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// An open alert cannot be closed by one click: the list offers only a link
// to the close step, the close step has no outcome chosen in advance, and
// "attended, help arrived" is refused until a dispatch is recorded.
func TestConsoleCloseTakesTwoStepsAndNoDefault(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		c := newConsoleSite(t, db)
		webUser(t, db, "guardia", escudo.RoleDuty)
		c.login("guardia", webPassword)
		id := c.press(t, `{"type":"panic"}`)
		ids := strconv.FormatInt(id, 10)

		list := c.get("/console")
		if strings.Contains(list.Body, `action="/console/alerts/`+ids+`/resolve"`) {
			t.Fatal("the live list carries a resolve form: one click closes an emergency")
		}
		if !strings.Contains(list.Body, `href="/console/alerts/`+ids+`#close"`) {
			t.Fatal("the live list has no link to the close step")
		}
		page := c.get("/console/alerts/" + ids)
		if !strings.Contains(page.Body, `id="close"`) {
			t.Fatalf("alert page has no close step: %.400s", page.Body)
		}
		if regexp.MustCompile(`<option[^>]*selected|name="outcome"[^>]*checked|<select name="outcome"`).MatchString(page.Body) {
			t.Fatal("the close step has an outcome chosen in advance")
		}
		if strings.Contains(page.Body, `value="attended"`) {
			t.Fatal("attended is offered before any dispatch")
		}

		// Without an outcome, and as attended before a dispatch, nothing changes.
		// The alert's page comes back with the reason beside the outcomes.
		for _, tt := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"back": {"alert"}}, "Elige qué pasó con la alerta."},
			{url.Values{"outcome": {"attended"}, "back": {"alert"}}, "primero registra el despacho"},
		} {
			r := c.post("/console/alerts/"+ids+"/resolve", tt.form)
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, tt.want) || !strings.Contains(r.Body, `href="#close"`) {
				t.Fatalf("refused resolve %v: %d, the refusal is not explained: %.3000s", tt.form, r.Status, r.Body)
			}
			if a, _ := db.FindAlertByID(context.Background(), id); a.Status != escudo.AlertOpen || a.Outcome != "" {
				t.Fatalf("resolve %v changed the alert: %s %q", tt.form, a.Status, a.Outcome)
			}
		}

		// After a dispatch, attended is offered and accepted.
		c.post("/console/alerts/"+ids+"/dispatch", url.Values{"agency": {"Policía Estatal de Quintana Roo"}})
		if r := c.get("/console/alerts/" + ids); !strings.Contains(r.Body, `value="attended"`) {
			t.Fatal("attended not offered after the dispatch")
		}
		c.post("/console/alerts/"+ids+"/resolve", url.Values{"outcome": {"attended"}})
		if a, _ := db.FindAlertByID(context.Background(), id); a.Status != escudo.AlertResolved || a.Outcome != "attended" {
			t.Fatalf("attended after dispatch: %s %q", a.Status, a.Outcome)
		}
	})
}

// The API refuses a resolve without an explicit outcome, and attended
// without a dispatch, with a translated field error.
func TestAlertResolveAPIRefusesDefaultOutcome(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		d := newDeviceSite(t, db)
		auth := []string{"Authorization", "Bearer " + d.dutyToken}
		r := d.do("POST", "/api/v1/alerts", `{"person_id":{person},"type":"call"}`, auth...)
		if r.Status != http.StatusCreated {
			t.Fatalf("hotline alert: %d %s", r.Status, r.Body)
		}
		id := regexp.MustCompile(`"alert_id":(\d+)`).FindStringSubmatch(r.Body)[1]
		for _, s := range []struct{ body, key string }{
			{`{}`, "validation.outcome_required"},
			{`{"outcome":""}`, "validation.outcome_required"},
			{`{"outcome":"attended"}`, "validation.attended_needs_dispatch"},
		} {
			r := d.do("POST", "/api/v1/alerts/"+id+"/resolve", s.body, auth...)
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, s.key) {
				t.Errorf("resolve %s: %d %s", s.body, r.Status, r.Body)
			}
		}
		if r := d.do("GET", "/api/v1/alerts/"+id, "", auth...); !strings.Contains(r.Body, `"status":"open"`) {
			t.Fatalf("refused resolves changed the alert: %s", r.Body)
		}
		if r := d.do("POST", "/api/v1/alerts/"+id+"/resolve", `{"outcome":"false_alarm","note":"Confirmado por teléfono."}`, auth...); r.Status != http.StatusOK {
			t.Fatalf("false alarm: %d %s", r.Status, r.Body)
		}
	})
}

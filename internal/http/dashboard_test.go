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
	"escudo/internal/demo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The coordinator lands on the dashboard; on the demo data every chart is
// drawn, named and described, followed by a table with the store's own
// numbers, in Spanish and in English, with no internal code in the text.
// Roles the permission table leaves out are refused.
func TestCoordinatorDashboard(t *testing.T) {
	clock := &demo.Clock{}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock.Set(now)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(now)
		if _, err := demo.Seed(ctx, db, clock, demo.Options{Seed: 7, Cases: 60, Now: now, Password: demoPassword}); err != nil {
			t.Fatal(err)
		}
		clock.Set(now)
		d, err := db.Dashboard(ctx, store.DashboardFilter{})
		if err != nil {
			t.Fatal(err)
		}
		// The demo makes every part of the page alive.
		var aged, buckets int
		for _, a := range d.Aging {
			for _, n := range a.Buckets {
				aged += n
			}
		}
		for b := range store.AgingBuckets {
			for _, a := range d.Aging {
				if a.Buckets[b] > 0 {
					buckets++
					break
				}
			}
		}
		var spread int
		for _, n := range d.Ack.Bins {
			if n > 0 {
				spread++
			}
		}
		if d.Breached == 0 || d.DueSoon == 0 || d.Unassigned == 0 || d.OpenAlerts == 0 || d.WaitingAlerts == 0 ||
			len(d.Workload) < 3 || aged == 0 || buckets != store.AgingBuckets || spread < 5 || d.AckDrills.Alerts == 0 {
			t.Fatalf("demo dashboard not alive: breached %d, due soon %d, unassigned %d, alerts %d/%d, workload %d, aging %d in %d buckets, ack bins %d, drills %d",
				d.Breached, d.DueSoon, d.Unassigned, d.OpenAlerts, d.WaitingAlerts, len(d.Workload), aged, buckets, spread, d.AckDrills.Alerts)
		}

		site := newWebSite(t, db, Options{})
		r := site.post("/login", url.Values{"username": {"coordinacion"}, "password": {demoPassword}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/dashboard" {
			t.Fatalf("coordinator signs in to %d %q, want the dashboard", r.Status, r.Header.Get("Location"))
		}
		page := site.get("/dashboard")
		if page.Status != http.StatusOK {
			t.Fatalf("dashboard: %d\n%s", page.Status, page.Body)
		}
		body := page.Body
		for _, id := range []string{"chart-workload", "chart-aging", "chart-ack"} {
			svg := regexp.MustCompile(`(?s)<svg class="chart [a-z]+" id="` + id + `"[^>]*role="img" aria-labelledby="` + id + `-t ` + id + `-d".*?</svg>`).FindString(body)
			if svg == "" || !regexp.MustCompile(`<title id="`+id+`-t">[^<]+</title>`).MatchString(svg) || !regexp.MustCompile(`<desc id="`+id+`-d">[^<]{40,}</desc>`).MatchString(svg) || !strings.Contains(svg, "<rect ") {
				t.Errorf("%s missing, unnamed, undescribed or empty:\n%.600s", id, svg)
			}
		}
		if n := strings.Count(body, `class="target"`); n != 4 { // two target lines and their labels
			t.Errorf("%d target marks on the response chart, want the 15 s and 64 s lines with labels", n)
		}
		wantIn := []string{
			fmt.Sprintf(`<li class="st-breached"><b>%d</b>`, d.Breached),
			fmt.Sprintf(`<li class="st-due_soon"><b>%d</b>`, d.DueSoon),
			fmt.Sprintf(`<li><b>%d</b> <a href="#unassigned">`, d.Unassigned),
			fmt.Sprintf(`<li><b>%d</b> <a href="/console">`, d.OpenAlerts),
			fmt.Sprintf(`<tfoot><tr><th scope="row">Total</th><td class="num">%d</td><td class="num">%d</td></tr></tfoot>`, d.Ack.Alerts, d.AckDrills.Alerts),
			fmt.Sprintf(`<td class="num">%d</td></tr></tfoot>`, aged),
			fmt.Sprintf(`href="/cases/%d"`, d.BreachedClocks[0].CaseID),
			fmt.Sprintf(`href="/cases/%d"`, d.UnassignedCases[0].CaseID),
			"Vencido hace 7 días o más", "Tablero de coordinación",
		}
		for _, p := range d.Workload {
			wantIn = append(wantIn, fmt.Sprintf(`<tr><th scope="row">%s</th><td class="num">%d</td><td class="num">%d</td></tr>`, p.Name, p.Open, p.Overdue))
		}
		for _, w := range wantIn {
			if !strings.Contains(body, w) {
				t.Errorf("dashboard lacks %s", w)
			}
		}
		assertNoInternalCodes(t, "es", body)

		if r := site.get("/lang?to=en&next=/dashboard"); r.Status != http.StatusSeeOther {
			t.Fatalf("language switch: %d", r.Status)
		}
		en := site.get("/dashboard")
		if en.Status != http.StatusOK || !strings.Contains(en.Body, "Coordination dashboard") || !strings.Contains(en.Body, "Overdue 7 days or more") || strings.Contains(en.Body, "Tablero de coordinación") {
			t.Errorf("English dashboard: %d", en.Status)
		}
		assertNoInternalCodes(t, "en", en.Body)

		for i, role := range []escudo.Role{escudo.RoleAnalyst, escudo.RoleDuty, escudo.RoleReception, escudo.RoleFollowUp} {
			u := webUser(t, db, "dash_"+string(role), role)
			cl := site.newClient()
			cl.loginFrom(fmt.Sprintf("10.8.0.%d", i+1), u.Username)
			if r := cl.page("/dashboard"); r.Status != http.StatusForbidden {
				t.Errorf("%s opens the dashboard: %d", role, r.Status)
			}
			if r := cl.page("/queue"); strings.Contains(r.Body, `href="/dashboard"`) {
				t.Errorf("%s is offered the dashboard in the menu", role)
			}
		}
	})
}

// assertNoInternalCodes fails when the text a person reads (tags and
// attributes stripped) holds a snake_case identifier.
func assertNoInternalCodes(t *testing.T, lang, body string) {
	t.Helper()
	text := regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(body, " ")
	if m := regexp.MustCompile(`\b[a-z]+_[a-z_]+\b`).FindAllString(text, 5); m != nil {
		t.Errorf("%s dashboard shows internal codes: %v", lang, m)
	}
}

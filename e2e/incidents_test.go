package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The prevention and follow-up officer, on a 390 px phone without
// JavaScript, opens the early warnings (the demo's cluster in Saltillo),
// follows it to a case involved, records an incident dated in the future
// (refused next to the date, what was typed kept), corrects the date and
// sees the incident on the case page; the patterns page draws its charts
// within the screen.
func TestFollowUpRecordsAnIncidentOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	b := newBrowser(t, browser, 390, 844, false)
	signInProcedure(t, b, srv, "seguimiento")
	if count(b, t, `a[href="/prevention"]`) == 0 {
		t.Fatal("the follow-up officer's menu does not link to prevention")
	}
	if err := chromedp.Do(b,
		chromedp.Navigate(srv.URL+"/prevention"),
		chromedp.WaitVisible(chromedp.ID("chart-entity")),
	); err != nil {
		t.Fatalf("open the patterns: %v", err)
	}
	noOverflow(b, t, "the patterns of aggression")
	if err := chromedp.Do(b,
		chromedp.Navigate(srv.URL+"/prevention/warnings"),
		chromedp.WaitVisible(chromedp.CSS(`#warning-list a.ref`)),
	); err != nil {
		t.Fatalf("open the warnings: %v", err)
	}
	if got := textOf(t, b, "#warning-list"); !strings.Contains(got, "Saltillo") {
		t.Fatalf("no warning for Saltillo: %q", got)
	}
	noOverflow(b, t, "the early warnings")
	if err := chromedp.Do(b,
		chromedp.Click(chromedp.CSS(`#warning-list a.ref`)),
		chromedp.WaitVisible(chromedp.ID("incident-new")),
	); err != nil {
		t.Fatalf("open a case of the warning: %v", err)
	}
	before := count(b, t, "#incident-list > li")
	if err := chromedp.Do(b,
		chromedp.Click(chromedp.ID("incident-new")),
		chromedp.WaitVisible(chromedp.ID("incident-form")),
	); err != nil {
		t.Fatalf("open the form: %v", err)
	}
	noOverflow(b, t, "the incident form")
	const what = "Un dron sobrevoló el albergue durante la asamblea de las personas migrantes."
	future := time.Now().Add(72 * time.Hour).Format("2006-01-02T15:04")
	if err := chromedp.Do(b,
		chromedp.SetValue(chromedp.ID("incident_kind"), "surveillance"),
		chromedp.SetValue(chromedp.ID("aggressor_type"), "unknown"),
		chromedp.SetValue(chromedp.ID("occurred_at"), future),
		chromedp.SendKeys(chromedp.ID("municipality"), "Saltillo"),
		chromedp.SendKeys(chromedp.ID("description"), what),
		chromedp.Click(chromedp.ID("incident-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#occurred_at[aria-invalid="true"]`)),
	); err != nil {
		t.Fatalf("a future date: %v", err)
	}
	if kept, err := chromedp.Run(b, chromedp.Value(chromedp.ID("description"))); err != nil || kept != what {
		t.Fatalf("the description was not kept: %q %v", kept, err)
	}
	if got := textOf(t, b, "#incident-form"); !strings.Contains(got, "La fecha no puede ser futura.") {
		t.Errorf("no message next to the date: %q", got)
	}
	noOverflow(b, t, "the incident form with a refused date")
	if err := chromedp.Do(b,
		chromedp.SetValue(chromedp.ID("occurred_at"), time.Now().Add(-24*time.Hour).Format("2006-01-02T15:04")),
		chromedp.Click(chromedp.ID("incident-submit")),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	); err != nil {
		t.Fatalf("record: %v", err)
	}
	if after := count(b, t, "#incident-list > li"); after != before+1 {
		t.Errorf("incidents on the case page: %d, then %d", before, after)
	}
	if got := textOf(t, b, "#incident-list"); !strings.Contains(got, "Vigilancia o seguimiento") || !strings.Contains(got, what) {
		t.Errorf("the new incident is not on the case page: %q", got)
	}
	noOverflow(b, t, "the case page with its incidents")
}

package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The follow-up officer, on a 390 px phone without JavaScript, opens the
// measures dashboard (bars by status, kind and agency; nothing wider than
// the screen), filters the measures being implemented, opens one, moves it
// to "in place, awaiting confirmation", is refused a rejection without the
// beneficiary's words (nothing changed), and records the confirmation the
// beneficiary gave by phone: the measure is in force.
func TestFollowUpMovesAMeasureOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	b := newBrowser(t, browser, 390, 844, false)
	signInProcedure(t, b, srv, "seguimiento")
	if count(b, t, `a[href="/measures"]`) == 0 {
		t.Fatal("the follow-up officer's menu does not link to the measures")
	}
	if err := chromedp.Do(b,
		chromedp.Navigate(srv.URL+"/measures"),
		chromedp.WaitVisible(chromedp.ID("chart-measure-status")),
	); err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	for _, id := range []string{"chart-measure-status", "chart-measure-kind", "chart-measure-agency"} {
		if count(b, t, "svg#"+id) != 1 {
			t.Errorf("no %s", id)
		}
	}
	noOverflow(b, t, "the measures dashboard")
	if err := chromedp.Do(b,
		chromedp.SetValue(chromedp.ID("f-status"), "implementing"),
		chromedp.Click(chromedp.CSS(`#measure-filters button`)),
		// The filtered page, not the one the form was on: its select
		// carries the choice as markup.
		chromedp.WaitReady(chromedp.CSS(`#f-status option[value="implementing"][selected]`)),
		chromedp.WaitVisible(chromedp.CSS(`#measure-rows tbody tr a`)),
	); err != nil {
		t.Fatalf("filter: %v", err)
	}
	if got := textOf(t, b, `#measure-rows`); strings.Contains(got, "Vigente") {
		t.Errorf("the filter by status let other statuses through: %q", got)
	}
	if err := chromedp.Do(b,
		chromedp.Click(chromedp.CSS(`#measure-rows tbody tr a`)),
		chromedp.WaitVisible(chromedp.ID("move-awaiting_confirmation")),
	); err != nil {
		t.Fatalf("open a measure: %v", err)
	}
	noOverflow(b, t, "a measure's page")
	if err := chromedp.Do(b,
		chromedp.Click(chromedp.ID("move-awaiting_confirmation")),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	); err != nil {
		t.Fatalf("move: %v", err)
	}
	if s := textOf(t, b, "#measure-status"); s != "Implementada, falta confirmación" {
		t.Fatalf("status after the move: %q", s)
	}
	if err := chromedp.Do(b,
		chromedp.Click(chromedp.CSS(`#confirmation input[value="rejected"]`)),
		chromedp.Click(chromedp.ID("confirm-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#comment[aria-invalid="true"]`)),
	); err != nil {
		t.Fatalf("reject without words: %v", err)
	}
	if s := textOf(t, b, "#measure-status"); s != "Implementada, falta confirmación" {
		t.Fatalf("a refused rejection changed the status: %q", s)
	}
	noOverflow(b, t, "a measure's page with a refused form")
	if err := chromedp.Do(b,
		chromedp.Click(chromedp.CSS(`#confirmation input[value="confirmed"]`)),
		chromedp.SetValue(chromedp.ID("channel"), "phone"),
		chromedp.SendKeys(chromedp.ID("comment"), "Confirmó por teléfono que ya funciona."),
		chromedp.Click(chromedp.ID("confirm-submit")),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if s := textOf(t, b, "#measure-status"); s != "Vigente" {
		t.Fatalf("status after the confirmation: %q", s)
	}
	if h := textOf(t, b, "#history"); !strings.Contains(h, "Confirmada por la persona beneficiaria") {
		t.Errorf("history: %q", h)
	}
}

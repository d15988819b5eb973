package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A named person assigns the waiting request a place, on a 390 px phone
// without JavaScript: the registry is reached from the menu; the form sent
// without a house is refused naming the field, with nothing changed; with a
// house it assigns and the stay shows under way. Reception, on the same
// case, reads "Asignada" and nothing of where, and the coordination, not
// named, has no way to the registry.
func TestNamedPersonAssignsASafeHouseOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(srv.output(), "safe-house registry: casas"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the demo banner does not name the registry's account:\n%s", srv.output())
		}
	}
	named := newBrowser(t, browser, 390, 844, false)
	signInProcedure(t, named, srv, "casas")
	if count(named, t, `a#nav-safe-houses[href="/safe-houses"]`) != 1 {
		t.Fatal("the named person's menu does not link to the registry")
	}
	if err := chromedp.Do(named,
		chromedp.Click(chromedp.ID("nav-safe-houses")),
		chromedp.WaitVisible(chromedp.ID("safe-houses-heading")),
	); err != nil {
		t.Fatalf("open the registry: %v", err)
	}
	noOverflow(named, t, "the registry")
	pending := count(named, t, `#pending article`)
	stays := count(named, t, `#stays tbody tr`)
	if pending != 1 || stays != 1 {
		t.Fatalf("the demo registry shows %d waiting and %d stays, want 1 and 1", pending, stays)
	}
	ref := textOf(t, named, `#pending article h3 .ref`)
	caseHref, err := chromedp.Run(named, chromedp.AttributeValue(chromedp.CSS(`#pending article h3 a.ref`), "href"))
	if err != nil || !strings.HasPrefix(caseHref.Value, "/cases/") {
		t.Fatalf("the waiting request does not link to its case: %q %v", caseHref.Value, err)
	}
	if err := chromedp.Do(named,
		chromedp.Click(chromedp.CSS(`form[action="/safe-houses/assign"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/safe-houses/assign"] select[aria-invalid="true"]`)),
	); err != nil {
		t.Fatalf("assign without a house: %v", err)
	}
	if msg := textOf(t, named, `.alert`); !strings.Contains(msg, "Casa") {
		t.Errorf("the refusal does not name the field: %q", msg)
	}
	if n := count(named, t, `#pending article`); n != 1 {
		t.Fatalf("a refused assignment changed the waiting requests: %d", n)
	}
	noOverflow(named, t, "the registry with a refused form")
	house, err := chromedp.Run(named, chromedp.AttributeValue(chromedp.CSS(`form[action="/safe-houses/assign"] select option:nth-child(2)`), "value"))
	if err != nil || house.Value == "" {
		t.Fatalf("no house offered: %v", err)
	}
	if err := chromedp.Do(named,
		chromedp.SetValue(chromedp.CSS(`form[action="/safe-houses/assign"] select`), house.Value),
		chromedp.Click(chromedp.CSS(`form[action="/safe-houses/assign"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	); err != nil {
		t.Fatalf("assign: %v", err)
	}
	if n := count(named, t, `#stays tbody tr`); n != 2 {
		t.Errorf("after assigning, %d stays under way, want 2", n)
	}
	if !strings.Contains(textOf(t, named, `#stays`), ref) {
		t.Errorf("the stay of %s is not under way", ref)
	}
	noOverflow(named, t, "the registry after assigning")

	reception := newBrowser(t, browser, 390, 844, false)
	signInProcedure(t, reception, srv, "recepcion")
	if err := chromedp.Do(reception,
		chromedp.Navigate(srv.URL+caseHref.Value),
		chromedp.WaitVisible(chromedp.ID("safe-house-status")),
	); err != nil {
		t.Fatalf("reception opens the case: %v", err)
	}
	status := textOf(t, reception, `#safe-house`)
	if !strings.Contains(status, "Asignada") || strings.Contains(status, "ficticia") || strings.Contains(status, "Calle") {
		t.Errorf("reception's section: %q", status)
	}
	if count(reception, t, `a[href="/safe-houses"]`) != 0 {
		t.Error("reception, not named, is shown the way to the registry")
	}
	noOverflow(reception, t, "the case page's safe-house section")
}

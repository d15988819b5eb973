package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The agencies' page on a 390 px phone without JavaScript: the
// administrator follows the menu to it and finds the demo liaison under
// Oaxaca's secretariat; adds an agency (a bad code and a missing entity
// first, refused with what was typed kept); and names the liaison for the
// new agency. The page fits the screen throughout.
func TestAgenciesPageOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	ctx, cancel := pagesBrowser(t, browser, 390, 844, false)
	defer cancel()
	signIn(ctx, t, srv, "admin", "#users-heading")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/agencies"]`)),
		chromedp.WaitVisible(chromedp.ID("agencies-heading")),
	); err != nil {
		t.Fatalf("open the agencies page: %v", err)
	}
	list := text(ctx, t, chromedp.ID("agency-list"))
	for _, want := range []string{"Secretaría de Seguridad Pública de Oaxaca", "Raúl Zamudio Téllez", "Guardia Nacional", "Empresa contratista"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %q: %.800s", want, list)
		}
	}
	noOverflow(ctx, t, "/admin/agencies")

	add := `form[action="/admin/agencies"] `
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("name"), "Fiscalía General del Estado de Oaxaca"),
		chromedp.SendKeys(chromedp.ID("agency_code"), "FGE Oaxaca"),
		chromedp.SetValue(chromedp.ID("agency_level"), "state"),
		chromedp.Click(chromedp.CSS(add+`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#agency_code[aria-invalid="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#federal_entity[aria-invalid="true"]`)),
	); err != nil {
		t.Fatalf("refused agency: %v", err)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("name"))); v != "Fiscalía General del Estado de Oaxaca" {
		t.Errorf("the refused form lost its name: %q", v)
	}
	if s := text(ctx, t, chromedp.CSS("main .alert")); !strings.Contains(s, "Clave de la dependencia") || !strings.Contains(s, "necesitan su entidad") {
		t.Errorf("the refusal says %q", s)
	}
	noOverflow(ctx, t, "the refused agency form")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("agency_code"), "fge-oax"),
		chromedp.SetValue(chromedp.ID("federal_entity"), "OAX"),
		chromedp.Click(chromedp.CSS(add+`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class,"flash")][contains(., "Dependencia agregada.")]`)),
	); err != nil {
		t.Fatalf("add the agency: %v", err)
	}
	if s := text(ctx, t, chromedp.ID("agency-list")); !strings.Contains(s, "Fiscalía General del Estado de Oaxaca") {
		t.Fatalf("the new agency is not listed: %.800s", s)
	}

	liaison := `form[action="/admin/agencies/liaison"] `
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(liaison+`select[name="user"]`), "Raúl"),
		chromedp.SetValue(chromedp.CSS(liaison+`select[name="agency"]`), "fge-oax"),
		chromedp.Click(chromedp.CSS(liaison+`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class,"flash")][contains(., "enlace guardada")]`)),
	); err != nil {
		t.Fatalf("name the liaison's agency: %v", err)
	}
	if s := text(ctx, t, chromedp.CSS(liaison+`select[name="user"]`)); !strings.Contains(s, "Raúl Zamudio Téllez (Fiscalía General del Estado de Oaxaca)") {
		t.Errorf("the liaison's agency after the change: %q", s)
	}
	noOverflow(ctx, t, "/admin/agencies after the changes")

	// At desktop size with scripts, the page and its edit form pass axe.
	desk, cancelDesk := pagesBrowser(t, browser, 1280, 900, true)
	defer cancelDesk()
	signIn(desk, t, srv, "admin", "#users-heading")
	if err := chromedp.Do(desk,
		chromedp.Navigate(srv.URL+"/admin/agencies"),
		chromedp.Click(chromedp.CSS(`#agency-list a[href^="/admin/agencies?edit="]`)),
		chromedp.WaitVisible(chromedp.ID("edit-agency")),
	); err != nil {
		t.Fatalf("open the edit form: %v", err)
	}
	checkAxe(desk, t, axeScript(t), "admin /admin/agencies?edit=")
}

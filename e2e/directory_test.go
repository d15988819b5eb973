package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The directory and the comparison of protection on a 390 px phone
// without JavaScript: the coordination follows the menu to the directory,
// finds Oaxaca's agreement and the demo liaison, searches for a
// prosecutor without accents, opens Oaxaca's page, then opens the Oaxaca
// coast journalist's case and its comparison, where the IACHR's
// precautionary measure is named with its number, at a different level
// and with an escort the Mechanism did not grant. Each page fits the
// screen.
func TestDirectoryAndProtectionOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	ctx, cancel := pagesBrowser(t, browser, 390, 844, false)
	defer cancel()
	signIn(ctx, t, srv, "coordinacion", "#dash-counts")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/directory"]`)),
		chromedp.WaitVisible(chromedp.ID("directory-heading")),
	); err != nil {
		t.Fatalf("open the directory: %v", err)
	}
	entities := text(ctx, t, chromedp.ID("entity-list"))
	for _, want := range []string{"Oaxaca", "Vigente", "Raúl Zamudio Téllez", "Zacatecas"} {
		if !strings.Contains(entities, want) {
			t.Errorf("the entities lack %q: %.600s", want, entities)
		}
	}
	if s := text(ctx, t, chromedp.CSS("main")); !strings.Contains(s, "Fiscalía Especial para la Atención de Delitos cometidos contra la Libertad de Expresión") ||
		!strings.Contains(s, "Comisión Interamericana de Derechos Humanos") {
		t.Errorf("the directory lacks the federal bodies: %.400s", s)
	}
	noOverflow(ctx, t, "/directory")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("q"), "fiscalia general del estado de michoacan"),
		chromedp.Submit(chromedp.ID("q")),
		chromedp.WaitVisible(chromedp.ID("directory-found")),
	); err != nil {
		t.Fatalf("search: %v", err)
	}
	if s := text(ctx, t, chromedp.CSS("main")); !strings.Contains(s, "Fiscalía General del Estado de Michoacán de Ocampo") || strings.Contains(s, "Fiscalía General del Estado de Oaxaca") {
		t.Errorf("the search found: %.600s", s)
	}
	noOverflow(ctx, t, "/directory?q=")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/directory/entities/OAX"),
		chromedp.WaitVisible(chromedp.ID("entity-heading")),
	); err != nil {
		t.Fatalf("Oaxaca's page: %v", err)
	}
	page := text(ctx, t, chromedp.CSS("main"))
	for _, want := range []string{"Gobierno del Estado de Oaxaca", "Fiscalía General del Estado de Oaxaca", "Defensoría de los Derechos Humanos del Pueblo de Oaxaca",
		"Secretaría de Seguridad Pública de Oaxaca", "Presidencia Municipal de Santiago Jamiltepec", "Raúl Zamudio Téllez", "En negociación", "example.org"} {
		if !strings.Contains(page, want) {
			t.Errorf("Oaxaca's page lacks %q", want)
		}
	}
	noOverflow(ctx, t, "/directory/entities/OAX")

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/cases?q="+url.QueryEscape("Periodista de la Costa de Oaxaca")),
		chromedp.WaitVisible(chromedp.CSS(`main a.ref`)),
	); err != nil {
		t.Fatalf("find the case: %v", err)
	}
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`main a.ref`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+href.Value),
		chromedp.Click(chromedp.ID("protection-compare-link")),
		chromedp.WaitVisible(chromedp.ID("protection-heading")),
	); err != nil {
		t.Fatalf("open the comparison: %v", err)
	}
	cmp := text(ctx, t, chromedp.CSS("main"))
	for _, want := range []string{"Medida cautelar MC-418-26", "Nivel distinto: la CIDH (medida cautelar MC-418-26)",
		"Medida otorgada por la CIDH (medida cautelar MC-418-26) y no por el Mecanismo: Escolta de cuerpos especializados."} {
		if !strings.Contains(cmp, want) {
			t.Errorf("the comparison lacks %q: %.1200s", want, cmp)
		}
	}
	noOverflow(ctx, t, "/cases/{id}/protection")
}

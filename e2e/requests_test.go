package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Requests to agencies on a 390 px phone without JavaScript. The Oaxaca
// police liaison starts from their agency's requests, opens the one
// acknowledged through its e-mailed link and reads who acknowledged it and
// whom the support is for. The coordinator finds an overdue request,
// goes to its case's requests, is refused a request without addressee,
// kind, legal basis or details (what was typed kept), sends one, and sees
// the agencies' performance with its chart. Every page fits the screen.
func TestRequestsToAgenciesOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	ctx, cancel := pagesBrowser(t, browser, 390, 844, false)
	defer cancel()

	if at := signIn(ctx, t, srv, "enlace", "#request-list"); at != "/requests" {
		t.Errorf("the liaison starts at %s, want /requests", at)
	}
	list := text(ctx, t, chromedp.ID("request-list"))
	if !strings.Contains(list, "Apoyo policial en una emergencia") || strings.Contains(list, "ESC-") {
		t.Errorf("the liaison's list (no case references): %.600s", list)
	}
	noOverflow(ctx, t, "the liaison's /requests")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//tr[contains(., "Apoyo policial")][contains(., "Atendida")]//a[starts-with(@href, "/requests/")]`)),
		chromedp.WaitVisible(chromedp.ID("request-receipt")),
	); err != nil {
		t.Fatalf("open the acknowledged request: %v", err)
	}
	if s := text(ctx, t, chromedp.ID("request-receipt")); !strings.Contains(s, "con el enlace del correo, por Lic. Ana Ruiz Mendoza") {
		t.Errorf("the receipt says %q", s)
	}
	if s := text(ctx, t, chromedp.ID("request-beneficiary")); s == "" {
		t.Error("police support names whom it is for")
	}
	noOverflow(ctx, t, "a liaison's request page")
	signOut(ctx, t)

	signIn(ctx, t, srv, "coordinacion", "main h1")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/requests"]`)),
		chromedp.WaitVisible(chromedp.ID("request-list")),
		chromedp.Click(chromedp.CSS(`input[name="overdue"]`)),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#request-list tr.overdue`)),
		chromedp.Click(chromedp.CSS(`#request-list tbody tr:first-child a.ref`)),
		chromedp.WaitVisible(chromedp.ID("requests-link")),
		chromedp.Click(chromedp.CSS(`#requests-link a`)),
		chromedp.WaitVisible(chromedp.ID("send-form")),
	); err != nil {
		t.Fatalf("from an overdue request to its case's requests: %v", err)
	}
	if s := text(ctx, t, chromedp.ID("request-list")); !strings.Contains(s, "vencida") && !strings.Contains(s, "Vencida") && !strings.Contains(s, "retraso") {
		t.Logf("the case's requests: %.400s", s)
	}
	noOverflow(ctx, t, "a case's requests")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("email"), "guardia@ssp.example.org"),
		chromedp.Click(chromedp.ID("send-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#addressee[aria-invalid="true"]`)),
	); err != nil {
		t.Fatalf("a request without addressee: %v", err)
	}
	if s := text(ctx, t, chromedp.CSS("main .alert")); !strings.Contains(s, "Elige a qué dependencia va la solicitud") || !strings.Contains(s, "Elige qué se pide") {
		t.Errorf("the refusal says %q", s)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("email"))); v != "guardia@ssp.example.org" {
		t.Errorf("the refused form lost the address: %q", v)
	}
	noOverflow(ctx, t, "the refused request form")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("addressee"), "1"),
		chromedp.Click(chromedp.CSS(`input[name="kind"][value="information"]`)),
		chromedp.SendKeys(chromedp.ID("legal_basis"), "Artículos 1 y 45 de la Ley para la Protección de Personas Defensoras."),
		chromedp.SendKeys(chromedp.ID("details"), "Informar qué patrullajes hay en la colonia del domicilio."),
		chromedp.Click(chromedp.ID("send-submit")),
		chromedp.WaitVisible(chromedp.ID("request-status")),
	); err != nil {
		t.Fatalf("send a request: %v", err)
	}
	if s := text(ctx, t, chromedp.ID("request-status")); s != "Enviada, sin acuse" {
		t.Errorf("a new request's status: %q", s)
	}
	if s := text(ctx, t, chromedp.CSS("main")); !strings.Contains(s, "Solicitud enviada") || !strings.Contains(s, "Enlace de acuse enviado por correo") {
		t.Errorf("after sending: %.600s", s)
	}
	noOverflow(ctx, t, "a new request's page")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/coordination/performance"),
		chromedp.WaitVisible(chromedp.ID("chart-agencies")),
		chromedp.WaitVisible(chromedp.ID("perf-agencies")),
	); err != nil {
		t.Fatalf("the performance page: %v", err)
	}
	if s := text(ctx, t, chromedp.ID("perf-entities")); !strings.Contains(s, "Oaxaca") {
		t.Errorf("the entities' table: %.400s", s)
	}
	noOverflow(ctx, t, "/coordination/performance")
}

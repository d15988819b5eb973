package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A Board letter verified the way a person holding it on a phone does: the
// coordination opens the Juan Gerardi Center's letter from its case, and
// the letter's QR code link is followed at 390 px without JavaScript. The
// verification page says genuine and in force, fits the phone, and shows
// nothing of whom the letter concerns; a wrong hash typed in the page's own
// form is reported as altered.
func TestLetterVerificationOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))

	desk, cancel := pagesBrowser(t, browser, 1280, 900, false)
	defer cancel()
	signIn(desk, t, srv, "coordinacion", "#dash-counts")
	err := chromedp.Do(desk,
		chromedp.Navigate(srv.URL+"/cases?q="+url.QueryEscape("Juan Gerardi")),
		chromedp.WaitReady(chromedp.CSS(`main`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	caseHref, err := chromedp.Run(desk, chromedp.AttributeValue(chromedp.CSS(`main table a[href^="/cases/"]`), "href"))
	if err != nil || !caseHref.Exists {
		t.Fatalf("the Juan Gerardi case is not listed: %v", err)
	}
	err = chromedp.Do(desk,
		chromedp.Navigate(srv.URL+caseHref.Value),
		chromedp.WaitVisible(chromedp.ID("case-letters")),
		chromedp.Click(chromedp.CSS(`#case-letters tbody tr:first-child td:first-child a:first-child`)),
		chromedp.WaitVisible(chromedp.CSS(`article.letter`)),
	)
	if err != nil {
		t.Fatalf("open the case's letter: %v", err)
	}
	if n := count(desk, t, `#letter-pdf`); n != 1 {
		t.Errorf("no PDF download on the letter's page")
	}
	qr, err := chromedp.Run(desk, chromedp.AttributeValue(chromedp.CSS(`.letter-qr`), "href"))
	if err != nil || !strings.Contains(qr.Value, "/verificar?l=") {
		t.Fatalf("the letter's QR link: %q %v", qr.Value, err)
	}
	link, err := url.Parse(qr.Value)
	if err != nil {
		t.Fatal(err)
	}

	for _, script := range []bool{false, true} {
		phone, cancel := pagesBrowser(t, browser, 390, 844, script)
		err := chromedp.Do(phone,
			chromedp.Navigate(srv.URL+link.Path+"?"+link.RawQuery),
			chromedp.WaitVisible(chromedp.ID("verdict")),
		)
		if err != nil {
			cancel()
			t.Fatalf("follow the QR code: %v", err)
		}
		if s := text(phone, t, chromedp.ID("verdict-h")); !strings.Contains(s, "Carta auténtica y vigente") {
			t.Errorf("verdict %q", s)
		}
		body := text(phone, t, chromedp.CSS("main"))
		for _, personal := range []string{"Juan Gerardi", "Torreón", "871"} {
			if strings.Contains(body, personal) {
				t.Errorf("the public page shows %q", personal)
			}
		}
		if script {
			noOverflow(phone, t, "/verificar")
			cancel()
			continue
		}
		// The page's own form, without scripts: a wrong hash is an altered letter.
		err = chromedp.Do(phone,
			chromedp.SetValue(chromedp.ID("h"), strings.Repeat("0", 64)),
			chromedp.Click(chromedp.CSS(`#by-code button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.Search(`//h2[@id="verdict-h"][contains(., "Carta alterada")]`)),
		)
		if err != nil {
			t.Errorf("a wrong hash through the form: %v", err)
		}
		if n := count(phone, t, `form[enctype="multipart/form-data"] input[type="file"][name="letter"]`); n != 1 {
			t.Errorf("no upload form")
		}
		cancel()
	}
}

package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An appeal as people handle it: follow-up files the journalists'
// network's disagreement with its evaluation from the case's appeals page
// (refused first without grounds, naming the field); the Consultative
// Council commissions the independent study on the shelter's appeal, sees
// its deadline as a clock, and rules. On a desktop with JavaScript and on
// a phone without it, each on its own demo.
func TestAppealFiledAndRuled(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	bin := buildEscudo(t)
	for _, v := range []struct {
		name   string
		w, h   int64
		script bool
	}{{"desktop", 1280, 900, true}, {"phone without JavaScript", 390, 844, false}} {
		t.Run(v.name, func(t *testing.T) {
			srv := startDemo(t, bin)
			follow := newBrowser(t, browser, v.w, v.h, v.script)
			council := newBrowser(t, browser, v.w, v.h, v.script)
			signInProcedure(t, follow, srv, "seguimiento")
			if err := chromedp.Do(follow,
				chromedp.Navigate(srv.URL+"/cases?q="+url.QueryEscape("Red de Periodistas de Coahuila")),
				chromedp.WaitVisible(chromedp.CSS(`main a.ref`)),
			); err != nil {
				t.Fatalf("find the case: %v", err)
			}
			href, err := chromedp.Run(follow, chromedp.AttributeValue(chromedp.CSS(`main a.ref`), "href"))
			if err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(follow,
				chromedp.Navigate(srv.URL+href.Value+"/appeals"),
				chromedp.WaitVisible(chromedp.ID("grounds")),
				chromedp.Click(chromedp.ID("file-appeal")),
				chromedp.WaitVisible(chromedp.CSS(`textarea#grounds[aria-invalid="true"]`)),
			); err != nil {
				t.Fatalf("appeal without grounds: %v", err)
			}
			msg := textOf(t, follow, `.alert`)
			if !strings.Contains(msg, "Motivos de la inconformidad") {
				t.Errorf("the refusal does not name the field: %q", msg)
			}
			if err := chromedp.Do(follow,
				chromedp.SendKeys(chromedp.ID("grounds"), "La red considera que el nivel no refleja el seguimiento a sus periodistas."),
				chromedp.Click(chromedp.ID("file-appeal")),
				chromedp.WaitVisible(chromedp.CSS(`form.answer`)),
			); err != nil {
				t.Fatalf("file the appeal: %v", err)
			}
			state := textOf(t, follow, `.appeal-state`)
			if !strings.Contains(state, "se pidió una nueva evaluación") {
				t.Errorf("state after filing: %q", state)
			}
			if v.w == 390 {
				noOverflow(follow, t, "the case's appeals page")
			}

			signInProcedure(t, council, srv, "consejo")
			if err := chromedp.Do(council,
				chromedp.Navigate(srv.URL+"/appeals"),
				chromedp.WaitVisible(chromedp.CSS(`form[action="/appeals/study"] textarea`)),
				chromedp.SendKeys(chromedp.CSS(`form[action="/appeals/study"] textarea`), "Universidad Autónoma de Coahuila: revisar la vigilancia del albergue."),
				chromedp.Click(chromedp.CSS(`form[action="/appeals/study"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`form[action="/appeals/rule"] textarea`)),
			); err != nil {
				t.Fatalf("commission the study: %v", err)
			}
			clock := textOf(t, council, `dd .st`)
			if !strings.Contains(clock, "En plazo") && !strings.Contains(clock, "Por vencer") {
				t.Error("the study's deadline shows no clock")
			}
			if v.w == 390 {
				noOverflow(council, t, "the Council's appeals page")
			}
			if err := chromedp.Do(council,
				chromedp.SendKeys(chromedp.CSS(`form[action="/appeals/rule"] textarea`), "Se eleva el nivel a extremo."),
				chromedp.Click(chromedp.CSS(`form[action="/appeals/rule"] button`)),
				chromedp.WaitNotPresent(chromedp.CSS(`form[action="/appeals/rule"]`)),
				chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
			); err != nil {
				t.Fatalf("rule: %v", err)
			}
			ruled := textOf(t, council, `main`)
			if !strings.Contains(ruled, "Resolución registrada.") || !strings.Contains(ruled, "El Consejo resolvió") || !strings.Contains(ruled, "Se eleva el nivel a extremo.") {
				t.Errorf("after the ruling: %.600s", ruled)
			}
		})
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return s
}

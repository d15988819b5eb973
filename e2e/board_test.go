package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A Board session as the technical secretariat runs it, on the demo's
// upcoming session (agenda published and locked): the coordinator takes
// attendance with the five government seats and no Council seat, checks
// quorum and is told there is none; the vote on a case is refused for it;
// a Council member arrives, quorum is checked again and met, and the
// resolution is recorded with a named vote per present seat.
func TestBoardQuorumThenResolution(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	ctx := newBrowser(t, browser, 1280, 900, true)
	signInProcedure(t, ctx, srv, "coordinacion")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/board"),
		chromedp.WaitVisible(chromedp.CSS(`main p.card a[href^="/board/sessions/"]`)),
		chromedp.Click(chromedp.CSS(`main p.card a[href^="/board/sessions/"]`)),
		chromedp.WaitVisible(chromedp.ID("check-quorum")),
	); err != nil {
		t.Fatalf("open the upcoming session: %v", err)
	}
	if rule := textOf(t, ctx, `#rule-h + p`); !strings.Contains(rule, "al menos 5 de sus 9 lugares") {
		t.Errorf("published rule: %q", rule)
	}
	attend := func(seats ...string) []chromedp.Action[chromedp.Void] {
		var out []chromedp.Action[chromedp.Void]
		for _, s := range seats {
			out = append(out, chromedp.Click(chromedp.CSS(`input[name="attend.`+s+`"][value="member"]`)))
		}
		return append(out, chromedp.Click(chromedp.CSS(`form[action$="/attendance"] button`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	}
	gov := []string{"segob", "sspc", "sre", "fgr", "cndh"}
	if err := chromedp.Do(ctx, attend(gov...)...); err != nil {
		t.Fatalf("attendance: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("check-quorum")), chromedp.WaitVisible(chromedp.ID("quorum-result"))); err != nil {
		t.Fatalf("check quorum: %v", err)
	}
	if q := textOf(t, ctx, `#quorum-result`); !strings.Contains(q, "No hay quórum") || !strings.Contains(q, "0 del Consejo Consultivo") {
		t.Fatalf("quorum without the Council: %q", q)
	}
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`ol li:nth-child(2) a[href*="/items/"]`), "href"))
	if err != nil {
		t.Fatalf("the second case's decision link: %v", err)
	}
	vote := func(seats ...string) []chromedp.Action[chromedp.Void] {
		out := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(srv.URL + href.Value),
			chromedp.WaitVisible(chromedp.ID("record-resolution")),
			chromedp.SendKeys(chromedp.ID("reasons"), "Amenazas reiteradas y vigilancia; la Junta adopta el nivel de la evaluación."),
		}
		for _, s := range seats {
			out = append(out, chromedp.SetValue(chromedp.ID("vote-"+s), "for"))
		}
		return append(out, chromedp.Click(chromedp.ID("record-resolution")), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	}
	if err := chromedp.Do(ctx, vote(gov...)...); err != nil {
		t.Fatalf("vote without quorum: %v", err)
	}
	if body := textOf(t, ctx, `main`); !strings.Contains(body, "No hay quórum: no se puede votar.") {
		t.Fatalf("a vote without quorum was not refused: %.800s", body)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+strings.Split(href.Value, "/items/")[0]), chromedp.WaitVisible(chromedp.ID("check-quorum"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, attend("council_1")...); err != nil {
		t.Fatalf("the Council arrives: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("check-quorum")), chromedp.WaitVisible(chromedp.CSS(`#quorum-result.ok`))); err != nil {
		t.Fatalf("quorum with the Council: %v", err)
	}
	if err := chromedp.Do(ctx, append(vote(append(gov, "council_1")...), chromedp.WaitVisible(chromedp.Search(`//p[contains(@class,"flash")][contains(., "Resolución registrada.")]`)))...); err != nil {
		t.Fatalf("record the resolution: %v", err)
	}
	if res := textOf(t, ctx, `#res-h + article`); !strings.Contains(res, "JG-") || !strings.Contains(res, "6 a favor") {
		t.Errorf("the recorded resolution: %q", res)
	}
}

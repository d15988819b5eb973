package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestTriageSearchAndPhoneLayout (issue 11, items 5, 6 and 12): a petitioner
// follows a request with the code typed in lower case without dashes; a
// reception officer finds the person by the phone typed another way and by
// one word of the name; the case page draws its clocks as bars and fits a
// 390 px phone, where tables become cards; folios and codes never break. At
// desktop and phone size, and on the phone without JavaScript.
func TestTriageSearchAndPhoneLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	for i, v := range []struct {
		name          string
		width, height int
		script        bool
	}{
		{"desktop", 1280, 900, true},
		{"phone", 390, 844, true},
		{"phone without JavaScript", 390, 844, false},
	} {
		t.Run(v.name, func(t *testing.T) {
			opts := append(chromedp.DefaultExecAllocatorOptions[:],
				chromedp.ExecPath(browser),
				chromedp.Headless,
				chromedp.NoSandbox,
				chromedp.DisableGPU,
				chromedp.NoFirstRun,
				chromedp.Flag("disable-background-networking", true),
				chromedp.Flag("disable-component-update", true),
				chromedp.Flag("disable-sync", true),
				chromedp.UserDataDir(t.TempDir()),
				chromedp.WindowSize(v.width, v.height),
				chromedp.Flag("lang", "es-MX"),
				chromedp.Flag("accept-lang", "es-MX,es"),
			)
			if !v.script {
				opts = append(opts, chromedp.Flag("blink-settings", "scriptEnabled=false"))
			}
			allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
			defer cancelAlloc()
			ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
			defer cancel()
			ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
			defer cancelTimeout()
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(v.width), int64(v.height))); err != nil {
				t.Fatal(err)
			}
			if !v.script {
				if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
					t.Fatal(err)
				}
				// With scripting off, the parser reads the inside of <noscript>
				// as markup; with it on, as text.
				off, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const d = document.createElement("div"); d.innerHTML = "<noscript><b>x</b></noscript>"; return d.querySelector("b") !== null })()`))
				if err != nil || !off {
					t.Fatalf("JavaScript is not off in the no-JavaScript browser (%v)", err)
				}
			}
			surname := fmt.Sprintf("Zárate%c", 'a'+i) // one of its own per run
			name := "Itzel Guadalupe " + surname + " Cruz"
			phone := fmt.Sprintf("971 555 01%02d", 40+i)
			err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/solicitar"),
				chromedp.WaitVisible(chromedp.ID("name")),
				chromedp.SendKeys(chromedp.ID("name"), name),
				chromedp.Click(chromedp.CSS(`input[name="profile"][value="defender"]`)),
				chromedp.SetValue(chromedp.ID("federal_entity"), "OAX"),
				chromedp.SendKeys(chromedp.ID("municipality"), "Juchitán de Zaragoza"),
				chromedp.SendKeys(chromedp.ID("phone"), phone),
				chromedp.SendKeys(chromedp.ID("narrative"), "Me amenazaron por acompañar a la comunidad contra el parque eólico."),
				chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.ID("reference")),
			)
			if err != nil {
				t.Fatalf("public request: %v", err)
			}
			reference := text(ctx, t, chromedp.ID("reference"))
			code := text(ctx, t, chromedp.ID("code"))
			// The folio and the code never break across lines.
			unbroken, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll("#reference, #code")].every(e => getComputedStyle(e).whiteSpace == "nowrap" && e.getClientRects().length == 1)`))
			if err != nil || !unbroken {
				t.Errorf("folio or code may break across lines (%v)", err)
			}

			// Follow-up with the code in lower case, without its dashes, and
			// the folio with spaces.
			loose := strings.ToLower(strings.ReplaceAll(code, "-", ""))
			err = chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/seguimiento"),
				chromedp.WaitVisible(chromedp.ID("reference")),
				chromedp.SendKeys(chromedp.ID("reference"), strings.ToLower(strings.ReplaceAll(reference, "-", " "))),
				chromedp.SendKeys(chromedp.ID("code"), loose),
				chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.ID("result")),
			)
			if err != nil {
				t.Fatalf("follow-up with a loosely typed code: %v\n%s", err, text(ctx, t, chromedp.CSS("main")))
			}

			// Reception finds the person by the phone typed another way.
			err = chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/login"),
				chromedp.WaitVisible(chromedp.ID("username")),
				chromedp.SendKeys(chromedp.ID("username"), "recepcion"),
				chromedp.SendKeys(chromedp.ID("password"), srv.Password),
				chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(`nav a[href="/backlog"]`)),
			)
			if err != nil {
				t.Fatalf("sign in: %v", err)
			}
			link := chromedp.Search(fmt.Sprintf(`//table[@id="case-list"]//a[normalize-space(text())=%q]`, reference))
			for _, q := range []string{"+52" + strings.ReplaceAll(phone, " ", ""), strings.ToLower(surname)} {
				err = chromedp.Do(ctx,
					chromedp.Navigate(srv.URL+"/cases"),
					chromedp.WaitVisible(chromedp.ID("q")),
					chromedp.SendKeys(chromedp.ID("q"), q),
					chromedp.Submit(chromedp.ID("q")),
					// The results page, not the form being left: its field
					// carries the query in its markup.
					chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`#q[value=%q]`, q))),
					chromedp.WaitVisible(link),
				)
				if err != nil {
					t.Fatalf("search %q: %v\n%s", q, err, text(ctx, t, chromedp.CSS("main")))
				}
				if list := text(ctx, t, chromedp.CSS("#case-list tbody")); !strings.Contains(list, name) || strings.Count(list, "ESC-") != 1 {
					t.Errorf("search %q lists:\n%s", q, list)
				}
			}

			// The case page: a bar per clock, and no sideways scrolling.
			err = chromedp.Do(ctx, chromedp.Click(link), chromedp.WaitVisible(chromedp.CSS(`table.clocks svg.clockbar`)))
			if err != nil {
				t.Fatalf("case page: %v", err)
			}
			// Whoever assigns sees each person's workload in the menu.
			if opts := text(ctx, t, chromedp.ID("assignee")); !strings.Contains(opts, "abiertos") || !strings.Contains(opts, "con plazo vencido") {
				t.Errorf("assignee menu without workload:\n%s", opts)
			}
			bars, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("table.clocks svg.clockbar")].map(s => s.getAttribute("aria-label"))`))
			if err != nil || len(bars) < 1 || !strings.Contains(bars[0], "% del plazo") {
				t.Errorf("clock bars: %v (%v)", bars, err)
			}
			scroll, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			if err != nil || scroll > v.width {
				t.Errorf("case page is %d px wide in a %d px window (%v)", scroll, v.width, err)
			}
			if got := text(ctx, t, chromedp.CSS("#clocks + .tablewrap")); !strings.Contains(got, "Admitir o desechar") && !strings.Contains(got, "Evaluar el riesgo") {
				t.Errorf("clocks section:\n%s", got)
			}

			// The backlog on a phone: rows are cards that carry their labels.
			if v.width < 500 {
				err = chromedp.Do(ctx,
					chromedp.Navigate(srv.URL+"/backlog?assignee=none"),
					chromedp.WaitReady(chromedp.CSS(`#assignee option[value="none"][selected]`)),
				)
				if err != nil {
					t.Fatalf("backlog of unassigned cases: %v", err)
				}
				cards, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const r = document.querySelector("#backlog-cases tbody tr"); const th = document.querySelector("#backlog-cases thead");
					if (!r) return "no rows";
					const wide = [...document.querySelectorAll("main *")].filter(e => !e.closest("thead") && e.getBoundingClientRect().right > innerWidth + 1).map(e => e.tagName + "." + e.className + "#" + e.id).slice(0, 5);
					return [getComputedStyle(r).display, th.getBoundingClientRect().height <= 1, document.documentElement.scrollWidth <= innerWidth, wide.join(" ")].join(" ") })()`))
				if err != nil || cards != "block true true " {
					t.Errorf("backlog rows are not cards on a phone: %s (%v)", cards, err)
				}
			}

			// The demo's imminent-danger requests nobody holds head the
			// backlog, marked with why, whatever the deadlines below them.
			err = chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/backlog"),
				chromedp.WaitVisible(chromedp.CSS(`#backlog-cases tbody tr.pinned .pin`)),
			)
			if err != nil {
				t.Fatalf("pinned cases on the backlog: %v", err)
			}
			head, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const rows = [...document.querySelectorAll("#backlog-cases tbody tr")];
				const firstPlain = rows.findIndex(r => !r.classList.contains("pinned")), lastPinned = rows.map(r => r.classList.contains("pinned")).lastIndexOf(true);
				return [rows[0].classList.contains("pinned"), lastPinned < firstPlain || firstPlain < 0, rows[0].querySelector(".pin").textContent].join("|") })()`))
			if err != nil || !strings.HasPrefix(head, "true|true|Peligro inminente") {
				t.Errorf("the backlog does not start with its pinned cases: %q (%v)", head, err)
			}
		})
	}
}

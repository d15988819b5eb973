package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// pageAudit is what auditScript reads from an open page.
type pageAudit struct {
	Lang       string   `json:"lang"`
	Overflow   int      `json:"overflow"`
	H1         int      `json:"h1"`
	Headings   []int    `json:"headings"`
	Landmarks  []string `json:"landmarks"`
	BadLinks   []string `json:"badLinks"`
	LowText    []string `json:"lowText"`
	TextChecks int      `json:"textChecks"`
}

// auditScript runs in the test's browser, never in the page: it measures
// the width, the headings, the landmarks, the links' text and, for every
// visible piece of text, the contrast of its colour against the background
// it is drawn on (the ancestors' backgrounds composed, white beneath).
const auditScript = `(() => {
  const parse = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return [0,0,0,0];
    const p = m[1].split(',').map(x => parseFloat(x)); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, below) => { const a = top[3]; return [0,1,2].map(i => top[i]*a + below[i]*(1-a)).concat([1]); };
  const lum = c => { const [r,g,b] = c.slice(0,3).map(v => { v /= 255; return v <= 0.03928 ? v/12.92 : Math.pow((v+0.055)/1.055, 2.4); });
    return 0.2126*r + 0.7152*g + 0.0722*b; };
  const background = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    let c = [255,255,255,1]; for (let i = layers.length - 1; i >= 0; i--) c = over(layers[i], c); return c; };
  const out = {lang: document.documentElement.lang, overflow: document.documentElement.scrollWidth - window.innerWidth,
    h1: document.querySelectorAll('h1').length, headings: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]),
    landmarks: [...document.querySelectorAll('header,nav,main,footer')].map(e => e.tagName.toLowerCase()),
    badLinks: [], lowText: [], textChecks: 0};
  const vague = /^(aquí|aqui|here|click here|haz clic aquí|más|more|ver|see|link|enlace)$/i;
  for (const a of document.querySelectorAll('a[href]')) {
    const name = (a.textContent || '').trim() || (a.getAttribute('aria-label') || '').trim();
    if (!name || vague.test(name)) out.badLinks.push(a.outerHTML.slice(0, 120));
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement; const st = getComputedStyle(el);
    if (!el.getClientRects().length || st.visibility === 'hidden' || el.closest('.skip')) continue;
    const fg = over(parse(st.color), background(el)); const bg = background(el);
    const l1 = lum(fg), l2 = lum(bg); const ratio = (Math.max(l1,l2) + 0.05) / (Math.min(l1,l2) + 0.05);
    const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight, 10) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    out.textChecks++;
    if (ratio < need) out.lowText.push(ratio.toFixed(2) + ' < ' + need + ': ' + n.textContent.trim().slice(0, 60));
  }
  return JSON.stringify(out);
})()`

// setScripts turns the page's JavaScript on or off. Pages load with it off;
// it is turned on only to run auditScript on the page as it loaded.
func setScripts(ctx context.Context, t *testing.T, on bool) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
}

// The public information pages on a 390 px phone with JavaScript off, in
// Spanish and in English: each fits the screen, has one main heading and
// headings in order, the header, navigation, main and footer landmarks,
// links whose text says where they go, the page's language, and text with
// a contrast of at least 4.5:1 (3:1 for large text) against its
// background. The way to ask shows the demo's configured hotline and
// offices.
func TestInformationPagesOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	phone, cancel := pagesBrowser(t, browser, 390, 844, false)
	defer cancel()
	paths := []string{"/", "/informacion", "/informacion/quien-puede-pedir", "/informacion/como-pedir", "/informacion/medidas",
		"/informacion/casas-de-refugio", "/informacion/derechos", "/informacion/verificar-carta"}
	for _, lang := range []string{"es-MX", "en"} {
		if lang == "en" {
			if err := chromedp.Do(phone, chromedp.Navigate(srv.URL+"/lang?to=en&next=/"), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] main h1`))); err != nil {
				t.Fatalf("switch to English: %v", err)
			}
		}
		for _, p := range paths {
			where := lang + " " + p
			if err := chromedp.Do(phone, chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS(`main h1`))); err != nil {
				t.Fatalf("open %s: %v", where, err)
			}
			setScripts(phone, t, true)
			raw, err := chromedp.Run(phone, chromedp.Evaluate[string](auditScript))
			setScripts(phone, t, false)
			if err != nil {
				t.Fatalf("audit %s: %v", where, err)
			}
			var a pageAudit
			if err := json.Unmarshal([]byte(raw), &a); err != nil {
				t.Fatal(err)
			}
			if a.Lang != lang {
				t.Errorf("%s: html lang %q", where, a.Lang)
			}
			if a.Overflow > 0 {
				t.Errorf("%s: %d px wider than the phone", where, a.Overflow)
			}
			if a.H1 != 1 || len(a.Headings) == 0 || a.Headings[0] != 1 {
				t.Errorf("%s: %d main headings, headings %v", where, a.H1, a.Headings)
			}
			for i := 1; i < len(a.Headings); i++ {
				if a.Headings[i] > a.Headings[i-1]+1 {
					t.Errorf("%s: heading h%d follows h%d", where, a.Headings[i], a.Headings[i-1])
				}
			}
			for _, lm := range []string{"header", "nav", "main", "footer"} {
				if !strings.Contains(strings.Join(a.Landmarks, " "), lm) {
					t.Errorf("%s: no %s landmark", where, lm)
				}
			}
			for _, l := range a.BadLinks {
				t.Errorf("%s: link without meaningful text: %s", where, l)
			}
			for _, l := range a.LowText {
				t.Errorf("%s: low contrast %s", where, l)
			}
			if a.TextChecks < 20 {
				t.Errorf("%s: only %d pieces of text checked; is the script still right?", where, a.TextChecks)
			}
			t.Logf("%s: %d pieces of text checked for contrast, headings %v", where, a.TextChecks, a.Headings)
			if n := count(phone, t, `script`); n != 0 {
				t.Errorf("%s: %d scripts on the page", where, n)
			}
		}
	}
	// The demo's configured contact, on the page that says how to ask.
	if err := chromedp.Do(phone, chromedp.Navigate(srv.URL+"/informacion/como-pedir"), chromedp.WaitVisible(chromedp.ID("contacto"))); err != nil {
		t.Fatal(err)
	}
	if n := count(phone, t, `#contacto a[href^="tel:"]`); n != 1 {
		t.Errorf("no hotline link on the way to ask (%d)", n)
	}
	if s := text(phone, t, chromedp.ID("contacto")); !strings.Contains(s, "(demostración)") {
		t.Errorf("the demo's offices are not listed: %q", s)
	}
}

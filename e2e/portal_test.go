package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The 2G-like network of the portal's budget: 250 kbit/s each way and an
// 800 ms round trip.
const (
	slowLatencyMS  = 800
	slowBytesPerS  = 250_000 / 8
	portalMaxBytes = 40 * 1024
	portalMaxMS    = 3000
)

// throttle puts the browser behind the 2G-like network.
func throttle(ctx context.Context, t *testing.T) {
	t.Helper()
	slow := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Latency: slowLatencyMS, DownloadThroughput: slowBytesPerS, UploadThroughput: slowBytesPerS}},
		})
		return err
	})
	if err := chromedp.Do(ctx, slow); err != nil {
		t.Fatalf("throttle the network: %v", err)
	}
}

// pageCost is what one page cost the phone: when it became interactive
// and finished loading (from the start of the navigation), and the bytes
// of the document and everything it loaded (cached or not: a first visit
// pays them all).
type pageCost struct {
	Interactive float64 `json:"interactive"`
	Loaded      float64 `json:"loaded"`
	Document    int     `json:"document"`
	Total       int     `json:"total"`
}

// visit opens path on the throttled phone, waits for sel and reads the
// navigation's timing and weight.
func visit(ctx context.Context, t *testing.T, srv *demoServer, path, sel string) pageCost {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		t.Fatalf("open %s on the slow phone: %v", path, err)
	}
	const read = `new Promise(done => {
	  const finish = () => {
	    const n = performance.getEntriesByType('navigation')[0];
	    let total = n.encodedBodySize;
	    for (const r of performance.getEntriesByType('resource')) total += r.encodedBodySize;
	    done(JSON.stringify({interactive: n.domInteractive, loaded: n.loadEventEnd, document: n.encodedBodySize, total}));
	  };
	  if (document.readyState === 'complete' && performance.getEntriesByType('navigation')[0].loadEventEnd > 0) finish();
	  else addEventListener('load', () => setTimeout(finish, 0));
	})`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](read, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("timing of %s: %v", path, err)
	}
	var c pageCost
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("timing of %s: %v", path, err)
	}
	return c
}

// The Oaxaca coast journalist, on a 390 px phone without JavaScript behind
// a 2G-like network, signs in and lands on her case; every page of the
// portal is interactive within 3 s and weighs at most 40 KB; she reports an
// incident as urgent, and it is on the duty officer's console; the quick
// exit ends her session.
func TestPortalOnASlowPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	b, done := pagesBrowser(t, browser, 390, 844, false)
	defer done()
	landed := signIn(b, t, srv, "beneficiaria", "#status")
	if !strings.HasPrefix(landed, "/portal") {
		t.Fatalf("the beneficiary landed on %s, not the portal", landed)
	}
	caseHref, err := chromedp.Run(b, chromedp.Evaluate[string](`(document.querySelector('a[href$="/incident"]')||{}).getAttribute('href')||''`))
	if err != nil || !strings.HasSuffix(caseHref, "/incident") {
		t.Fatalf("no link to report an incident on the landing page: %q %v", caseHref, err)
	}
	casePath := strings.TrimSuffix(caseHref, "/incident")
	measure, err := chromedp.Run(b, chromedp.Evaluate[string](`(document.querySelector('#measures a[href^="/portal/measures/"]')||{}).getAttribute('href')||''`))
	if err != nil || measure == "" {
		t.Fatalf("no measure on the case: %v", err)
	}
	if got := text(b, t, chromedp.ID("status")); got == "" {
		t.Fatal("the case's status says nothing")
	}

	throttle(b, t)
	pages := []struct{ path, sel string }{
		{"/portal", "#status"},
		{casePath, "#measures"},
		{measure, "#measure-status"},
		{casePath + "/incident", "#incident-form"},
		{casePath + "/contact", "#contact-form"},
		{casePath + "/privacy", "#reads"},
		{"/notices", "main"},
		{"/verificar", "main"},
	}
	if appeal, _ := chromedp.Run(b, chromedp.Evaluate[bool](`!!document.querySelector('#appeal-link')`)); appeal {
		pages = append(pages, struct{ path, sel string }{casePath + "/appeal", "#appeal-form"})
	}
	var report []string
	for _, p := range pages {
		c := visit(b, t, srv, p.path, p.sel)
		report = append(report, fmt.Sprintf("%-28s interactive %5.0f ms  loaded %5.0f ms  document %6d B  with resources %6d B", p.path, c.Interactive, c.Loaded, c.Document, c.Total))
		if c.Interactive <= 0 || c.Interactive > portalMaxMS {
			t.Errorf("%s became interactive after %.0f ms on the slow phone (budget %d ms)", p.path, c.Interactive, portalMaxMS)
		}
		if c.Document <= 0 || c.Total > portalMaxBytes {
			t.Errorf("%s weighs %d bytes with what it loads (document %d; budget %d)", p.path, c.Total, c.Document, portalMaxBytes)
		}
		noOverflow(b, t, p.path)
	}
	sort.Strings(report)
	t.Logf("portal on a 2G-like phone (latency %d ms, %d B/s):\n  %s", slowLatencyMS, slowBytesPerS, strings.Join(report, "\n  "))

	// An urgent report, still on the slow network.
	mexico, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	const what = "Una camioneta sin placas se estacionó frente a mi casa dos noches seguidas."
	if err := chromedp.Do(b,
		chromedp.Navigate(srv.URL+casePath+"/incident"),
		chromedp.WaitVisible(chromedp.ID("incident-form")),
		chromedp.SetValue(chromedp.ID("kind"), "surveillance"),
		// The form reads the hour as the person's own (central time).
		chromedp.SetValue(chromedp.ID("occurred_at"), time.Now().In(mexico).Add(-2*time.Hour).Format("2006-01-02T15:04")),
		chromedp.SendKeys(chromedp.ID("municipality"), "Pinotepa Nacional"),
		chromedp.SendKeys(chromedp.ID("description"), what),
		chromedp.Click(chromedp.ID("urgent")),
		chromedp.Click(chromedp.ID("incident-submit")),
		chromedp.WaitVisible(chromedp.ID("status")),
		// On this network the page arrives in pieces: wait for the part read.
		chromedp.WaitVisible(chromedp.ID("incidents")),
	); err != nil {
		t.Fatalf("report an urgent incident: %v", err)
	}
	got, err := chromedp.Run(b, chromedp.Evaluate[string](`document.getElementById("incidents").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "avisamos a la guardia") {
		t.Errorf("the case does not say the duty desk was told: %q", got)
	}
	// The quick exit: the session ends and the portal asks for a sign-in.
	exit, err := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector('#quick-exit').getAttribute('href')`))
	if err != nil || exit != "/salida" {
		t.Fatalf("no quick exit for the signed-in beneficiary: %q %v", exit, err)
	}
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirects.Get(srv.URL + "/salida")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if target, _ := url.Parse(res.Header.Get("Location")); res.StatusCode != 303 || target == nil || target.Host == "" || res.Header.Get("Clear-Site-Data") == "" {
		t.Errorf("the quick exit: %d to %q, Clear-Site-Data %q", res.StatusCode, res.Header.Get("Location"), res.Header.Get("Clear-Site-Data"))
	}
	// The browser follows the link (its neutral target is outside this
	// network, so only the session's end is checked).
	_ = chromedp.Do(b, chromedp.Navigate(srv.URL+"/salida"))
	if err := chromedp.Do(b, chromedp.Navigate(srv.URL+"/portal"), chromedp.WaitVisible(chromedp.CSS(`main form[action="/login"]`))); err != nil {
		t.Fatalf("after the quick exit the portal still opens: %v", err)
	}

	// The duty officer sees the report on the console.
	duty, doneDuty := pagesBrowser(t, browser, 1280, 900, false)
	defer doneDuty()
	signIn(duty, t, srv, "guardia", "#console-list")
	if got := text(duty, t, chromedp.ID("console-list")); !strings.Contains(got, "Incidente urgente reportado por la persona") {
		t.Errorf("the urgent report is not on the console: %.400q", got)
	}
}

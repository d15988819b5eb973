package e2e

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// consoleBrowser opens a fresh browser (its own cookies) with a window of
// w×h, with or without JavaScript.
func consoleBrowser(t *testing.T, browser string, w, h int, script bool) context.Context {
	t.Helper()
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
		chromedp.WindowSize(w, h),
		chromedp.Flag("lang", "es-MX"),
		chromedp.Flag("accept-lang", "es-MX,es"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatal(err)
	}
	if !script {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
	}
	return ctx
}

func signInConsole(ctx context.Context, t *testing.T, srv *demoServer, user string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), srv.Password),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitReady(chromedp.CSS(`form[action="/logout"]`)),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
}

func evalInt(ctx context.Context, t *testing.T, js string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return n
}

// closeFirstAlert takes the two steps to close the first open alert from
// the console list as outcome, and checks that no outcome was chosen in
// advance and that "attended" is not offered before a dispatch.
func closeFirstAlert(ctx context.Context, t *testing.T, srv *demoServer, outcome string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/console"),
		chromedp.WaitVisible(chromedp.CSS(`#console-list article[data-alert] a.close-start`)),
	)
	if err != nil {
		t.Fatalf("console: %v", err)
	}
	if n := evalInt(ctx, t, `document.querySelectorAll('#console-list form[action$="/resolve"]').length`); n != 0 {
		t.Fatalf("the live list carries %d resolve forms: one click closes an emergency", n)
	}
	// The list reloads itself without JavaScript: nothing in it to type into.
	if n := evalInt(ctx, t, `document.querySelectorAll('#console-list input:not([type=hidden]), #console-list textarea').length`); n != 0 {
		t.Fatalf("the live list carries %d fields that its reload would wipe", n)
	}
	id := evalInt(ctx, t, `Number(document.querySelector('#console-list article[data-alert]').dataset.alert)`)
	// The live list is swapped whenever an alert changes (the demo's silent
	// device raises one while the test runs), so a click could land on a
	// card being replaced: follow the card's link by its address instead.
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#alert-`+strconv.Itoa(id)+` a.close-start').getAttribute('href')`))
	if err != nil || !strings.HasPrefix(href, "/console/alerts/") {
		t.Fatalf("close link of alert %d: %q %v", id, href, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+href), chromedp.WaitVisible(chromedp.ID("close"))); err != nil {
		t.Fatalf("close step of alert %d: %v", id, err)
	}
	// A dispatch refused for a missing agency comes back with what was typed.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#dispatch-agency').value = ''; document.querySelector('#dispatch-unit').value = 'QR-11'; true`)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("dispatch-note"), "Va en camino por la federal 307."),
		chromedp.Click(chromedp.CSS(`#dispatch button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dispatch-agency[aria-invalid="true"]`)),
	)
	if err != nil {
		t.Fatalf("refused dispatch of alert %d: %v", id, err)
	}
	if kept, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#dispatch-note').value + '|' + document.querySelector('#dispatch-unit').value`)); !strings.HasSuffix(kept, "Va en camino por la federal 307.|QR-11") {
		t.Fatalf("the refused dispatch lost what was typed: %q", kept)
	}
	if n := evalInt(ctx, t, `document.querySelectorAll('#close input[name=outcome]:checked').length`); n != 0 {
		t.Fatalf("the close step has %d outcome chosen in advance", n)
	}
	dispatched := evalInt(ctx, t, `document.querySelector('#attended-needs-dispatch') ? 0 : 1`)
	if attended := evalInt(ctx, t, `document.querySelectorAll('#close input[value=attended]').length`); attended != dispatched {
		t.Fatalf("attended offered %d times on an alert dispatched=%d", attended, dispatched)
	}
	if valid := evalInt(ctx, t, `document.querySelector('#close').checkValidity() ? 1 : 0`); valid != 0 {
		t.Fatal("the close form can be sent without an outcome")
	}
	closed := chromedp.Search(`//article[@id="alert-` + strconv.Itoa(id) + `"]//p[starts-with(normalize-space(.), "Cerrada:")]`)
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#close input[value="`+outcome+`"]`)),
		chromedp.Click(chromedp.CSS(`#close button[type="submit"]`)),
		chromedp.WaitVisible(closed),
	)
	if err != nil {
		t.Fatalf("close alert %d as %s: %v\n%s", id, outcome, err, text(ctx, t, chromedp.CSS("main")))
	}
}

// raiseHotline records a call as another duty operator would, from
// outside the browser under test.
func raiseHotline(t *testing.T, srv *demoServer) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := c.PostForm(srv.URL+"/login", url.Values{"username": {"guardia"}, "password": {srv.Password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = c.PostForm(srv.URL+"/console/alerts", url.Values{"person_id": {"1"}, "type": {"call"}, "note": {"Llama: hay una camioneta frente a su casa."}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !strings.Contains(res.Request.URL.Path, "/console/alerts/") {
		t.Fatalf("hotline call not recorded: ended on %s (%d)", res.Request.URL, res.StatusCode)
	}
}

func TestDutyConsoleNeverClosesByAccidentNorGoesBlind(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))

	// At a desk: the seeded console is alive, and when the session ends
	// the list stays in view with the count of open alerts.
	desk := consoleBrowser(t, browser, 1280, 900, true)
	signInConsole(desk, t, srv, "guardia")
	err := chromedp.Do(desk,
		chromedp.Navigate(srv.URL+"/console"),
		chromedp.WaitVisible(chromedp.CSS(`#console-list article[data-alert]`)),
		chromedp.WaitVisible(chromedp.ID("console-sound")), // the script runs
	)
	if err != nil {
		t.Fatalf("console at a desk: %v", err)
	}
	cards := evalInt(desk, t, `document.querySelectorAll('#console-list article[data-alert]').length`)
	if cards < 2 {
		t.Fatalf("the demo console shows %d open alerts, want the seeded ones", cards)
	}
	// The session ends on the server (as the idle or absolute timeout ends
	// it): a response in flight cannot bring it back, as it could revive
	// a cookie deleted in the browser.
	if _, err := chromedp.Run(desk, chromedp.Evaluate[int](`fetch("/logout", {method: "POST", credentials: "same-origin", redirect: "manual"}).then(function (r) { return r.status; })`,
		chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("end the session: %v", err)
	}
	raiseHotline(t, srv)
	// The new alert's event, or the operator coming back to the tab,
	// finds the session over.
	if _, err := chromedp.Run(desk, chromedp.Evaluate[bool](`window.dispatchEvent(new Event("focus"))`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(desk, chromedp.WaitVisible(chromedp.ID("console-ended"))); err != nil {
		t.Fatalf("no session-ended notice: %v", err)
	}
	if n, _ := strconv.Atoi(text(desk, t, chromedp.ID("ended-count"))); n < cards {
		t.Errorf("session-ended notice counts %d open alerts, want at least the %d shown", n, cards)
	}
	if when := text(desk, t, chromedp.ID("ended-newest")); !strings.Contains(when, ":") {
		t.Errorf("session-ended notice gives no time for the newest alert: %q", when)
	}
	if n := evalInt(desk, t, `document.querySelectorAll('#console-list article[data-alert]').length`); n < cards {
		t.Errorf("the alert list was replaced: %d cards, had %d", n, cards)
	}
	if n := evalInt(desk, t, `document.querySelectorAll('#console-list input[name=username], #console-list input[type=password]').length`); n != 0 {
		t.Error("a login form took the alert list's place")
	}

	// On a phone: closing takes two steps with no outcome chosen.
	phone := consoleBrowser(t, browser, 390, 844, true)
	signInConsole(phone, t, srv, "guardia")
	closeFirstAlert(phone, t, srv, "false_alarm")
	if w := evalInt(phone, t, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the alert page is %d px wide on a 390 px phone", w)
	}

	// Without JavaScript: the same two steps work.
	nojs := consoleBrowser(t, browser, 1280, 900, false)
	signInConsole(nojs, t, srv, "guardia")
	closeFirstAlert(nojs, t, srv, "unreached")
}

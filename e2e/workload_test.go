package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The workload page on a phone (390 px, scripts on for the checks): the
// coordination reaches it from the dashboard, the demo's history shows
// stages that clear and one that does not at this pace, the flow chart and
// the officers' load bars are drawn with their reference line, the page
// passes axe and fits the width, and the weekly view and a stage's view
// are plain links.
func TestWorkloadOnAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	axe := axeScript(t)
	srv := startDemo(t, buildEscudo(t))
	ctx, cancel := pagesBrowser(t, browser, 390, 844, true)
	defer cancel()
	signIn(ctx, t, srv, "coordinacion", "#dash-counts")
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("workload-more")),
		chromedp.WaitVisible(chromedp.ID("workload-heading")),
		chromedp.WaitReady(chromedp.ID("chart-flow")),
	)
	if err != nil {
		t.Fatalf("open the workload page from the dashboard: %v", err)
	}
	table := text(ctx, t, chromedp.ID("stages-table"))
	t.Logf("stages:\n%s", table)
	if !strings.Contains(table, "Se vacía") || !strings.Contains(table, "No se vacía a este ritmo") {
		t.Errorf("the demo should show a stage that clears and one that does not:\n%s", table)
	}
	if n := count(ctx, t, `#loads svg line.target`); n == 0 {
		t.Error("no reference line on the load bars")
	}
	if n := count(ctx, t, `#chart-flow rect`); n == 0 {
		t.Error("the flow chart has no columns")
	}
	noOverflow(ctx, t, "/workload")
	checkAxe(ctx, t, axe, "/workload")
	if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		where := filepath.Join(os.TempDir(), "workload.png")
		if os.WriteFile(where, shot, 0o644) == nil {
			t.Logf("screenshot: %s", where)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/workload?period=week&stage=follow_up"),
		chromedp.WaitReady(chromedp.ID("chart-flow")),
	)
	if err != nil {
		t.Fatalf("weekly follow-up view: %v", err)
	}
	if rows := count(ctx, t, `#flow-table tbody tr`); rows != 52 {
		t.Errorf("weekly view has %d rows, want 52", rows)
	}
	noOverflow(ctx, t, "/workload?period=week")
}

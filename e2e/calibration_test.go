package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The calibration report in the browser, at desktop width and at 390 px:
// the coordination reaches it from the menu's link, sees the stated test,
// the chart and the breakdowns, narrows it by kind with the filter form (a
// plain GET form, no script needed), and the page fits the phone's width.
func TestCalibrationPage(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	for _, run := range []struct {
		w, h   int
		script bool
	}{{1280, 900, false}, {390, 844, true}} {
		t.Run(fmt.Sprintf("%dx%d-js-%v", run.w, run.h, run.script), func(t *testing.T) {
			ctx, cancel := pagesBrowser(t, browser, run.w, run.h, run.script)
			defer cancel()
			signIn(ctx, t, srv, "coordinacion", "#dash-counts")
			if n := count(ctx, t, `nav a[href="/risk/calibration"]`); n != 1 {
				t.Fatalf("menu links to the report %d times", n)
			}
			err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/risk/calibration"),
				chromedp.WaitVisible(chromedp.ID("calib-heading")),
				chromedp.WaitReady(chromedp.ID("chart-calibration")),
			)
			if err != nil {
				t.Fatalf("open the report: %v", err)
			}
			if s := text(ctx, t, chromedp.ID("calib-method")); !strings.Contains(s, "Fisher") || !strings.Contains(s, "Holm") {
				t.Errorf("the test is not stated: %q", s)
			}
			for _, id := range []string{"by-analyst", "by-entity", "by-gender", "by-ethnic", "by-profile"} {
				if count(ctx, t, "#"+id) != 1 {
					t.Errorf("no %s section", id)
				}
			}
			if run.script {
				noOverflow(ctx, t, "/risk/calibration")
			}
			err = chromedp.Do(ctx,
				chromedp.SetValue(chromedp.CSS(`#calib-filters select[name="kind"]`), "immediate"),
				chromedp.Click(chromedp.CSS(`#calib-filters button[type="submit"]`)),
				chromedp.WaitReady(chromedp.CSS(`#calib-filters option[value="immediate"][selected]`)),
			)
			if err != nil {
				t.Fatalf("filter by kind: %v", err)
			}
			if href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("calib-csv"), "href")); err != nil || !strings.Contains(href.Value, "format=csv") || !strings.Contains(href.Value, "kind=immediate") {
				t.Errorf("CSV link %q does not keep the filter (%v)", href.Value, err)
			}
		})
	}
}

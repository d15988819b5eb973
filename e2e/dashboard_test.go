package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// dashboardFacts is what the page itself says about its charts and tables,
// read in the browser.
type dashboardFacts struct {
	Charts []struct {
		ID, Title, Desc string
		Rects           int
		Width, Right    float64
	}
	Tables      map[string]int // body rows per table id
	ScrollWidth int
	InnerWidth  int
	Counts      string
}

const dashboardFactsJS = `JSON.stringify({
	Charts: [...document.querySelectorAll('svg.chart[role="img"]')].map(s => {
		const r = s.getBoundingClientRect();
		return {ID: s.id, Title: (s.querySelector('title') || {}).textContent || '', Desc: (s.querySelector('desc') || {}).textContent || '',
			Rects: s.querySelectorAll('rect').length, Width: r.width, Right: r.right};
	}),
	Tables: Object.fromEntries(['workload-table', 'aging-table', 'ack-table'].map(id => [id, document.querySelectorAll('#' + id + ' tbody tr').length])),
	ScrollWidth: document.documentElement.scrollWidth,
	InnerWidth: window.innerWidth,
	Counts: document.getElementById('dash-counts').textContent,
})`

// The coordinator signs in to the dashboard at desktop and phone sizes,
// with and without JavaScript: three charts drawn on the server, each
// named, described and followed by its table, inside the width of the
// screen; with JavaScript, axe-core's WCAG 2 AA rules pass.
func TestCoordinatorDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	axe := axeScript(t)
	for _, c := range []struct {
		w, h   int
		script bool
	}{{1280, 900, true}, {390, 844, true}, {1280, 900, false}, {390, 844, false}} {
		t.Run(fmt.Sprintf("%dx%d-js=%v", c.w, c.h, c.script), func(t *testing.T) {
			ctx, cancel := pagesBrowser(t, browser, c.w, c.h, c.script)
			defer cancel()
			// #dash-counts exists only on the dashboard.
			if got := signIn(ctx, t, srv, "coordinacion", "#dash-counts"); got != "/dashboard" {
				t.Fatalf("the coordinator lands on %s, want /dashboard", got)
			}
			raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](dashboardFactsJS))
			if err != nil {
				t.Fatal(err)
			}
			var f dashboardFacts
			if err := json.Unmarshal([]byte(raw), &f); err != nil {
				t.Fatal(err)
			}
			if len(f.Charts) != 3 {
				t.Fatalf("%d charts, want workload, aging and response times: %+v", len(f.Charts), f.Charts)
			}
			for _, ch := range f.Charts {
				if ch.Title == "" || len(ch.Desc) < 40 || ch.Rects == 0 {
					t.Errorf("chart %s: title %q, description %q, %d bars", ch.ID, ch.Title, ch.Desc, ch.Rects)
				}
				if ch.Width < 200 || ch.Right > float64(f.InnerWidth) {
					t.Errorf("chart %s is %.0f px wide, right edge at %.0f of %d", ch.ID, ch.Width, ch.Right, f.InnerWidth)
				}
			}
			for id, rows := range f.Tables {
				if rows == 0 {
					t.Errorf("table %s has no rows", id)
				}
			}
			if f.ScrollWidth > f.InnerWidth {
				t.Errorf("the page scrolls sideways: %d px wide in a %d px window", f.ScrollWidth, f.InnerWidth)
			}
			if !strings.Contains(f.Counts, "casos con plazo vencido") || !strings.Contains(f.Counts, "alertas abiertas") {
				t.Errorf("headline counts: %q", f.Counts)
			}
			if c.script {
				checkAxe(ctx, t, axe, fmt.Sprintf("coordinacion /dashboard %dx%d", c.w, c.h))
			}
			// Each breach is a link to its case.
			err = chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`#breaches a.ref`)),
				chromedp.WaitVisible(chromedp.CSS(`main h1 .ref`)),
			)
			if err != nil {
				t.Errorf("follow a breach to its case: %v", err)
			}
			signOut(ctx, t)
		})
	}
}

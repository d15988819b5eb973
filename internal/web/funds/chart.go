package funds

import (
	"fmt"
	"strconv"

	"escudo/internal/chart"
	"escudo/internal/funds"
	"escudo/internal/store"
	"escudo/internal/web"
)

// chartView is one of the report's bar charts, drawn on the server; the
// tables beside it hold the same figures in full, as its text alternative.
type chartView struct {
	ID, Title, Desc string
	SVG             chart.SVG
}

// fundBars leaves room on the right for amounts such as "$312.5 M".
var fundBars = chart.Bars{Width: 360, LabelWidth: 112, ValueWidth: 58, Bar: 18, Gap: 10, Top: 6, Bottom: 20}

// pesos is an amount in whole pesos, for a chart's scale (never below 0).
func pesos(c funds.Cents) int { return int(max(c, 0) / 100) }

// millions writes whole pesos as millions: a bar's amount with one
// decimal ("$312.5 M"), a tick as short as it goes ("300").
func millions(n int, value bool) string {
	if !value {
		return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64)
	}
	return fmt.Sprintf("$%.1f M", float64(n)/1e6)
}

// moneyBars lays the rows out and writes their amounts and the scale in
// millions of pesos.
func moneyBars(rows []chart.Row) chart.SVG {
	svg := fundBars.HBars(rows)
	for i, t := range svg.Texts {
		if t.Kind == "value" || t.Kind == "tick" {
			n, _ := strconv.Atoi(t.S)
			svg.Texts[i].S = millions(n, t.Kind == "value")
		}
	}
	return svg
}

// charts are the quarter's balances and its payments by kind of measure,
// the published amounts only.
func (s *server) charts(p *web.Page, rel store.FundRelease) []chartView {
	t := rel.Totals
	out := []chartView{{ID: "chart-fund-totals", Title: p.T("funds.chart_totals"), Desc: p.T("funds.chart_totals_desc"),
		SVG: moneyBars([]chart.Row{
			{Label: p.T("funds.bar_budget"), Values: []int{pesos(t.Budget)}},
			{Label: p.T("funds.bar_committed"), Values: []int{pesos(t.Committed)}},
			{Label: p.T("funds.bar_paid"), Values: []int{pesos(t.Paid)}},
			{Label: p.T("funds.bar_available"), Values: []int{pesos(t.Available)}},
		})}}
	var rows []chart.Row
	withheld := 0
	for _, c := range rel.ByKind[:len(rel.ByKind)-1] {
		switch {
		case !c.PaidPublished:
			withheld++
		case c.Paid > 0:
			rows = append(rows, chart.Row{Label: chart.Short(s.kindLabel(p, c.Key), 16), Values: []int{pesos(c.Paid)}})
		}
	}
	if len(rows) > 0 {
		out = append(out, chartView{ID: "chart-fund-kinds", Title: p.T("funds.by_kind"), SVG: moneyBars(rows),
			Desc: p.T("funds.chart_kinds_desc", "Shown", len(rows), "Withheld", withheld)})
	}
	return out
}

package report

import (
	"bytes"
	_ "embed"
	"html/template"
	"io"

	"escudo/internal/chart"
)

// Chart is a table's bar chart: the published rows only; how many rows
// were withheld is in its description.
type Chart struct {
	ID, Title, Desc string
	SVG             chart.SVG
}

type barRow struct {
	label string
	cell  Cell
}

// Fills of the chart, as presentation attributes so that they hold under
// the site's content security policy (no inline style).
const (
	fillBar  = "#1f5f8b"
	fillText = "#1a1a1a"
	fillGrid = "#c8c8c8"
)

func (r *Report) barChart(series, title string, rows []barRow) *Chart {
	var bars []chart.Row
	withheld := 0
	for _, b := range rows {
		switch {
		case !b.cell.Published():
			withheld++
		case b.cell.Value > 0:
			bars = append(bars, chart.Row{Label: chart.Short(b.label, 20), Values: []int{int(b.cell.Value)}})
		}
	}
	if len(bars) == 0 {
		return nil
	}
	return &Chart{ID: "chart-" + series, Title: title, SVG: chart.DefaultBars.HBars(bars),
		Desc: r.T("report.chart_desc", "Shown", len(bars), "Withheld", withheld)}
}

//go:embed report.html
var reportHTML string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"fill": func(kind string) string {
		switch kind {
		case "grid":
			return fillGrid
		case "axis":
			return fillText
		}
		return fillBar
	},
}).Parse(reportHTML))

// Body is the report's content (headings, tables, charts) for a page of
// the site, which gives it its layout.
func (r *Report) Body() (template.HTML, error) {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, "body", r); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil // #nosec G203 -- written by html/template, which escaped every value
}

// HTML writes the report as a document of its own, with its style sheet
// inside, to open or print without the site.
func (r *Report) HTML(w io.Writer) error {
	return tmpl.ExecuteTemplate(w, "document", r)
}

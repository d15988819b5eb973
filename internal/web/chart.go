package web

import (
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"

	"escudo/internal/chart"
)

// SVGChart is a laid-out chart (internal/chart) with what makes it accessible: its title,
// the description a screen reader reads instead of the shapes, and the
// legend of its series.
type SVGChart struct {
	ID, Class   string
	Title, Desc string
	Legend      []LegendItem
	chart.SVG
}

// Markup writes the chart as inline SVG, with its legend after it. Written
// here rather than by the template: the template engine escapes each of a
// chart's hundreds of attributes by reflection, which was most of the
// page's server time. Every text is escaped; the rest are numbers and this
// package's own identifiers.
func (c SVGChart) Markup() template.HTML {
	var b strings.Builder
	b.Grow(4096)
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	id, class := html.EscapeString(c.ID), html.EscapeString(c.Class)
	fmt.Fprintf(&b, `<svg class="chart %s" id="%s" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMinYMin meet">`,
		class, id, num(c.Width), num(c.Height), id, id)
	fmt.Fprintf(&b, "\n<title id=\"%s-t\">%s</title>\n<desc id=\"%s-d\">%s</desc>", id, html.EscapeString(c.Title), id, html.EscapeString(c.Desc))
	for _, l := range c.Lines {
		fmt.Fprintf(&b, "\n<line class=\"%s\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>", html.EscapeString(l.Kind), num(l.X1), num(l.Y1), num(l.X2), num(l.Y2))
	}
	for _, r := range c.Rects {
		fmt.Fprintf(&b, "\n<rect class=\"s%d\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"/>", r.Series, num(r.X), num(r.Y), num(r.W), num(r.H))
	}
	for _, t := range c.Texts {
		fmt.Fprintf(&b, "\n<text class=\"%s\" x=\"%s\" y=\"%s\" text-anchor=\"%s\">%s</text>", html.EscapeString(t.Kind), num(t.X), num(t.Y), html.EscapeString(t.Anchor), html.EscapeString(t.S))
	}
	fmt.Fprintf(&b, "\n</svg>\n<ul class=\"legend %s\" aria-hidden=\"true\">", class)
	for _, l := range c.Legend {
		fmt.Fprintf(&b, `<li><svg viewBox="0 0 14 14" width="14" height="14"><rect class="s%d" x="0" y="0" width="14" height="14"/></svg> %s</li>`, l.Series, html.EscapeString(l.Label))
	}
	b.WriteString("</ul>")
	return template.HTML(b.String()) // #nosec G203 -- every text above is escaped; the rest are numbers and fixed names
}

type LegendItem struct {
	Series int
	Label  string
}

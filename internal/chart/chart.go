// Package chart lays out the dashboard's charts: it turns counts into the
// rectangles, lines and labels of an SVG drawn in a fixed view box, which
// the page scales to its width. It knows nothing of HTTP or SQL; the
// template only writes out what it returns.
package chart

import (
	"math"
	"strconv"
)

// Rect is a filled rectangle; Series is the index of the series it draws
// (its fill and pattern in the style sheet), -1 for none.
type Rect struct {
	X, Y, W, H float64
	Series     int
}

// Line is a straight line; Kind says what it marks ("grid", "axis", "target").
type Line struct {
	X1, Y1, X2, Y2 float64
	Kind           string
}

// Text is a label; Anchor is "start", "middle" or "end".
type Text struct {
	X, Y   float64
	Anchor string
	S      string
	Kind   string // "label", "value", "tick", "target"
}

// SVG is a laid-out chart in a view box of Width × Height.
type SVG struct {
	Width, Height float64
	Rects         []Rect
	Lines         []Line
	Texts         []Text
}

// NiceMax rounds v up to the next 1, 2 or 5 times a power of ten, so axis
// ticks fall on round numbers; at least 1.
func NiceMax(v int) int {
	if v <= 1 {
		return 1
	}
	p := 1
	for p*10 < v {
		p *= 10
	}
	for _, m := range []int{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// Ticks divides [0, max] into steps of a round size: 0, step, …, max, with
// at most n steps. max must be a NiceMax.
func Ticks(max, n int) []int {
	if max <= 0 || n <= 0 {
		return []int{0}
	}
	step := NiceMax((max + n - 1) / n)
	for max%step != 0 {
		step = NiceMax(step + 1)
	}
	var out []int
	for v := 0; v <= max; v += step {
		out = append(out, v)
	}
	return out
}

// Row is one horizontal bar: its label and the values of its segments,
// left to right.
type Row struct {
	Label  string
	Values []int
}

// Short cuts a label to n characters (the last an ellipsis) for a chart's
// narrow label column; the table beside a chart has the whole.
func Short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Bars holds the dimensions of a horizontal bar chart.
type Bars struct {
	Width      float64 // of the view box
	LabelWidth float64 // left column for the row labels
	ValueWidth float64 // right column for each bar's total
	Bar, Gap   float64 // bar height and space between bars
	Top        float64 // room above the first bar
	Bottom     float64 // room below the last bar for the tick labels
}

// DefaultBars fits a chart in 360 units of width: a phone of 390 px shows it
// at about its own size, a desktop column scales it up.
var DefaultBars = Bars{Width: 360, LabelWidth: 130, ValueWidth: 34, Bar: 18, Gap: 10, Top: 6, Bottom: 20}

// HBars lays out stacked horizontal bars, one per row, on one scale from 0
// to the largest row total rounded up (NiceMax): each segment a rectangle
// of its series, the row's label on the left, its total on the right, and
// a vertical grid line with its label at each tick. Segments of zero are
// left out.
func (b Bars) HBars(rows []Row) SVG {
	s, _, _ := b.hbars(rows, 0)
	return s
}

// HBarsTarget lays out the bars as HBars does, on a scale that reaches the
// target too, with the target drawn as a vertical line across the bars,
// labelled above them (Kind "target"). The room above the first bar grows
// by a line for the label.
func (b Bars) HBarsTarget(rows []Row, target int, label string) SVG {
	b.Top += 14
	s, x0, scale := b.hbars(rows, target)
	if target > 0 {
		x := round(x0 + float64(target)*scale)
		s.Lines = append(s.Lines, Line{X1: x, Y1: b.Top - 6, X2: x, Y2: round(s.Height - b.Bottom), Kind: "target"})
		anchor := "middle"
		if x > b.Width-50 {
			anchor = "end"
		}
		s.Texts = append(s.Texts, Text{X: x, Y: round(b.Top - 9), Anchor: anchor, S: label, Kind: "target"})
	}
	return s
}

// hbars lays out the bars on a scale reaching at least floor; it returns
// the chart, the x of zero and the units per count.
func (b Bars) hbars(rows []Row, floor int) (SVG, float64, float64) {
	total := func(r Row) int {
		n := 0
		for _, v := range r.Values {
			n += v
		}
		return n
	}
	most := floor
	for _, r := range rows {
		most = max(most, total(r))
	}
	top := NiceMax(most)
	plot := b.Width - b.LabelWidth - b.ValueWidth
	x0 := b.LabelWidth
	scale := plot / float64(top)
	h := b.Top + float64(len(rows))*(b.Bar+b.Gap) - b.Gap + b.Bottom
	if len(rows) == 0 {
		h = b.Top + b.Bottom
	}
	s := SVG{Width: b.Width, Height: round(h)}
	axisY := h - b.Bottom
	for _, t := range Ticks(top, 5) {
		x := round(x0 + float64(t)*scale)
		s.Lines = append(s.Lines, Line{X1: x, Y1: b.Top - 4, X2: x, Y2: round(axisY), Kind: "grid"})
		s.Texts = append(s.Texts, Text{X: x, Y: round(axisY + 14), Anchor: "middle", S: strconv.Itoa(t), Kind: "tick"})
	}
	for i, r := range rows {
		y := b.Top + float64(i)*(b.Bar+b.Gap)
		mid := round(y + b.Bar/2 + 4)
		s.Texts = append(s.Texts, Text{X: x0 - 6, Y: mid, Anchor: "end", S: r.Label, Kind: "label"})
		x := x0
		for series, v := range r.Values {
			if v <= 0 {
				continue
			}
			w := float64(v) * scale
			s.Rects = append(s.Rects, Rect{X: round(x), Y: round(y), W: round(w), H: b.Bar, Series: series})
			x += w
		}
		s.Texts = append(s.Texts, Text{X: round(x + 4), Y: mid, Anchor: "start", S: strconv.Itoa(total(r)), Kind: "value"})
	}
	s.Lines = append(s.Lines, Line{X1: x0, Y1: b.Top - 4, X2: x0, Y2: round(axisY), Kind: "axis"})
	return s, x0, scale
}

// Bin is one column of a histogram.
type Bin struct {
	Label string
	Count int
	Shown string // the value written above the column; empty: the count
}

// Marker is a vertical line drawn after the bin of index After, with a label
// (a target such as "15 s").
type Marker struct {
	After int
	Label string
}

// Columns holds the dimensions of a histogram.
type Columns struct {
	Width, Height float64
	Left          float64 // room for the count ticks
	Top, Bottom   float64 // room for marker labels above, bin labels below
	Gap           float64 // between columns
}

// DefaultColumns fits a histogram in 360 × 200 units.
var DefaultColumns = Columns{Width: 360, Height: 200, Left: 24, Top: 30, Bottom: 34, Gap: 4}

// Histogram lays out one column per bin on a scale from 0 to the largest
// count rounded up, each column's count above it, its label below and the
// axis title under the labels, and each marker as a vertical line between
// its bin and the next, labelled at the top. Every column is of series 0;
// markers alternate their label's height so two close ones stay legible.
func (c Columns) Histogram(bins []Bin, markers []Marker, axisTitle string) SVG {
	s := SVG{Width: c.Width, Height: c.Height}
	most := 0
	for _, b := range bins {
		most = max(most, b.Count)
	}
	top := NiceMax(most)
	base := c.Height - c.Bottom
	plotH := base - c.Top
	scale := plotH / float64(top)
	colW := (c.Width - c.Left) / math.Max(1, float64(len(bins)))
	for _, t := range Ticks(top, 5) {
		y := round(base - float64(t)*scale)
		s.Lines = append(s.Lines, Line{X1: c.Left, Y1: y, X2: c.Width, Y2: y, Kind: "grid"})
		s.Texts = append(s.Texts, Text{X: c.Left - 4, Y: round(y + 4), Anchor: "end", S: strconv.Itoa(t), Kind: "tick"})
	}
	for i, b := range bins {
		x := c.Left + float64(i)*colW
		mid := round(x + colW/2)
		if b.Count > 0 {
			h := float64(b.Count) * scale
			s.Rects = append(s.Rects, Rect{X: round(x + c.Gap/2), Y: round(base - h), W: round(colW - c.Gap), H: round(h), Series: 0})
		}
		shown := b.Shown
		if shown == "" {
			shown = strconv.Itoa(b.Count)
		}
		s.Texts = append(s.Texts, Text{X: mid, Y: round(base - float64(b.Count)*scale - 3), Anchor: "middle", S: shown, Kind: "value"})
		s.Texts = append(s.Texts, Text{X: mid, Y: round(base + 14), Anchor: "middle", S: b.Label, Kind: "label"})
	}
	if axisTitle != "" {
		s.Texts = append(s.Texts, Text{X: round(c.Left + (c.Width-c.Left)/2), Y: round(base + 28), Anchor: "middle", S: axisTitle, Kind: "tick"})
	}
	for i, m := range markers {
		if m.After < 0 || m.After >= len(bins) {
			continue
		}
		x := round(c.Left + float64(m.After+1)*colW)
		s.Lines = append(s.Lines, Line{X1: x, Y1: c.Top - 4, X2: x, Y2: base, Kind: "target"})
		s.Texts = append(s.Texts, Text{X: x, Y: float64(12 + 13*(i%2)), Anchor: "middle", S: m.Label, Kind: "target"})
	}
	s.Lines = append(s.Lines, Line{X1: c.Left, Y1: base, X2: c.Width, Y2: base, Kind: "axis"})
	return s
}

// FlowPoint is one period of a flow chart: what came in, what went out
// and the stock at its end.
type FlowPoint struct {
	Label          string
	In, Out, Stock int
}

// FlowChart holds the dimensions of a flow chart.
type FlowChart struct {
	Width, Height float64
	Left, Right   float64 // room for the flow ticks and the stock ticks
	Top, Bottom   float64 // room above, and below for the period labels
}

// DefaultFlow fits a flow chart in 360 × 210 units.
var DefaultFlow = FlowChart{Width: 360, Height: 210, Left: 26, Right: 30, Top: 10, Bottom: 30}

// Flow lays out, for each period, two columns side by side, what came in
// (series 0) and what went out (series 1), on a scale from 0 to the
// largest of them rounded up, ticked on the left; and the stock as a line
// through the periods' middles (Kind "stock") on its own scale, ticked on
// the right (Kind "stocktick"), so a large stock does not flatten the
// columns. A period's label is written every every periods (at least 1).
func (c FlowChart) Flow(points []FlowPoint, every int) SVG {
	s := SVG{Width: c.Width, Height: c.Height}
	every = max(1, every)
	most, stock := 0, 0
	for _, p := range points {
		most = max(most, p.In, p.Out)
		stock = max(stock, p.Stock)
	}
	top, stop := NiceMax(most), NiceMax(stock)
	base := c.Height - c.Bottom
	plotH := base - c.Top
	right := c.Width - c.Right
	scale, sscale := plotH/float64(top), plotH/float64(stop)
	for _, t := range Ticks(top, 4) {
		y := round(base - float64(t)*scale)
		s.Lines = append(s.Lines, Line{X1: c.Left, Y1: y, X2: right, Y2: y, Kind: "grid"})
		s.Texts = append(s.Texts, Text{X: c.Left - 4, Y: round(y + 4), Anchor: "end", S: strconv.Itoa(t), Kind: "tick"})
	}
	for _, t := range Ticks(stop, 4) {
		y := round(base - float64(t)*sscale)
		s.Texts = append(s.Texts, Text{X: right + 4, Y: round(y + 4), Anchor: "start", S: strconv.Itoa(t), Kind: "stocktick"})
	}
	colW := (right - c.Left) / math.Max(1, float64(len(points)))
	gap := math.Min(2, colW/6)
	var prevX, prevY float64
	for i, p := range points {
		x := c.Left + float64(i)*colW
		half := (colW - 2*gap) / 2
		for series, v := range []int{p.In, p.Out} {
			if v <= 0 {
				continue
			}
			h := float64(v) * scale
			s.Rects = append(s.Rects, Rect{X: round(x + gap + float64(series)*half), Y: round(base - h), W: round(half), H: round(h), Series: series})
		}
		mid := round(x + colW/2)
		y := round(base - float64(p.Stock)*sscale)
		if i > 0 {
			s.Lines = append(s.Lines, Line{X1: prevX, Y1: prevY, X2: mid, Y2: y, Kind: "stock"})
		}
		prevX, prevY = mid, y
		if (len(points)-1-i)%every == 0 {
			s.Texts = append(s.Texts, Text{X: mid, Y: round(base + 14), Anchor: "middle", S: p.Label, Kind: "label"})
		}
	}
	s.Lines = append(s.Lines, Line{X1: c.Left, Y1: base, X2: right, Y2: base, Kind: "axis"})
	return s
}

// round keeps one decimal: enough for a view box, and short in the page.
func round(v float64) float64 { return math.Round(v*10) / 10 }

package chart

import (
	"fmt"
	"testing"
)

func TestNiceMaxAndTicks(t *testing.T) {
	for _, c := range []struct {
		v     int
		max   int
		ticks string
	}{
		{0, 1, "[0 1]"},
		{1, 1, "[0 1]"},
		{2, 2, "[0 1 2]"},
		{3, 5, "[0 1 2 3 4 5]"},
		{7, 10, "[0 2 4 6 8 10]"},
		{11, 20, "[0 5 10 15 20]"},
		{21, 50, "[0 10 20 30 40 50]"},
		{99, 100, "[0 20 40 60 80 100]"},
		{101, 200, "[0 50 100 150 200]"},
		{1234, 2000, "[0 500 1000 1500 2000]"},
	} {
		m := NiceMax(c.v)
		if m != c.max {
			t.Errorf("NiceMax(%d) = %d, want %d", c.v, m, c.max)
		}
		if got := fmt.Sprint(Ticks(m, 5)); got != c.ticks {
			t.Errorf("Ticks(%d, 5) = %s, want %s", m, got, c.ticks)
		}
	}
}

func TestHBars(t *testing.T) {
	b := Bars{Width: 300, LabelWidth: 100, ValueWidth: 0, Bar: 10, Gap: 10, Top: 5, Bottom: 20}
	// Largest total 17 → scale to 20 over 200 units: 10 units a case.
	s := b.HBars([]Row{{"Ana", []int{3, 0, 2}}, {"Luis", []int{10, 7}}, {"Nadie", nil}})
	if s.Width != 300 || s.Height != 5+3*20-10+20 {
		t.Fatalf("view box %v × %v", s.Width, s.Height)
	}
	want := []Rect{
		{X: 100, Y: 5, W: 30, H: 10, Series: 0},
		{X: 130, Y: 5, W: 20, H: 10, Series: 2}, // the zero segment is left out, the next one starts where the last ended
		{X: 100, Y: 25, W: 100, H: 10, Series: 0},
		{X: 200, Y: 25, W: 70, H: 10, Series: 1},
	}
	if fmt.Sprint(s.Rects) != fmt.Sprint(want) {
		t.Fatalf("rects\n got %v\nwant %v", s.Rects, want)
	}
	var values, labels, ticks []string
	for _, x := range s.Texts {
		switch x.Kind {
		case "value":
			values = append(values, fmt.Sprintf("%s@%v", x.S, x.X))
		case "label":
			labels = append(labels, fmt.Sprintf("%s@%v,%v", x.S, x.X, x.Y))
		case "tick":
			ticks = append(ticks, fmt.Sprintf("%s@%v", x.S, x.X))
		}
	}
	if got := fmt.Sprint(values); got != "[5@154 17@274 0@104]" {
		t.Errorf("totals %s", got)
	}
	if got := fmt.Sprint(labels); got != "[Ana@94,14 Luis@94,34 Nadie@94,54]" {
		t.Errorf("labels %s", got)
	}
	if got := fmt.Sprint(ticks); got != "[0@100 5@150 10@200 15@250 20@300]" {
		t.Errorf("ticks %s", got)
	}
	// No rows: an empty plot with the zero tick, nothing divided by zero.
	e := b.HBars(nil)
	if len(e.Rects) != 0 || e.Height != 25 {
		t.Errorf("empty chart %+v", e)
	}
}

func TestHistogram(t *testing.T) {
	c := Columns{Width: 240, Height: 150, Left: 40, Top: 20, Bottom: 30, Gap: 10}
	// Four columns of 50 units; tallest 4 → scale 5 over 100 units: 20 a count.
	s := c.Histogram([]Bin{{"0–15", 4, ""}, {"15–64", 1, ""}, {"> 64", 0, ""}, {"sin", 2, "—"}}, []Marker{{0, "15 s"}, {1, "64 s"}, {9, "fuera"}}, "segundos")
	want := []Rect{
		{X: 45, Y: 40, W: 40, H: 80},
		{X: 95, Y: 100, W: 40, H: 20},
		{X: 195, Y: 80, W: 40, H: 40},
	}
	if fmt.Sprint(s.Rects) != fmt.Sprint(want) {
		t.Fatalf("rects\n got %v\nwant %v", s.Rects, want)
	}
	var values []string
	for _, x := range s.Texts {
		if x.Kind == "value" {
			values = append(values, x.S)
		}
	}
	// A bin with its own value text (a withheld count) shows it instead of
	// its count.
	if got := fmt.Sprint(values); got != "[4 1 0 —]" {
		t.Errorf("values %s", got)
	}
	var targets, labels []string
	for _, l := range s.Lines {
		if l.Kind == "target" {
			targets = append(targets, fmt.Sprintf("x=%v %v–%v", l.X1, l.Y1, l.Y2))
		}
	}
	for _, x := range s.Texts {
		switch x.Kind {
		case "target", "label", "tick":
			labels = append(labels, fmt.Sprintf("%s@%v,%v", x.S, x.X, x.Y))
		}
	}
	// The out-of-range marker is dropped; the two targets sit between bins
	// and their labels at alternating heights.
	if got := fmt.Sprint(targets); got != "[x=90 16–120 x=140 16–120]" {
		t.Errorf("targets %s", got)
	}
	if got := fmt.Sprint(labels); got != "[0@36,124 1@36,104 2@36,84 3@36,64 4@36,44 5@36,24 0–15@65,134 15–64@115,134 > 64@165,134 sin@215,134 segundos@140,148 15 s@90,12 64 s@140,25]" {
		t.Errorf("labels %s", got)
	}
}

func TestShort(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"Oaxaca", 15, "Oaxaca"},
		{"Secretaría de Seguridad", 10, "Secretarí…"},
		{"ꞌɨʉʼ-ñandú", 5, "ꞌɨʉʼ…"},
		{"abcde", 5, "abcde"},
	} {
		if got := Short(c.in, c.n); got != c.want {
			t.Errorf("Short(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestHBarsTarget(t *testing.T) {
	s := DefaultBars.HBarsTarget([]Row{{Label: "Ana", Values: []int{40}}, {Label: "Beto", Values: []int{12}}}, 155, "155")
	var target *Line
	for i, l := range s.Lines {
		if l.Kind == "target" {
			target = &s.Lines[i]
		}
	}
	if target == nil {
		t.Fatal("no target line")
	}
	// The scale runs to 200 (NiceMax of 155): the target at 155/200 of the plot.
	plot := DefaultBars.Width - DefaultBars.LabelWidth - DefaultBars.ValueWidth
	if want := round(DefaultBars.LabelWidth + 155*plot/200); target.X1 != want {
		t.Errorf("target at %v, want %v", target.X1, want)
	}
	if plain := DefaultBars.HBars([]Row{{Label: "Ana", Values: []int{40}}}); len(plain.Rects) != 1 {
		t.Errorf("HBars changed: %+v", plain)
	}
}

func TestFlow(t *testing.T) {
	pts := []FlowPoint{{"ene", 4, 2, 10}, {"feb", 0, 5, 5}, {"mar", 10, 0, 15}}
	s := DefaultFlow.Flow(pts, 2)
	if len(s.Rects) != 4 { // the zero columns are left out
		t.Fatalf("%d columns", len(s.Rects))
	}
	stock := 0
	labels := 0
	for _, l := range s.Lines {
		if l.Kind == "stock" {
			stock++
		}
	}
	for _, x := range s.Texts {
		if x.Kind == "label" {
			labels++
		}
	}
	if stock != 2 || labels != 2 {
		t.Errorf("%d stock segments, %d labels", stock, labels)
	}
	base := DefaultFlow.Height - DefaultFlow.Bottom
	for _, r := range s.Rects {
		if r.Y+r.H != base || r.X < DefaultFlow.Left || r.X+r.W > DefaultFlow.Width-DefaultFlow.Right {
			t.Errorf("column out of the plot: %+v", r)
		}
	}
	// The tallest column (10 of a scale to 10) fills the plot.
	if top := DefaultFlow.Top; s.Rects[3].Y != top {
		t.Errorf("tallest column from %v, want %v", s.Rects[3].Y, top)
	}
}

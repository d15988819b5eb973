package staff

import (
	"strings"
	"testing"

	"escudo/internal/chart"
	"escudo/internal/web"
)

// The chart's markup is written by hand, so every text in it must come out
// escaped: a person's name is a label of the workload chart.
func TestChartMarkupEscapesText(t *testing.T) {
	evil := `Ana <script>alert("x")</script> & "Luis"`
	c := web.SVGChart{ID: "chart-x", Class: "workload", Title: evil, Desc: evil, Legend: []web.LegendItem{{Series: 0, Label: evil}},
		SVG: chart.DefaultBars.HBars([]chart.Row{{Label: evil, Values: []int{2, 3}}})}
	got := string(c.Markup())
	if strings.Contains(got, "<script") || strings.Contains(got, `"x"`) || strings.Contains(got, `& "`) {
		t.Fatalf("unescaped text in the chart:\n%s", got)
	}
	for _, want := range []string{`role="img" aria-labelledby="chart-x-t chart-x-d"`, `<title id="chart-x-t">Ana &lt;script&gt;`, `<desc id="chart-x-d">`,
		`<rect class="s0" x="130" y="6" width="78.4" height="18"/>`, `&#34;Luis&#34;</text>`, `<ul class="legend workload" aria-hidden="true">`} {
		if !strings.Contains(got, want) {
			t.Errorf("markup lacks %s:\n%s", want, got)
		}
	}
}

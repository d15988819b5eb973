package staff

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"escudo/internal/chart"
	"escudo/internal/store"
	"escudo/internal/web"
)

type dashClock struct {
	ID                 int64
	Reference, Stage   string
	Clock, Due, DueISO string
	Left               string
	Overdue, Long      bool
}

type dashCase struct {
	ID                    int64
	Reference, Stage, Why string
	Received, ReceivedISO string
	Age                   string
}

type agingRow struct {
	Stage   string
	Buckets [store.AgingBuckets]int
	Total   int
}

type ackRow struct {
	Label          string
	Alerts, Drills int
}

type dashboardData struct {
	D                  *store.Dashboard
	Scoped             bool
	Entity             string
	Breaches, DueSoon  []dashClock
	Unassigned         []dashCase
	OldestWaiting      string
	Workload           web.SVGChart
	Aging              web.SVGChart
	AgingLabels        [store.AgingBuckets]string
	AgingRows          []agingRow
	AgingTotal         agingRow
	Ack                web.SVGChart
	AckRows            []ackRow
	AckP50, AckP90     string
	WithinAck          string // share within 15 s, "—" with none
	WithinDispatch     string
	DrillP50           string
	AckFrom, AckTo     string
	AckFromISO, AckISO string
}

// handleDashboard is the coordination's first page: what is late or about
// to be, urgent cases nobody holds, alerts waiting now, who carries how
// much work, how the backlog ages in each stage and how fast alerts are
// acknowledged. Every chart is drawn on the server and followed by its
// numbers in a table.
func (s *server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	f := store.DashboardFilter{}
	entity, scoped := web.ListEntity(r)
	if scoped {
		f.Entity = entity
	}
	dash, err := s.DB.Dashboard(r.Context(), f)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	d := &dashboardData{D: dash, Scoped: scoped}
	p := s.NewPage(r, "dash.title", d)
	if scoped {
		d.Entity = p.Entity(entity)
	}
	d.Breaches = dashClocks(p, dash.BreachedClocks)
	d.DueSoon = dashClocks(p, dash.DueSoonClocks)
	for _, c := range dash.UnassignedCases {
		why := "dash.why_extraordinary"
		if c.ImminentDanger {
			why = "dash.why_imminent"
		}
		d.Unassigned = append(d.Unassigned, dashCase{ID: c.CaseID, Reference: c.Reference, Stage: p.T("stage." + string(c.Stage)),
			Why: p.T(why), Received: p.Time(c.ReceivedAt), ReceivedISO: p.ISO(c.ReceivedAt), Age: p.Dur(p.Now.Sub(c.ReceivedAt))})
	}
	if dash.OldestWaiting != nil {
		d.OldestWaiting = waited(p, dash.At.Sub(*dash.OldestWaiting))
	}
	d.Workload = workloadChart(p, dash.Workload)
	d.Aging, d.AgingRows, d.AgingTotal = agingChart(p, dash.Aging)
	for i := range d.AgingLabels {
		d.AgingLabels[i] = p.T("dash.bucket." + strconv.Itoa(i))
	}
	d.Ack, d.AckRows = ackChart(p, dash)
	d.AckP50, d.AckP90 = seconds(p, dash.Ack.Stats.P50, dash.Ack.Stats.Count), seconds(p, dash.Ack.Stats.P90, dash.Ack.Stats.Count)
	d.WithinAck, d.WithinDispatch = percent(dash.Ack.WithinAck), percent(dash.Ack.WithinDispatch)
	d.DrillP50 = seconds(p, dash.AckDrills.Stats.P50, dash.AckDrills.Stats.Count)
	d.AckFrom, d.AckTo = p.Time(dash.AckFrom), p.Time(dash.AckTo)
	d.AckFromISO, d.AckISO = p.ISO(dash.AckFrom), p.ISO(dash.AckTo)
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "dashboard", p)
}

func dashClocks(p *web.Page, cs []store.DashboardClock) []dashClock {
	out := make([]dashClock, len(cs))
	for i, c := range cs {
		left := c.DueAt.Sub(p.Now)
		k := dashClock{ID: c.CaseID, Reference: c.Reference, Stage: p.T("stage." + string(c.Stage)), Clock: p.T("clock." + c.Rule),
			Due: p.Time(c.DueAt), DueISO: p.ISO(c.DueAt), Overdue: left < 0, Long: -left >= store.OverdueLongAfter}
		if k.Overdue {
			k.Left = p.T("clock.overdue_by", "D", p.Dur(left))
		} else {
			k.Left = p.T("clock.left", "D", p.Dur(left))
		}
		out[i] = k
	}
	return out
}

// waited writes a wait in seconds under two minutes, where they matter.
func waited(p *web.Page, d time.Duration) string {
	if d < 2*time.Minute {
		return p.T("dash.seconds", "N", int(d.Seconds()))
	}
	return p.Dur(d)
}

func seconds(p *web.Page, v float64, n int) string {
	if n == 0 {
		return "—"
	}
	return p.T("dash.seconds", "N", strconv.FormatFloat(v, 'f', -1, 64))
}

func percent(share float64) string {
	if share < 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f %%", share*100)
}

// workloadChart draws each assignee's open cases as a bar, the part with a
// breached clock first (hatched), the rest after.
func workloadChart(p *web.Page, loads []store.PersonLoad) web.SVGChart {
	rows := make([]chart.Row, len(loads))
	for i, l := range loads {
		rows[i] = chart.Row{Label: chart.Short(l.Name, 15), Values: []int{l.Overdue, l.Open - l.Overdue}}
	}
	c := web.SVGChart{ID: "chart-workload", Class: "workload", Title: p.T("dash.workload_title"), SVG: chart.DefaultBars.HBars(rows),
		Legend: []web.LegendItem{{Series: 0, Label: p.T("dash.workload_overdue")}, {Series: 1, Label: p.T("dash.workload_rest")}}}
	open, overdue := 0, 0
	for _, l := range loads {
		open, overdue = open+l.Open, overdue+l.Overdue
	}
	c.Desc = p.T("dash.workload_desc", "People", len(loads), "Open", open, "Overdue", overdue)
	return c
}

// agingChart draws one stacked bar per stage, its open cases split by the
// worst state of their running clocks.
func agingChart(p *web.Page, aging []store.StageAging) (web.SVGChart, []agingRow, agingRow) {
	var rows []chart.Row
	var table []agingRow
	total := agingRow{Stage: p.T("dash.total")}
	for _, a := range aging {
		st := p.T("stage." + string(a.Stage))
		rows = append(rows, chart.Row{Label: chart.Short(st, 15), Values: a.Buckets[:]})
		r := agingRow{Stage: st, Buckets: a.Buckets}
		for i, n := range a.Buckets {
			r.Total += n
			total.Buckets[i] += n
		}
		total.Total += r.Total
		table = append(table, r)
	}
	c := web.SVGChart{ID: "chart-aging", Class: "aging", Title: p.T("dash.aging_title"), SVG: chart.DefaultBars.HBars(rows)}
	for i := range store.AgingBuckets {
		c.Legend = append(c.Legend, web.LegendItem{Series: i, Label: p.T("dash.bucket." + strconv.Itoa(i))})
	}
	c.Desc = p.T("dash.aging_desc", "Open", total.Total, "OnTime", total.Buckets[store.AgingOnTime], "Soon", total.Buckets[store.AgingDueSoon],
		"Overdue", total.Buckets[store.AgingOverdue], "Long", total.Buckets[store.AgingOverdueLong])
	return c, table, total
}

// ackChart draws the histogram of acknowledgement times of the last 30
// days (drills and tests apart, in the table) with the two targets.
func ackChart(p *web.Page, d *store.Dashboard) (web.SVGChart, []ackRow) {
	var bins []chart.Bin
	var rows []ackRow
	// The columns are labelled in seconds alone, to fit a phone's width;
	// the table names each interval in words.
	for i, n := range d.Ack.Bins {
		bins = append(bins, chart.Bin{Label: ackBinLabel(i), Count: n})
		rows = append(rows, ackRow{Label: p.T("dash.ack_bin." + strconv.Itoa(i)), Alerts: n, Drills: d.AckDrills.Bins[i]})
	}
	rows = append(rows, ackRow{Label: p.T("dash.ack_never"), Alerts: d.Ack.Unacknowledged, Drills: d.AckDrills.Unacknowledged})
	// The targets end the third and the fifth bins (store.AckBins).
	markers := []chart.Marker{{After: 2, Label: p.T("dash.target_ack")}, {After: 4, Label: p.T("dash.target_dispatch")}}
	c := web.SVGChart{ID: "chart-ack", Class: "ack", Title: p.T("dash.ack_title"), SVG: chart.DefaultColumns.Histogram(bins, markers, p.T("dash.ack_axis")),
		Legend: []web.LegendItem{{Series: 0, Label: p.T("dash.ack_legend")}}}
	c.Desc = p.T("dash.ack_desc", "Alerts", d.Ack.Alerts, "Acked", d.Ack.Stats.Count, "Within", percent(d.Ack.WithinAck),
		"WithinDispatch", percent(d.Ack.WithinDispatch), "Never", d.Ack.Unacknowledged)
	return c, rows
}

// ackBinLabel is bin i of store.AckBins in seconds: "10–15", "> 300".
func ackBinLabel(i int) string {
	secs := func(d time.Duration) int { return int(d / time.Second) }
	switch {
	case i >= len(store.AckBins):
		return "> " + strconv.Itoa(secs(store.AckBins[len(store.AckBins)-1]))
	case i == 0:
		return "0–" + strconv.Itoa(secs(store.AckBins[0]))
	}
	return strconv.Itoa(secs(store.AckBins[i-1])) + "–" + strconv.Itoa(secs(store.AckBins[i]))
}

package interagency

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/chart"
	"escudo/internal/coordination"
	"escudo/internal/web"
)

// perfTable is one of the page's tables.
type perfTable struct {
	ID, Heading string
	Rows        []perfRow
}

// perfRow is one line of the performance table, in words.
type perfRow struct {
	Name                                         string
	Sent, Acknowledged, Completed, Overdue, Late int
	OnTime                                       string
	AckMedian, AckP90, DoneMedian, DoneP90       string
}

type perfData struct {
	From, To  string // the period, as the form's dates
	Days      int
	ByAgency  []perfRow
	ByEntity  []perfRow
	Tables    []perfTable
	Chart     web.SVGChart
	Total     perfRow
	CSVQuery  string
	Requested int
}

// period reads ?from=&to= (dates, the display zone); by default the last
// 90 days. The end is inclusive of its day.
func (s *server) period(r *http.Request) (time.Time, time.Time, string, string) {
	now := s.DB.Now().In(web.DisplayZone)
	day := func(q string) (time.Time, bool) {
		t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(r.URL.Query().Get(q)), web.DisplayZone)
		return t, err == nil && t.Year() >= 2000 && t.Year() <= 2200
	}
	to, ok := day("to")
	if !ok {
		to = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, web.DisplayZone)
	}
	from, ok := day("from")
	if !ok || !from.Before(to.AddDate(0, 0, 1)) {
		from = to.AddDate(0, 0, -89)
	}
	return from, to.AddDate(0, 0, 1), from.Format("2006-01-02"), to.Format("2006-01-02")
}

// tally reads the facts of the period and counts them per agency and per
// federal entity, the slowest first (most overdue, then the longest
// acknowledgement).
func (s *server) tally(r *http.Request, p *web.Page) (*perfData, error) {
	from, to, f, t := s.period(r)
	facts, err := s.DB.RequestFacts(r.Context(), from, to)
	if err != nil {
		return nil, err
	}
	agencies, err := s.DB.Agencies(r.Context())
	if err != nil {
		return nil, err
	}
	names := map[int64]escudo.Agency{}
	for _, a := range agencies {
		names[a.ID] = a
	}
	byAgency, byEntity := coordination.Tally(facts, s.DB.Now())
	order := func(a, b coordination.Performance) int {
		if a.Overdue != b.Overdue {
			return b.Overdue - a.Overdue
		}
		return int((b.AckMedian - a.AckMedian) / time.Second)
	}
	slices.SortStableFunc(byAgency, order)
	slices.SortStableFunc(byEntity, order)
	d := &perfData{From: f, To: t, Days: int(to.Sub(from).Hours()/24 + 0.5), Requested: len(facts), CSVQuery: "from=" + f + "&to=" + t}
	line := func(name string, x coordination.Performance) perfRow {
		return perfRow{Name: name, Sent: x.Sent, Acknowledged: x.Acknowledged, Completed: x.Completed, Overdue: x.Overdue, Late: x.Late,
			OnTime: fmt.Sprintf("%.0f %%", 100*x.OnTimeShare()), AckMedian: dur(p, x.AckMedian), AckP90: dur(p, x.AckP90),
			DoneMedian: dur(p, x.DoneMedian), DoneP90: dur(p, x.DoneP90)}
	}
	var rows []chart.Row
	for _, x := range byAgency {
		a := names[x.AgencyID]
		name := a.Name
		if a.Entity != "" && a.Level != escudo.AgencyFederal {
			name += " (" + p.Entity(a.Entity) + ")"
		}
		d.ByAgency = append(d.ByAgency, line(name, x))
		d.Total.Sent, d.Total.Acknowledged, d.Total.Completed = d.Total.Sent+x.Sent, d.Total.Acknowledged+x.Acknowledged, d.Total.Completed+x.Completed
		d.Total.Overdue, d.Total.Late = d.Total.Overdue+x.Overdue, d.Total.Late+x.Late
		if len(rows) < 15 {
			open := x.Sent - x.Completed - x.Overdue
			rows = append(rows, chart.Row{Label: chart.Short(a.Name, 18), Values: []int{x.Completed - x.Late, x.Late, open, x.Overdue}})
		}
	}
	for _, x := range byEntity {
		name := p.Entity(x.Entity)
		if x.Entity == "" {
			name = p.T("request.entity_none")
		}
		d.ByEntity = append(d.ByEntity, line(name, x))
	}
	d.Tables = []perfTable{{"perf-agencies", p.T("perf.by_agency"), d.ByAgency}, {"perf-entities", p.T("perf.by_entity"), d.ByEntity}}
	d.Chart = web.SVGChart{ID: "chart-agencies", Class: "agencies", Title: p.T("perf.chart_title"), SVG: chart.DefaultBars.HBars(rows),
		Legend: []web.LegendItem{{Series: 0, Label: p.T("perf.on_time")}, {Series: 1, Label: p.T("perf.late")},
			{Series: 2, Label: p.T("perf.open")}, {Series: 3, Label: p.T("perf.overdue")}}}
	d.Chart.Desc = p.T("perf.chart_desc", "Agencies", len(byAgency), "Sent", d.Total.Sent, "Overdue", d.Total.Overdue)
	return d, nil
}

// dur writes a time in hours or days, "—" for none.
func dur(p *web.Page, d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < 48*time.Hour:
		return p.T("perf.hours", "N", strconv.FormatFloat(d.Hours(), 'f', 1, 64))
	}
	return p.T("perf.days", "N", strconv.FormatFloat(d.Hours()/24, 'f', 1, 64))
}

func (s *server) handlePerformance(w http.ResponseWriter, r *http.Request) {
	p := s.NewPage(r, "perf.title", nil)
	d, err := s.tally(r, p)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	p.Data = d
	s.Render(w, r, http.StatusOK, "performance", p)
}

// handlePerformanceCSV writes both tables, agencies then entities, with
// the times in hours so a spreadsheet can compute with them.
func (s *server) handlePerformanceCSV(w http.ResponseWriter, r *http.Request) {
	p := s.NewPage(r, "perf.title", nil)
	from, to, f, t := s.period(r)
	facts, err := s.DB.RequestFacts(r.Context(), from, to)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	agencies, err := s.DB.Agencies(r.Context())
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, a := range agencies {
		names[a.ID] = a.Name
	}
	byAgency, byEntity := coordination.Tally(facts, s.DB.Now())
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="desempeno-dependencias-%s-%s.csv"`, f, t))
	cw := csv.NewWriter(w)
	hours := func(d time.Duration) string {
		if d <= 0 {
			return ""
		}
		return strconv.FormatFloat(d.Hours(), 'f', 2, 64)
	}
	head := []string{p.T("perf.csv_group"), p.T("perf.csv_name"), p.T("perf.col_sent"), p.T("perf.col_acknowledged"), p.T("perf.col_completed"),
		p.T("perf.col_overdue"), p.T("perf.col_late"), p.T("perf.csv_ack_median"), p.T("perf.csv_ack_p90"), p.T("perf.csv_done_median"), p.T("perf.csv_done_p90")}
	_ = cw.Write(head)
	put := func(group, name string, x coordination.Performance) {
		_ = cw.Write([]string{group, csvSafe(name), strconv.Itoa(x.Sent), strconv.Itoa(x.Acknowledged), strconv.Itoa(x.Completed), strconv.Itoa(x.Overdue),
			strconv.Itoa(x.Late), hours(x.AckMedian), hours(x.AckP90), hours(x.DoneMedian), hours(x.DoneP90)})
	}
	for _, x := range byAgency {
		put(p.T("perf.csv_agency"), names[x.AgencyID], x)
	}
	for _, x := range byEntity {
		put(p.T("perf.csv_entity"), p.Entity(x.Entity), x)
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from reading a name as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

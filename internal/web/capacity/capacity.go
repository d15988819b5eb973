// Package capacity serves the executive coordination's workload and
// capacity page (/workload, docs/workload.md): how many cases entered and
// left each stage of the procedure per week or month over the last twelve
// months, the open stock, each officer's load against a reference, and
// when each stage's stock clears at the current pace. Who may see it is
// the permission table's answer (workload.read).
package capacity

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/chart"
	"escudo/internal/web"
	"escudo/internal/workload"
)

// server is the capacity pages' handler set over the shared core.
type server struct{ *web.Core }

// Register mounts the workload page and its CSV.
func Register(c *web.Core) {
	s := &server{c}
	s.Handle("GET /workload", web.Access{Action: access.WorkloadRead}, s.handleWorkload)
	s.Handle("GET /workload.csv", web.Access{Action: access.WorkloadRead}, s.handleCSV)
}

// ForecastSeed fixes the resampling, so a page shows the same forecast for
// the same history.
const ForecastSeed = 2019

// figures is everything the page and the CSV show, counted once.
type figures struct {
	period    workload.Period
	stage     escudo.Stage
	reference int
	now       time.Time
	flows     []workload.StageFlow
	forecasts map[escudo.Stage]workload.Forecast
	loads     []workload.RoleLoad
}

// read checks the query and counts the figures; a bad parameter is a 400
// with a translated message.
func (s *server) read(w http.ResponseWriter, r *http.Request) (*figures, bool) {
	q := web.NewQuery(r.URL.Query(), "period", "stage", "reference")
	var stages []string
	for _, st := range workload.Stages {
		stages = append(stages, string(st))
	}
	f := &figures{}
	per := q.Choice("period", string(workload.Month), string(workload.Week), string(workload.Month))
	f.period, _ = workload.ParsePeriod(per)
	f.stage = escudo.Stage(q.Choice("stage", string(escudo.StageEvaluation), stages...))
	f.reference = q.Int("reference", workload.DefaultReference, 1, workload.MaxReference)
	if q.Err() != nil {
		s.RenderError(w, r, http.StatusBadRequest, "workload.bad_filter")
		return nil, false
	}
	f.now = s.DB.Now()
	// The earliest instant counted: the first period shown, or the first
	// recent week of the forecast if that is earlier.
	since := workload.Bounds(f.period, f.period.Span(), f.now, web.DisplayZone)[0]
	if wk := workload.Bounds(workload.Week, workload.RecentWeeks+1, f.now, web.DisplayZone)[0]; wk.Before(since) {
		since = wk
	}
	data, err := s.DB.WorkloadHistory(r.Context(), since, false)
	if err != nil {
		s.ErrorPage(w, r, err)
		return nil, false
	}
	f.flows = workload.Flows(data.Intervals, f.period, f.now, web.DisplayZone)
	f.forecasts = map[escudo.Stage]workload.Forecast{}
	for i, fl := range f.flows {
		arr, comp := workload.Recent(data.Intervals, fl.Stage, workload.RecentWeeks, f.now, web.DisplayZone)
		f.forecasts[fl.Stage] = workload.Project(workload.ForecastInput{Open: fl.Open, Arrivals: arr, Completions: comp,
			Now: f.now, Seed: ForecastSeed + uint64(i)})
	}
	f.loads = workload.Loads(data.Officers, f.reference)
	return f, true
}

type stageRow struct {
	Stage, Href           string
	Current               bool
	Open, In, Out         int
	Net                   string
	Verdict, Median, Band string
	Clears                bool
}

type periodRow struct {
	Label          string
	In, Out, Stock int
}

type officerRow struct {
	Name          string
	Cases, People int
	Over          bool
}

type roleSection struct {
	ID, Role      string
	Cases, People int
	Median        string
	Highest       int
	AtOrOver      int
	Officers      []officerRow
	Chart         web.SVGChart
}

type pageData struct {
	Period, Stage, StageName  string
	Reference                 int
	Weeks                     int
	Stages                    []stageRow
	Periods                   []periodRow
	Flow                      web.SVGChart
	Roles                     []roleSection
	CSVURL, WeekURL, MonthURL string
	PeriodOptions             []option
	StageOptions              []option
}

type option struct {
	Value, Label string
	Selected     bool
}

func (s *server) handleWorkload(w http.ResponseWriter, r *http.Request) {
	f, ok := s.read(w, r)
	if !ok {
		return
	}
	d := &pageData{Period: string(f.period), Stage: string(f.stage), Reference: f.reference, Weeks: workload.RecentWeeks}
	p := s.NewPage(r, "workload.title", d)
	d.StageName = p.T("stage." + string(f.stage))
	link := func(period workload.Period, stage escudo.Stage) string {
		v := "/workload?period=" + string(period) + "&stage=" + string(stage)
		if f.reference != workload.DefaultReference {
			v += "&reference=" + strconv.Itoa(f.reference)
		}
		return v
	}
	d.CSVURL = strings.Replace(link(f.period, f.stage), "/workload?", "/workload.csv?", 1)
	d.WeekURL, d.MonthURL = link(workload.Week, f.stage), link(workload.Month, f.stage)
	for _, per := range []workload.Period{workload.Month, workload.Week} {
		d.PeriodOptions = append(d.PeriodOptions, option{string(per), p.T("workload.period_" + string(per)), per == f.period})
	}
	for _, fl := range f.flows {
		fc := f.forecasts[fl.Stage]
		row := stageRow{Stage: p.T("stage." + string(fl.Stage)), Href: link(f.period, fl.Stage), Current: fl.Stage == f.stage,
			Open: fl.Open, In: fl.Arrivals, Out: fl.Completions, Net: strconv.FormatFloat(fc.NetWeek, 'f', 1, 64), Clears: fc.Clears}
		row.Verdict, row.Median, row.Band = verdict(p, fc)
		d.Stages = append(d.Stages, row)
		d.StageOptions = append(d.StageOptions, option{string(fl.Stage), row.Stage, row.Current})
		if fl.Stage != f.stage {
			continue
		}
		var pts []chart.FlowPoint
		for _, b := range fl.Buckets {
			label := periodLabel(f.period, b.From)
			d.Periods = append(d.Periods, periodRow{Label: periodName(p, f.period, b), In: b.Arrivals, Out: b.Completions, Stock: b.Stock})
			pts = append(pts, chart.FlowPoint{Label: label, In: b.Arrivals, Out: b.Completions, Stock: b.Stock})
		}
		every := 2
		if f.period == workload.Week {
			every = 8
		}
		d.Flow = web.SVGChart{ID: "chart-flow", Class: "flow", Title: p.T("workload.flow_title", "Stage", row.Stage),
			SVG:    chart.DefaultFlow.Flow(pts, every),
			Legend: []web.LegendItem{{Series: 0, Label: p.T("workload.col_in")}, {Series: 1, Label: p.T("workload.col_out")}, {Series: 2, Label: p.T("workload.stock_line")}},
			Desc:   p.T("workload.flow_desc", "Stage", row.Stage, "In", fl.Arrivals, "Out", fl.Completions, "Start", fl.StockAtStart, "Open", fl.Open)}
	}
	for _, l := range f.loads {
		sec := roleSection{ID: "load-" + strconv.Itoa(len(d.Roles)+1), Role: p.T("role." + string(l.Role)), Cases: l.Cases, People: l.People,
			Median: strconv.FormatFloat(l.Median, 'f', -1, 64), Highest: l.Highest, AtOrOver: l.AtOrOver}
		var bars []chart.Row
		for _, o := range l.Officers {
			sec.Officers = append(sec.Officers, officerRow{Name: o.Name, Cases: o.Cases, People: o.People, Over: o.Cases >= f.reference})
			if len(bars) < 20 {
				bars = append(bars, chart.Row{Label: chart.Short(o.Name, 18), Values: []int{o.Cases}})
			}
		}
		sec.Chart = web.SVGChart{ID: "chart-" + sec.ID, Class: "load", Title: p.T("workload.load_title", "Role", sec.Role),
			SVG:    chart.DefaultBars.HBarsTarget(bars, f.reference, strconv.Itoa(f.reference)),
			Legend: []web.LegendItem{{Series: 0, Label: p.T("workload.col_cases")}},
			Desc: p.T("workload.load_desc", "Role", sec.Role, "Officers", len(l.Officers), "Median", sec.Median, "Highest", l.Highest,
				"Reference", f.reference, "Over", l.AtOrOver)}
		d.Roles = append(d.Roles, sec)
	}
	s.Render(w, r, http.StatusOK, "workload", p)
}

// verdict words a forecast: whether the stock clears, its median date and
// its 80% interval.
func verdict(p *web.Page, fc workload.Forecast) (string, string, string) {
	switch {
	case fc.Empty:
		return p.T("workload.nothing_open"), "", ""
	case !fc.Clears:
		return p.T("workload.does_not_clear"), "", ""
	}
	date := func(q int) string {
		if fc.Beyond[q] {
			return p.T("workload.beyond", "Years", fc.Horizon/52)
		}
		return p.Date(fc.Dates[q])
	}
	return p.T("workload.clears"), date(workload.Median), p.T("workload.band", "Low", date(workload.Low), "High", date(workload.High))
}

// periodLabel is a period's short label under the chart: the month as
// MM/YY, or the week's Monday as DD/MM.
func periodLabel(per workload.Period, from time.Time) string {
	t := from.In(web.DisplayZone)
	if per == workload.Week {
		return t.Format("02/01")
	}
	return t.Format("01/06")
}

// periodName names a period in the table: the month, or the week's first
// and last day.
func periodName(p *web.Page, per workload.Period, b workload.Bucket) string {
	if per == workload.Week {
		return p.T("workload.week_of", "From", p.Date(b.From), "To", p.Date(b.To.AddDate(0, 0, -1)))
	}
	return b.From.In(web.DisplayZone).Format("2006-01")
}

// handleCSV writes the same figures: one line per stage and period, then
// one per officer, then one per stage's forecast. Names that would start a
// spreadsheet formula are quoted.
func (s *server) handleCSV(w http.ResponseWriter, r *http.Request) {
	f, ok := s.read(w, r)
	if !ok {
		return
	}
	p := s.NewPage(r, "workload.title", nil)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="carga-de-trabajo-`+string(f.period)+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{p.T("workload.csv_section"), p.T("workload.csv_name"), p.T("workload.csv_period"),
		p.T("workload.col_in"), p.T("workload.col_out"), p.T("workload.csv_count"), p.T("workload.col_people")})
	for _, fl := range f.flows {
		for _, b := range fl.Buckets {
			_ = cw.Write([]string{p.T("workload.csv_flow"), p.T("stage." + string(fl.Stage)), periodName(p, f.period, b),
				strconv.Itoa(b.Arrivals), strconv.Itoa(b.Completions), strconv.Itoa(b.Stock), ""})
		}
	}
	for _, l := range f.loads {
		for _, o := range l.Officers {
			_ = cw.Write([]string{p.T("workload.csv_load") + " · " + p.T("role."+string(l.Role)), csvSafe(o.Name), "", "", "", strconv.Itoa(o.Cases), strconv.Itoa(o.People)})
		}
	}
	_ = cw.Write([]string{p.T("workload.csv_section"), p.T("workload.csv_name"), p.T("workload.col_verdict"), p.T("workload.col_median"), p.T("workload.col_band"), p.T("workload.col_open"), ""})
	for _, fl := range f.flows {
		v, m, b := verdict(p, f.forecasts[fl.Stage])
		_ = cw.Write([]string{p.T("workload.csv_forecast"), p.T("stage." + string(fl.Stage)), v, m, b, strconv.Itoa(fl.Open), ""})
	}
	cw.Flush()
}

func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

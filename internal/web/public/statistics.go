package public

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"escudo"
	"escudo/internal/chart"
	"escudo/internal/disclosure"
	"escudo/internal/report"
	"escudo/internal/store"
	"escudo/internal/web"
)

// The public statistics (issue 17; docs/statistics.md): the monthly table
// of requests for protection by federal entity and procedure, as
// disclosure control released it. The pages and files show a release's
// published counts and each withheld cell's flag, never anything else: a
// withheld cell's count is not in the release at all.

var periodPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// chartMonths is how many of the latest months the chart shows.
const chartMonths = 12

type statsData struct {
	Period    string // label of the month shown
	PeriodISO string
	Published string // when the release was published
	Procs     []string
	Rows      []statsRow
	Total     statsRow
	Periods   []web.Choice // every month published, newest first
	Selected  string
	Chart     *web.SVGChart
	CSV, JSON string // download links of the month shown
	Reports   []reportLink
	Coarsened bool         // the month is published by region
	Stocks    []stockGroup // the month's stocks at its close
}

type statsRow struct {
	Name  string
	Cells []statsCell // one per procedure, then the row's total
}

type statsCell struct {
	Label   string // the column's heading, for the phone layout
	Value   string
	Primary bool // withheld: fewer than 10
	Hidden  bool // withheld so that no small count can be worked out
}

// release returns the release the request asks for: ?periodo=YYYY-MM, or
// the latest. A malformed period is a 400, an unpublished one a 404.
func (s *server) release(r *http.Request, all []store.StatRelease) (store.StatRelease, int, string) {
	p := r.URL.Query().Get("periodo")
	if p == "" {
		if len(all) == 0 {
			return store.StatRelease{}, 0, ""
		}
		return all[len(all)-1], 0, ""
	}
	if !periodPattern.MatchString(p) {
		return store.StatRelease{}, http.StatusBadRequest, "stats.bad_period"
	}
	for _, rel := range all {
		if rel.Period == p {
			return rel, 0, ""
		}
	}
	return store.StatRelease{}, http.StatusNotFound, "stats.release_not_found"
}

func (s *server) handleStatistics(w http.ResponseWriter, r *http.Request) {
	all, err := s.DB.StatReleases(r.Context(), store.SeriesRequests)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	rel, status, key := s.release(r, all)
	if status != 0 {
		s.RenderError(w, r, status, key)
		return
	}
	p := s.publicPage(r, "stats.title", nil)
	d := &statsData{}
	p.Data = d
	if rel.Name != "" {
		s.fillStatistics(p, d, rel, all)
		d.Stocks = s.stocks(r.Context(), p, rel.Period)
		if d.Reports, err = s.reportLinks(r, p); err != nil {
			s.ServerError(w, r, err)
			return
		}
	}
	s.Render(w, r, http.StatusOK, "statistics", p)
}

// monthName is "octubre de 2026" in the reader's language, named as the
// reports name it.
func monthName(p *web.Page, period string) string {
	per, err := store.ParseStatPeriod(period)
	if err != nil {
		return period
	}
	return report.PeriodName(p.T, per)
}

func (s *server) fillStatistics(p *web.Page, d *statsData, rel store.StatRelease, all []store.StatRelease) {
	d.Period, d.PeriodISO, d.Selected = monthName(p, rel.Period), rel.Period, rel.Period
	d.Published = p.Date(rel.PublishedAt)
	procs := []string{string(escudo.ProcedureOrdinary), string(escudo.ProcedureExtraordinary), disclosure.TotalLabel}
	for _, pr := range procs[:2] {
		d.Procs = append(d.Procs, p.T("procedure."+pr))
	}
	labels := append(append([]string(nil), d.Procs...), p.T("stats.total"))
	row := func(name, entity string) statsRow {
		out := statsRow{Name: name}
		for i, pr := range procs {
			c := shownCell(rel, entity, pr)
			c.Label = labels[i]
			out.Cells = append(out.Cells, c)
		}
		return out
	}
	if d.Coarsened = rel.Coarsened; rel.Coarsened {
		m, l := s.DB.Regions(), p.L
		for _, code := range m.Order {
			d.Rows = append(d.Rows, row(report.RegionName(l, m, code), code))
		}
	} else {
		for _, e := range escudo.FederalEntities {
			d.Rows = append(d.Rows, row(e.Name, e.Code))
		}
		d.Rows = append(d.Rows, row(p.T("stats.entity_unknown"), "ND"))
	}
	d.Total = row(p.T("stats.national"), disclosure.TotalLabel)
	for i := len(all) - 1; i >= 0; i-- {
		d.Periods = append(d.Periods, web.Choice{Value: all[i].Period, Label: monthName(p, all[i].Period)})
	}
	d.CSV = "/estadisticas/datos?periodo=" + rel.Period + "&formato=csv"
	d.JSON = "/estadisticas/datos?periodo=" + rel.Period + "&formato=json"
	d.Chart = nationalChart(p, all)
}

// shownCell is one cell as the page shows it.
func shownCell(rel store.StatRelease, entity, proc string) statsCell {
	c, ok := rel.Cell(entity, proc)
	switch {
	case !ok:
		return statsCell{Hidden: true}
	case c.Published():
		return statsCell{Value: strconv.FormatInt(c.Value, 10)}
	case c.Status == disclosure.Primary.String():
		return statsCell{Primary: true}
	default:
		return statsCell{Hidden: true}
	}
}

// nationalChart draws the national total of requests of the latest
// months; a month whose total was withheld has no column and says so in
// the description.
func nationalChart(p *web.Page, all []store.StatRelease) *web.SVGChart {
	from := max(0, len(all)-chartMonths)
	var bins []chart.Bin
	withheld := 0
	for _, rel := range all[from:] {
		t, _ := time.Parse("2006-01", rel.Period)
		label := p.T("stats.month_short." + t.Format("01"))
		c, ok := rel.Cell(disclosure.TotalLabel, disclosure.TotalLabel)
		if !ok || !c.Published() {
			withheld++
			// A withheld total is no column and no zero: the dash the
			// tables use for a figure not published.
			bins = append(bins, chart.Bin{Label: label, Shown: "—"})
			continue
		}
		bins = append(bins, chart.Bin{Label: label, Count: int(c.Value)})
	}
	c := web.SVGChart{ID: "chart-requests", Class: "requests", Title: p.T("stats.chart_title"),
		SVG: chart.DefaultColumns.Histogram(bins, nil, p.T("stats.chart_axis"))}
	c.Desc = p.T("stats.chart_desc", "Months", len(bins), "Withheld", withheld)
	return &c
}

// handleStatisticsData serves a month's release as CSV or JSON: every
// cell with its flag, and its count only when published.
func (s *server) handleStatisticsData(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := q.Get("formato")
	if format != "csv" && format != "json" {
		s.RenderError(w, r, http.StatusBadRequest, "stats.bad_format")
		return
	}
	if !periodPattern.MatchString(q.Get("periodo")) {
		s.RenderError(w, r, http.StatusBadRequest, "stats.bad_period")
		return
	}
	// One month's file reads that release alone (ENOTFOUND, a 404, when
	// the month is not published).
	rel, err := s.DB.StatRelease(r.Context(), store.SeriesRequests+"/"+q.Get("periodo"))
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	file := "solicitudes-" + rel.Period + "." + format
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	w.Header().Set("Cache-Control", "no-cache")
	if format == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(openData(rel))
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	geo := "entidad"
	if rel.Coarsened {
		geo = "region"
	}
	_ = cw.Write([]string{"periodo", geo, "procedimiento", "solicitudes", "estado"})
	for _, c := range openData(rel).Cells {
		v := ""
		if c.Count != nil {
			v = strconv.FormatInt(*c.Count, 10)
		}
		_ = cw.Write([]string{rel.Period, c.Entity, c.Procedure, v, c.Flag})
	}
	cw.Flush()
}

// openCell is one cell of the open-data files. Entity and procedure are
// the codes of the file's dictionary (INEGI abbreviations, "ND" for no
// entity recorded, "Total" for a margin); Count is absent unless Flag is
// "published".
type openCell struct {
	Entity    string `json:"entity"` // a region's code when the file is coarsened
	Procedure string `json:"procedure"`
	Count     *int64 `json:"count,omitempty"`
	Flag      string `json:"flag"` // published | primary (1 to 9) | secondary (withheld so no small count can be derived)
}

type openFile struct {
	Series    string     `json:"series"`
	Period    string     `json:"period"`
	Published string     `json:"published"`
	Coarsened bool       `json:"coarsened,omitempty"` // by region: entity holds the region's code
	Cells     []openCell `json:"cells"`
}

func openData(rel store.StatRelease) openFile {
	f := openFile{Series: rel.Series, Period: rel.Period, Published: rel.PublishedAt.UTC().Format(time.RFC3339), Coarsened: rel.Coarsened}
	for _, c := range rel.Cells {
		if len(c.Labels) != 2 {
			continue
		}
		oc := openCell{Entity: c.Labels[0], Procedure: c.Labels[1], Flag: c.Status}
		if c.Published() {
			v := c.Value
			oc.Count = &v
		}
		f.Cells = append(f.Cells, oc)
	}
	return f
}

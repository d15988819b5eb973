// Package report builds the Mechanism's statistical reports (issue 17;
// docs/reports.md): the monthly statistical report, the quarterly report
// for oversight bodies and the annual report, from the releases the statistics.publish sweep has
// published under disclosure control, never from the cases themselves. It
// can therefore show nothing that was not published: a withheld cell stays
// "< 10" or "—", a time over fewer than 10 records stays unpublished. The
// same Report is written as HTML with SVG charts, a byte-reproducible PDF,
// CSV and JSON.
package report

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/disclosure"
	"escudo/internal/i18n"
	"escudo/internal/regions"
	"escudo/internal/store"
)

// Kinds of report.
const (
	Monthly   = "monthly"
	Quarterly = "quarterly"
	Yearly    = "yearly"
)

// grains are the releases' grain of each kind.
var grains = map[string]string{Monthly: store.GrainMonth, Quarterly: store.GrainQuarter, Yearly: store.GrainYear}

// Formats a report is written in.
var Formats = []string{"html", "pdf", "csv", "json"}

// Source is where the releases are read (the store).
type Source interface {
	StatRelease(ctx context.Context, name string) (store.StatRelease, error)
}

// Flags of a cell, as in the open-data files.
const (
	FlagPublished = "published"
	FlagPrimary   = "primary"
	FlagSecondary = "secondary"
)

// Cell is one figure of a table.
type Cell struct {
	Codes []string `json:"codes"` // category codes, one per dimension ("Total" for a margin)
	Flag  string   `json:"flag"`
	Value int64    `json:"value,omitempty"`
}

// Published reports whether the count is shown.
func (c Cell) Published() bool { return c.Flag == FlagPublished }

// Row is a table row as shown.
type Row struct {
	Label string
	Total bool
	Cells []Cell
}

// Table is one published table of the report.
type Table struct {
	Series     string   `json:"series"`
	Title      string   `json:"title"`
	Note       string   `json:"note,omitempty"`
	Dimensions []string `json:"dimensions"`
	Coarsened  bool     `json:"coarsened,omitempty"` // by region: by entity most cells would be withheld
	Cells      []Cell   `json:"cells"`
	RowHead    string   `json:"-"`
	Columns    []string `json:"-"` // headings of the value columns
	Rows       []Row    `json:"-"`
	Chart      *Chart   `json:"-"`
}

// Figure is one time indicator.
type Figure struct {
	Key       string  `json:"key"`
	Label     string  `json:"label"`
	Unit      string  `json:"unit"`
	Published bool    `json:"published"`
	Mean      float64 `json:"mean,omitempty"`
	P50       float64 `json:"median,omitempty"`
	P90       float64 `json:"p90,omitempty"`
}

// Report is a built report in one language.
type Report struct {
	Kind        string    `json:"kind"`
	Period      string    `json:"period"`
	Lang        string    `json:"language"`
	Title       string    `json:"title"`
	PeriodLabel string    `json:"period_label"`
	Published   time.Time `json:"published"` // the newest of its releases
	Tables      []Table   `json:"tables"`
	Times       []Figure  `json:"times"`
	t           *i18n.Localizer
	regions     regions.Map
}

// T translates for the report's language.
func (r *Report) T(key string, args ...any) string {
	if len(args) == 0 {
		return r.t.T(key)
	}
	m := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		m[fmt.Sprint(args[i])] = args[i+1]
	}
	return r.t.T(key, m)
}

// series is what the report shows of each published table.
type series struct {
	name, title, note string
	chart             bool
}

var tables = []series{
	{name: "requests", title: "report.t.requests", chart: true},
	{name: "decisions", title: "report.t.decisions"},
	{name: "beneficiaries.gender", title: "report.t.beneficiaries_gender", note: "report.n.beneficiaries"},
	{name: "beneficiaries.ethnicity", title: "report.t.beneficiaries_ethnicity", note: "report.n.ethnicity", chart: true},
	{name: "beneficiaries.entity", title: "report.t.beneficiaries_entity", chart: true},
	{name: "measures.granted", title: "report.t.measures", chart: true},
	{name: "alerts", title: "report.t.alerts", note: "report.n.alerts"},
	{name: "incidents", title: "report.t.incidents", note: "report.n.incidents"},
	{name: "incidents.killings", title: "report.t.killings"},
	{name: "measures.status", title: "report.t.measures_status", note: "report.n.measures_status", chart: true},
	{name: "investigations.open", title: "report.t.investigations_open", note: "report.n.investigations_open", chart: true},
}

var timeKeys = []string{"first_response", "evaluation", "measures", "implementation", "alert_ack"}

// CheckRequest validates a kind, a period and a format: a field error
// with a translation key otherwise.
func CheckRequest(kind, period, format string) (store.StatPeriod, error) {
	if _, ok := grains[kind]; !ok {
		return store.StatPeriod{}, escudo.FieldError("kind", "report.bad_kind", nil)
	}
	if format != "" && !contains(Formats, format) {
		return store.StatPeriod{}, escudo.FieldError("format", "report.bad_format", nil)
	}
	p, err := store.ParseStatPeriod(period)
	if err != nil || p.Grain != grains[kind] {
		return p, escudo.FieldError("period", "report.period_kind."+kind, nil)
	}
	return p, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Build reads the period's releases and lays out the report in lang.
// progress, when set, is told after each release read. A period not
// published yet is ENOTFOUND report.not_published.
func Build(ctx context.Context, src Source, b *i18n.Bundle, lang, kind, period string, progress func(done, total int)) (*Report, error) {
	p, err := CheckRequest(kind, period, "")
	if err != nil {
		return nil, err
	}
	r := &Report{Kind: kind, Period: p.Name, Lang: lang, t: b.Localizer(lang), regions: regions.Default()}
	if rs, ok := src.(interface{ Regions() regions.Map }); ok {
		r.regions = rs.Regions()
	}
	r.Title = r.T("report.title." + kind)
	r.PeriodLabel = PeriodName(r.T, p)
	total := len(tables) + 1
	for i, s := range tables {
		rel, err := src.StatRelease(ctx, s.name+"."+p.Grain+"/"+p.Name)
		if escudo.ErrorCode(err) == escudo.ENOTFOUND {
			return nil, escudo.Errorf(escudo.ENOTFOUND, "report.not_published")
		}
		if err != nil {
			return nil, err
		}
		r.Tables = append(r.Tables, r.table(s, rel))
		if rel.PublishedAt.After(r.Published) {
			r.Published = rel.PublishedAt
		}
		if progress != nil {
			progress(i+1, total)
		}
	}
	rel, err := src.StatRelease(ctx, store.SeriesTimes+"."+p.Grain+"/"+p.Name)
	if escudo.ErrorCode(err) == escudo.ENOTFOUND {
		return nil, escudo.Errorf(escudo.ENOTFOUND, "report.not_published")
	}
	if err != nil {
		return nil, err
	}
	byKey := map[string]store.StatFigure{}
	for _, f := range rel.Figures {
		byKey[f.Key] = f
	}
	for _, k := range timeKeys {
		f := byKey[k]
		fig := Figure{Key: k, Label: r.T("report.time." + k), Unit: f.Unit, Published: f.Published}
		if f.Unit == "" {
			fig.Unit = "days"
		}
		if f.Published {
			fig.Mean, fig.P50, fig.P90 = f.Mean, f.P50, f.P90
		}
		r.Times = append(r.Times, fig)
	}
	if progress != nil {
		progress(total, total)
	}
	return r, nil
}

// PeriodName is a month's, a quarter's or a year's name through a
// translator T ("tercer trimestre de 2026", "octubre de 2026", "2026").
func PeriodName(T func(string, ...any) string, p store.StatPeriod) string {
	if p.Grain == store.GrainYear {
		return T("report.year", "Year", p.Name)
	}
	if p.Grain == store.GrainQuarter {
		return T("report.quarter."+p.Name[6:], "Year", p.Name[:4])
	}
	return T("stats.month."+p.Name[5:], "Year", p.Name[:4])
}

// Label is the reader's name of a category of a dimension.
func (r *Report) Label(dim, code string) string {
	if code == disclosure.TotalLabel {
		return r.T("stats.total")
	}
	switch dim {
	case "entity":
		if code == "ND" {
			return r.T("stats.entity_unknown")
		}
		for _, e := range escudo.FederalEntities {
			if e.Code == code {
				return e.Name
			}
		}
	case "region":
		return RegionName(r.t, r.regions, code)
	case "procedure":
		return r.T("procedure." + code)
	case "kind":
		if code != "other" {
			return r.T("measures.kind." + code)
		}
	}
	return r.T("report.cat." + dim + "." + code)
}

func flagOf(status string) string {
	switch status {
	case disclosure.Published.String():
		return FlagPublished
	case disclosure.Primary.String():
		return FlagPrimary
	}
	return FlagSecondary
}

// table lays out a release: the first dimension's categories as rows (the
// margin last), the second's as columns; a one-way table has one column.
func (r *Report) table(s series, rel store.StatRelease) Table {
	t := Table{Series: s.name, Title: r.T(s.title), Dimensions: rel.Dimensions, Coarsened: rel.Coarsened}
	if s.note != "" {
		t.Note = r.T(s.note)
	}
	if rel.Coarsened {
		t.Dimensions = coarsenedDims(rel.Dimensions)
		t.Note = strings.TrimSpace(t.Note + " " + r.T("report.n.coarsened"))
		rel.Dimensions = t.Dimensions
	}
	cells := map[string]Cell{}
	var rowCodes, colCodes []string
	seenRow, seenCol := map[string]bool{}, map[string]bool{}
	for _, c := range rel.Cells {
		cell := Cell{Codes: c.Labels, Flag: flagOf(c.Status)}
		if cell.Published() {
			cell.Value = c.Value
		}
		t.Cells = append(t.Cells, cell)
		cells[strings.Join(c.Labels, "\x1f")] = cell
		if len(c.Labels) > 0 && !seenRow[c.Labels[0]] {
			seenRow[c.Labels[0]] = true
			rowCodes = append(rowCodes, c.Labels[0])
		}
		if len(c.Labels) > 1 && !seenCol[c.Labels[1]] {
			seenCol[c.Labels[1]] = true
			colCodes = append(colCodes, c.Labels[1])
		}
	}
	rowCodes, colCodes = totalLast(rowCodes), totalLast(colCodes)
	if rel.Coarsened {
		rowCodes = inOrder(rowCodes, r.regions.Order)
	}
	if len(rel.Dimensions) == 0 {
		return t
	}
	t.RowHead = r.T("report.dim." + rel.Dimensions[0])
	if len(colCodes) == 0 {
		t.Columns = []string{r.T("report.count")}
	}
	for _, c := range colCodes {
		t.Columns = append(t.Columns, r.Label(rel.Dimensions[1], c))
	}
	var bars []barRow
	for _, rc := range rowCodes {
		row := Row{Label: r.Label(rel.Dimensions[0], rc), Total: rc == disclosure.TotalLabel}
		if len(colCodes) == 0 {
			row.Cells = []Cell{cells[rc]}
		}
		for _, cc := range colCodes {
			row.Cells = append(row.Cells, cells[rc+"\x1f"+cc])
		}
		t.Rows = append(t.Rows, row)
		if !row.Total {
			last := row.Cells[len(row.Cells)-1]
			bars = append(bars, barRow{label: row.Label, cell: last})
		}
	}
	if s.chart {
		t.Chart = r.barChart(s.name, t.Title, bars)
	}
	return t
}

func totalLast(codes []string) []string {
	var out []string
	has := false
	for _, c := range codes {
		if c == disclosure.TotalLabel {
			has = true
			continue
		}
		out = append(out, c)
	}
	if has {
		out = append(out, disclosure.TotalLabel)
	}
	return out
}

// Text is a cell as a reader sees it.
func (r *Report) Text(c Cell) string {
	switch c.Flag {
	case FlagPublished:
		return strconv.FormatInt(c.Value, 10)
	case FlagPrimary:
		return r.T("stats.mark_primary")
	}
	return r.T("stats.mark_hidden")
}

// Number writes a time with one decimal in the report's language.
func (r *Report) Number(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if r.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// FigureText is a time indicator's mean, median and 90th percentile as a
// sentence, or why it is not published.
func (r *Report) FigureText(f Figure) string {
	if !f.Published {
		return r.T("report.time_withheld")
	}
	return r.T("report.time_value."+f.Unit, "Mean", r.Number(f.Mean), "P50", r.Number(f.P50), "P90", r.Number(f.P90))
}

// Message is err in the reader's words, for a command's output: the
// translation of an escudo error, the error itself otherwise.
func Message(b *i18n.Bundle, lang string, err error) string {
	var e *escudo.Error
	if errors.As(err, &e) && e.Key != "" {
		return b.Localizer(lang).T(e.Key)
	}
	return err.Error()
}

// coarsenedDims names the entity dimension of a table published by region
// "region", in the files as on the page.
func coarsenedDims(dims []string) []string {
	out := append([]string(nil), dims...)
	for i, d := range out {
		if d == "entity" {
			out[i] = "region"
		}
	}
	return out
}

// RegionName is a region as readers know it: its translation (the default
// regions), the name its configuration gave it, or its code; "no entity
// recorded" for regions.Unknown.
func RegionName(l *i18n.Localizer, m regions.Map, code string) string {
	switch {
	case code == disclosure.TotalLabel:
		return l.T("stats.total")
	case code == regions.Unknown:
		return l.T("stats.entity_unknown")
	case m.Names[code] != "":
		return m.Names[code]
	case l.Has("report.region." + code):
		return l.T("report.region." + code)
	}
	return code
}

// inOrder puts the codes named in order first, in that order, then the
// others as they came (the margin last).
func inOrder(codes, order []string) []string {
	var out []string
	has := map[string]bool{}
	for _, c := range codes {
		has[c] = true
	}
	for _, o := range order {
		if has[o] {
			out = append(out, o)
			delete(has, o)
		}
	}
	for _, c := range codes {
		if has[c] {
			out = append(out, c)
		}
	}
	return totalLast(out)
}

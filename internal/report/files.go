package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
)

// jsonReport is the JSON file: each table's cells with their codes and
// flags (a count only when published), and the times.
type jsonReport struct {
	Kind      string      `json:"kind"`
	Period    string      `json:"period"`
	Published string      `json:"published"`
	Tables    []jsonTable `json:"tables"`
	Times     []Figure    `json:"times"`
}

type jsonTable struct {
	Series     string     `json:"series"`
	Title      string     `json:"title"`
	Dimensions []string   `json:"dimensions"`
	Coarsened  bool       `json:"coarsened,omitempty"` // by region instead of by entity
	Cells      []jsonCell `json:"cells"`
}

type jsonCell struct {
	Categories []string `json:"categories"`
	Flag       string   `json:"flag"`
	Count      *int64   `json:"count,omitempty"`
}

// JSON writes the report as JSON.
func (r *Report) JSON(w io.Writer) error {
	out := jsonReport{Kind: r.Kind, Period: r.Period, Published: r.Published.UTC().Format(time.RFC3339), Times: r.Times}
	for _, t := range r.Tables {
		jt := jsonTable{Series: t.Series, Title: t.Title, Dimensions: t.Dimensions, Coarsened: t.Coarsened}
		for _, c := range t.Cells {
			jc := jsonCell{Categories: c.Codes, Flag: c.Flag}
			if c.Published() {
				v := c.Value
				jc.Count = &v
			}
			jt.Cells = append(jt.Cells, jc)
		}
		out.Tables = append(out.Tables, jt)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}

// CSV writes the report as one CSV: a row per cell (table, period, up to
// two dimensions and their categories, flag, count), then a row per time
// indicator (the dimension "time", its unit, mean, median and 90th
// percentile, empty when withheld).
func (r *Report) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"table", "period", "dimension_1", "category_1", "dimension_2", "category_2", "flag", "count"})
	for _, t := range r.Tables {
		for _, c := range t.Cells {
			rec := []string{t.Series, r.Period, "", "", "", "", c.Flag, ""}
			for i := 0; i < len(c.Codes) && i < 2 && i < len(t.Dimensions); i++ {
				rec[2+2*i], rec[3+2*i] = t.Dimensions[i], c.Codes[i]
			}
			if c.Published() {
				rec[7] = strconv.FormatInt(c.Value, 10)
			}
			_ = cw.Write(rec)
		}
	}
	_ = cw.Write([]string{"time", "period", "indicator", "unit", "mean", "median", "p90", "flag"})
	for _, f := range r.Times {
		rec := []string{"time", r.Period, f.Key, f.Unit, "", "", "", FlagPrimary}
		if f.Published {
			rec[4], rec[5], rec[6], rec[7] = num(f.Mean), num(f.P50), num(f.P90), FlagPublished
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// Progress is a progress bar on w for a command building a report.
func Progress(w io.Writer, what string) (func(done, total int), func()) {
	var bar *progressbar.ProgressBar
	return func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
					progressbar.OptionShowCount(), progressbar.OptionSetItsString("tables"), progressbar.OptionThrottle(100*time.Millisecond))
			}
			_ = bar.Set(done)
		}, func() {
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(w)
			}
		}
}

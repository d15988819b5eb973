package oversight

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"escudo"
	"escudo/internal/calibration"
	"escudo/internal/chart"
	"escudo/internal/store"
	"escudo/internal/web"
)

// calibrationRow is one shown row of a breakdown, every text translated.
type calibrationRow struct {
	Label                string
	Count, High, Extreme int
	Share, Median        string
	Suppressed           bool
	Tested, Flagged      bool
	P                    string // adjusted p-value, analysts only
}

type calibrationSection struct {
	ID, Title string
	Rows      []calibrationRow
	Analysts  bool
}

type calibrationData struct {
	From, To, Kind string
	Extreme        bool // the instrument has an extremo level, or one was given
	Total          calibrationRow
	Sections       []calibrationSection
	Chart          web.SVGChart
	Alpha          float64
	MinN, MinCell  int
	CSVURL         string
}

const dateLayout = "2006-01-02"

// handleCalibration is the calibration report: levels by analyst, entity,
// gender, ethnic identity and profile, with the test that flags an
// analyst whose levels differ from the others'; ?format=csv downloads it.
func (s *server) handleCalibration(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &calibrationData{Alpha: calibration.Alpha, MinN: calibration.MinEvaluations, MinCell: calibration.MinCell}
	var f store.CalibrationFilter
	var bad []string
	if v := q.Get("from"); v != "" {
		if t, err := time.ParseInLocation(dateLayout, v, web.DisplayZone); err == nil {
			f.From, d.From = t, v
		} else {
			bad = append(bad, "from")
		}
	}
	if v := q.Get("to"); v != "" {
		if t, err := time.ParseInLocation(dateLayout, v, web.DisplayZone); err == nil {
			f.To, d.To = t.AddDate(0, 0, 1), v
		} else {
			bad = append(bad, "to")
		}
	}
	if k := escudo.EvaluationKind(q.Get("kind")); k == escudo.EvaluationImmediate || k == escudo.EvaluationFull {
		f.Kind, d.Kind = k, string(k)
	} else if k != "" {
		bad = append(bad, "kind")
	}
	rep, err := s.DB.CalibrationReport(r.Context(), f)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	p := s.NewPage(r, "calib.title", d)
	if len(bad) > 0 {
		p.Error = p.T("calib.bad_filter")
	}
	s.fillCalibration(p, d, rep)
	if q.Get("format") == "csv" && len(bad) == 0 {
		writeCalibrationCSV(w, p, d)
		return
	}
	v := r.URL.Query()
	v.Set("format", "csv")
	d.CSVURL = "/risk/calibration?" + v.Encode()
	status := http.StatusOK
	if len(bad) > 0 {
		status = http.StatusBadRequest
	}
	s.Render(w, r, status, "calibration", p)
}

func (s *server) fillCalibration(p *web.Page, d *calibrationData, rep *store.CalibrationReport) {
	inst := s.DB.Instrument()
	lang := p.L.Lang
	for _, l := range inst.Levels {
		d.Extreme = d.Extreme || l.ID == escudo.RiskExtreme
	}
	d.Extreme = d.Extreme || rep.Total.Extreme > 0
	options := func(question string) map[string]string {
		m := map[string]string{}
		for _, c := range inst.Context {
			if c.ID == question {
				for _, o := range c.Options {
					m[o.ID] = o.Label.In(lang)
				}
			}
		}
		return m
	}
	row := func(g store.CalibrationGroup, label string) calibrationRow {
		if label == "" {
			label = p.T("calib.not_recorded")
		}
		c := calibrationRow{Label: label, Count: g.Count, High: g.High, Extreme: g.Extreme, Suppressed: g.Suppressed}
		if !g.Suppressed {
			c.Share = strconv.FormatFloat(100*g.Share(), 'f', 1, 64) + " %"
			if g.HasMedian {
				c.Median = strconv.FormatFloat(g.MedianDays, 'f', 1, 64)
			}
		}
		if g.Test.Tested {
			c.Tested, c.Flagged, c.P = true, g.Test.Flagged, strconv.FormatFloat(g.Test.Adjusted, 'g', 3, 64)
		}
		return c
	}
	d.Total = row(rep.Total, p.T("calib.total"))
	an := calibrationSection{ID: "by-analyst", Title: p.T("calib.by_analyst"), Analysts: true}
	var bars []chart.Row
	for _, g := range rep.Analysts {
		name := g.Name
		if name == "" {
			name = p.T("calib.no_analyst")
		}
		an.Rows = append(an.Rows, row(g, name))
		bars = append(bars, chart.Row{Label: chart.Short(name, 15), Values: []int{g.High, g.Count - g.High}})
	}
	d.Chart = web.SVGChart{ID: "chart-calibration", Class: "workload", Title: p.T("calib.chart_title"), SVG: chart.DefaultBars.HBars(bars),
		Legend: []web.LegendItem{{Series: 0, Label: p.T("calib.high")}, {Series: 1, Label: p.T("calib.lower")}},
		Desc:   p.T("calib.chart_desc", "Analysts", len(rep.Analysts), "Count", rep.Total.Count, "High", rep.Total.High)}
	section := func(id, title string, gs []store.CalibrationGroup, label func(string) string) calibrationSection {
		sec := calibrationSection{ID: id, Title: title}
		for _, g := range gs {
			l := ""
			if g.Key != "" {
				l = label(g.Key)
			}
			sec.Rows = append(sec.Rows, row(g, l))
		}
		return sec
	}
	entity := func(k string) string {
		if e, ok := escudo.LookupFederalEntity(k); ok {
			return e.Name
		}
		return p.T("calib.not_recorded")
	}
	opt := func(q string) func(string) string {
		m := options(q)
		return func(k string) string {
			if l, ok := m[k]; ok {
				return l
			}
			return p.T("calib.other_answer")
		}
	}
	profile := func(k string) string {
		if p.L.Has("profile." + k) {
			return p.T("profile." + k)
		}
		return p.T("calib.other_answer")
	}
	d.Sections = []calibrationSection{an,
		section("by-entity", p.T("calib.by_entity"), rep.Entities, entity),
		section("by-gender", p.T("calib.by_gender"), rep.Genders, opt("gender")),
		section("by-ethnic", p.T("calib.by_ethnic"), rep.Ethnicities, opt("ethnic_identity")),
		section("by-profile", p.T("calib.by_profile"), rep.Profiles, profile),
	}
}

// writeCalibrationCSV writes the report's rows, one line per group, with
// translated headers; encoding/csv quotes what needs quoting, and a
// leading = + - @ is prefixed so no spreadsheet reads a formula.
func writeCalibrationCSV(w http.ResponseWriter, p *web.Page, d *calibrationData) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="calibracion-riesgo.csv"`)
	cw := csv.NewWriter(w)
	head := []string{p.T("calib.col_breakdown"), p.T("calib.col_group"), p.T("calib.col_count"), p.T("calib.col_high"), p.T("calib.col_share")}
	if d.Extreme {
		head = append(head, p.T("calib.col_extreme"))
	}
	head = append(head, p.T("calib.col_median"), p.T("calib.col_p"), p.T("calib.col_flag"))
	_ = cw.Write(head)
	line := func(sec string, c calibrationRow) {
		rec := []string{safeCell(sec), safeCell(c.Label)}
		if c.Suppressed {
			rec = append(rec, p.T("calib.suppressed_cell"), "", "")
			if d.Extreme {
				rec = append(rec, "")
			}
			rec = append(rec, "", "", "")
		} else {
			rec = append(rec, strconv.Itoa(c.Count), strconv.Itoa(c.High), c.Share)
			if d.Extreme {
				rec = append(rec, strconv.Itoa(c.Extreme))
			}
			flag := ""
			if c.Tested {
				flag = p.T("calib.flag_no")
				if c.Flagged {
					flag = p.T("calib.flag_yes")
				}
			}
			rec = append(rec, c.Median, c.P, flag)
		}
		_ = cw.Write(rec)
	}
	line(d.Total.Label, d.Total)
	for _, sec := range d.Sections {
		for _, c := range sec.Rows {
			line(sec.Title, c)
		}
	}
	cw.Flush()
}

func safeCell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

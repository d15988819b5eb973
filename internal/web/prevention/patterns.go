package prevention

import (
	"net/http"
	"strconv"
	"time"

	"escudo"
	"escudo/internal/chart"
	rules "escudo/internal/prevention"
	"escudo/internal/store"
	"escudo/internal/web"
)

// tableRow is a line of a pattern's table, labelled.
type tableRow struct {
	Label string
	Count int
}

type table struct {
	ID, Title string
	Rows      []tableRow
	Chart     web.SVGChart
}

type patternsData struct {
	Total                        int
	Tables                       []table
	Entities, Aggressors, Kinds  []web.Choice
	FEntity, FAggressor, FPeriod string
	FProfile                     string
	Profiles                     []web.Choice
}

var profiles = []escudo.Profile{escudo.ProfileDefender, escudo.ProfileJournalist, escudo.ProfileBoth}

// maxYears bounds what the patterns read when no period is asked for.
const maxYears = 10

func (s *server) handlePatterns(w http.ResponseWriter, r *http.Request) {
	q := web.NewQuery(r.URL.Query(), "entity", "aggressor_type", "profile", "period")
	d := &patternsData{}
	d.FEntity = q.Entity("entity")
	d.FAggressor = q.Choice("aggressor_type", "", strs(rules.AggressorTypes)...)
	d.FProfile = q.Choice("profile", "", strs(profiles)...)
	d.FPeriod = r.URL.Query().Get("period")
	now := s.DB.Now()
	fl := rules.Filter{Entity: d.FEntity, Aggressor: rules.AggressorType(d.FAggressor), Profile: escudo.Profile(d.FProfile),
		From: now.AddDate(-maxYears, 0, 0), To: now.Add(time.Minute)}
	if d.FPeriod != "" {
		from, to, err := rules.ParsePeriod(d.FPeriod)
		if err != nil {
			d.FPeriod = ""
			s.RenderError(w, r, http.StatusBadRequest, "prevention.period_invalid")
			return
		}
		fl.From, fl.To = from, to
	}
	if err := q.Err(); err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	facts, err := s.DB.IncidentFacts(r.Context(), fl.From, fl.To)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	if err := s.DB.Audit(r.Context(), store.AuditEntry{Action: "prevention.patterns", ObjectType: "incidents", Fields: "counts"}); err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	pat := rules.Build(facts, fl)
	p := s.NewPage(r, "prevention.title", d)
	d.Total = pat.Total
	mk := func(id, title string, rows []rules.Row, label func(string) string) table {
		t := table{ID: id, Title: title}
		bars := make([]chart.Row, 0, len(rows))
		for _, x := range rows {
			l := label(x.Key)
			t.Rows = append(t.Rows, tableRow{Label: l, Count: x.Count})
			bars = append(bars, chart.Row{Label: chart.Short(l, 18), Values: []int{x.Count}})
		}
		t.Chart = web.SVGChart{ID: "chart-" + id, Class: "workload", Title: title, SVG: chart.DefaultBars.HBars(bars),
			Desc: p.T("prevention.chart_desc", "Bars", len(rows), "Total", pat.Total)}
		return t
	}
	d.Tables = []table{
		mk("entity", p.T("prevention.by_entity"), pat.ByEntity, entityName),
		mk("municipality", p.T("prevention.by_municipality"), pat.ByMunicipality, func(k string) string {
			code, mun, _ := cut(k)
			return mun + ", " + entityName(code)
		}),
		mk("aggressor", p.T("prevention.by_aggressor"), pat.ByAggressor, func(k string) string { return p.T("incident.aggressor." + k) }),
		mk("profile", p.T("prevention.by_profile"), pat.ByProfile, func(k string) string { return p.T("prevention.profile." + k) }),
		mk("kind", p.T("prevention.by_kind"), pat.ByKind, func(k string) string { return p.T("incident.kind." + k) }),
		mk("month", p.T("prevention.by_month"), pat.ByMonth, func(k string) string {
			t, _ := time.Parse("2006-01", k)
			return t.Format("01/2006")
		}),
	}
	for _, e := range escudo.FederalEntities {
		d.Entities = append(d.Entities, web.Choice{Value: e.Code, Label: e.Name})
	}
	d.Aggressors = choices(p, "incident.aggressor.", rules.AggressorTypes)
	d.Profiles = choices(p, "prevention.profile.", profiles)
	s.Render(w, r, http.StatusOK, "prevention", p)
}

func cut(k string) (string, string, bool) {
	for i := 0; i < len(k); i++ {
		if k[i] == '/' {
			return k[:i], k[i+1:], true
		}
	}
	return k, "", false
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

type warningRow struct {
	Area, Level, Week, WeekISO string
	Count                      int
	Mean4, Baseline, PValue    string
	Surge, Unusual             bool
	Cases                      []caseLink
}

type caseLink struct {
	ID        int64
	Reference string
}

type warningsData struct {
	Rows     []warningRow
	CaseLink bool
	Alpha    string
}

func (s *server) handleWarnings(w http.ResponseWriter, r *http.Request) {
	if err := web.NewQuery(r.URL.Query()).Err(); err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	ws, err := s.DB.EarlyWarnings(r.Context(), 200)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	d := &warningsData{Alpha: strconv.FormatFloat(s.DB.Prevention().Alpha, 'f', -1, 64)}
	p := s.NewPage(r, "warning.title", d)
	d.CaseLink = p.Can("GET /cases/{id}")
	var objs []store.AuditObject
	for _, x := range ws {
		row := warningRow{Area: entityName(x.Entity), Level: p.T("warning.level." + x.Level), Week: x.WeekStart.In(rules.Zone).Format("2006-01-02"), WeekISO: p.ISO(x.WeekStart),
			Count: x.Count, Mean4: strconv.FormatFloat(x.Mean4, 'f', 2, 64), Baseline: strconv.FormatFloat(x.Baseline, 'f', 2, 64),
			PValue: strconv.FormatFloat(x.PValue, 'g', 3, 64), Surge: x.Surge, Unusual: x.Unusual}
		if x.Municipality != "" {
			row.Area = x.Municipality + ", " + row.Area
		}
		for _, c := range x.CaseIDs {
			ref, err := s.DB.CaseReference(r.Context(), c)
			if err != nil {
				s.ErrorPage(w, r, err)
				return
			}
			row.Cases = append(row.Cases, caseLink{ID: c, Reference: ref})
			objs = append(objs, store.AuditObject{Type: "case", ID: c, Fields: "reference"})
		}
		d.Rows = append(d.Rows, row)
	}
	if err := s.DB.AuditReads(r.Context(), "warning.read", objs); err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "warnings", p)
}

type impunityData struct {
	ByEntity, ByAuthority []impunityRow
	StallDays             int
}

type impunityRow struct {
	Label                string
	Open, Stalled, Ended int
	Oldest               int
}

func (s *server) handleImpunity(w http.ResponseWriter, r *http.Request) {
	if err := web.NewQuery(r.URL.Query()).Err(); err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	facts, err := s.DB.ImpunityFacts(r.Context())
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	if err := s.DB.Audit(r.Context(), store.AuditEntry{Action: "prevention.impunity", ObjectType: "investigations", Fields: "counts"}); err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	cfg := s.DB.Prevention()
	ent, auth := rules.Impunity(facts, s.DB.Now(), cfg)
	d := &impunityData{StallDays: cfg.StallDays}
	conv := func(rs []rules.ImpunityRow, label func(string) string) []impunityRow {
		var out []impunityRow
		for _, x := range rs {
			out = append(out, impunityRow{Label: label(x.Key), Open: x.Open, Stalled: x.Stalled, Ended: x.Ended, Oldest: x.OldestDays})
		}
		return out
	}
	d.ByEntity = conv(ent, entityName)
	d.ByAuthority = conv(auth, func(k string) string { return k })
	s.Render(w, r, http.StatusOK, "impunity", s.NewPage(r, "prevention.impunity_title", d))
}

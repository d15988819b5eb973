package public

import (
	"html/template"
	"net/http"

	"escudo"
	"escudo/internal/report"
	"escudo/internal/store"
)

// The statistical reports (issue 17; docs/reports.md): the monthly report
// the quarterly report for oversight bodies and the annual report, built only from what the
// statistics.publish sweep released, in HTML inside the site, or as a PDF,
// CSV or JSON file. ?tipo=mensual|trimestral|anual&periodo=2026-10|2026-Q3|2026&formato=html|pdf|csv|json.

var reportKinds = map[string]string{"mensual": report.Monthly, "trimestral": report.Quarterly, "anual": report.Yearly}

type reportData struct {
	Body                 template.HTML
	PDF, CSV, JSON, Back string
}

func (s *server) handleReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	kind, ok := reportKinds[q.Get("tipo")]
	if !ok {
		s.RenderError(w, r, http.StatusBadRequest, "report.bad_kind")
		return
	}
	format := q.Get("formato")
	if format == "" {
		format = "html"
	}
	if _, err := report.CheckRequest(kind, q.Get("periodo"), format); err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	p := s.publicPage(r, "report.title."+kind, nil)
	rep, err := report.Build(r.Context(), s.DB, s.I18n, p.Lang(), kind, q.Get("periodo"), nil)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	if format != "html" {
		types := map[string]string{"pdf": "application/pdf", "csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}
		w.Header().Set("Content-Type", types[format])
		w.Header().Set("Content-Disposition", `attachment; filename="informe-`+q.Get("tipo")+"-"+rep.Period+"."+format+`"`)
		w.Header().Set("Cache-Control", "no-cache")
		if err := rep.Write(w, format); err != nil {
			s.Log.Error("report", "err", err)
		}
		return
	}
	body, err := rep.Body()
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	link := "/estadisticas/informe?tipo=" + q.Get("tipo") + "&periodo=" + rep.Period + "&formato="
	p.Title = rep.Title + ": " + rep.PeriodLabel
	p.Data = &reportData{Body: body, PDF: link + "pdf", CSV: link + "csv", JSON: link + "json", Back: "/estadisticas"}
	s.Render(w, r, http.StatusOK, "report", p)
}

// reportLinks lists the reports published: every year's, then the latest
// four quarters' and months', newest first.
func (s *server) reportLinks(r *http.Request, p interface {
	T(string, ...any) string
}) ([]reportLink, error) {
	var out []reportLink
	for _, kind := range []string{"anual", "trimestral", "mensual"} {
		series := "requests." + store.GrainMonth
		switch kind {
		case "trimestral":
			series = "requests." + store.GrainQuarter
		case "anual":
			series = "requests." + store.GrainYear
		}
		rels, err := s.DB.StatReleases(r.Context(), series)
		if err != nil {
			return nil, err
		}
		for i := len(rels) - 1; i >= 0 && (kind == "anual" || i >= len(rels)-4); i-- {
			per, err := store.ParseStatPeriod(rels[i].Period)
			if err != nil {
				return nil, escudo.Errorf(escudo.EINTERNAL, "error.internal")
			}
			out = append(out, reportLink{Href: "/estadisticas/informe?tipo=" + kind + "&periodo=" + per.Name,
				Label: p.T("report.title."+reportKinds[kind]) + ": " + report.PeriodName(p.T, per)})
		}
	}
	return out, nil
}

type reportLink struct{ Href, Label string }

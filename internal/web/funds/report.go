package funds

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"escudo/internal/funds"
	"escudo/internal/store"
	"escudo/internal/web"
)

// reportData is the public quarterly report.
type reportData struct {
	Period    string
	PeriodISO string
	Periods   []web.Choice
	Totals    moneyTotals
	PaidQ     string
	ByKind    []groupView
	Total     groupView
	Suppliers []supplierView
	Contracts []contractView
	CSV, JSON string
}

type groupView struct {
	Label    string
	Measures string // "< 10" or the count
	Paid     string // "—" when withheld
	Withheld bool
}

type supplierView struct{ Name, Committed, Paid string }

// quarter is the report's figures, as every output shows them.
type quarter struct {
	Period    funds.Period
	Report    funds.Report
	Suppliers []funds.Supplier
	Contracts []store.FundContract
}

// load reads ?periodo= (the latest quarter with data, or the current
// one, when absent); a malformed or unknown quarter is a 400.
func (s *server) load(r *http.Request) (*quarter, []funds.Period, string, error) {
	q := r.URL.Query()
	years, err := s.DB.FundYears(r.Context())
	if err != nil {
		return nil, nil, "", err
	}
	var periods []funds.Period
	for _, y := range years {
		for qq := 4; qq >= 1; qq-- {
			periods = append(periods, funds.Period{Year: y, Quarter: qq})
		}
	}
	p := funds.PeriodOf(time.Now().In(web.DisplayZone))
	if v := q.Get("periodo"); v != "" {
		if p, err = funds.ParsePeriod(v); err != nil {
			return nil, periods, "funds.bad_period", nil
		}
	} else {
		for _, c := range periods {
			if !c.Start().After(time.Now()) {
				p = c
				break
			}
		}
	}
	l, err := s.DB.FundLedger(r.Context(), p.Year)
	if err != nil {
		return nil, nil, "", err
	}
	cs, err := s.DB.FundContracts(r.Context(), p.Year, false)
	if err != nil {
		return nil, nil, "", err
	}
	out := &quarter{Period: p, Report: l.Quarter(p)}
	supplierOf := map[int64]string{}
	for _, c := range cs {
		supplierOf[c.ID] = c.Supplier
		if p.Contains(c.Signed) {
			out.Contracts = append(out.Contracts, c)
		}
	}
	out.Suppliers = l.Suppliers(out.Report, supplierOf)
	return out, periods, "", nil
}

func (s *server) kindLabel(p *web.Page, id string) string {
	if id == "" {
		return p.T("funds.no_measure")
	}
	label, _ := s.CatalogueLabel(p, id)
	return label
}

func showGroup(label string, g funds.Group) groupView {
	v := groupView{Label: label, Withheld: g.Withheld}
	switch {
	case g.Withheld && g.Measures > 0 && g.Measures < funds.Threshold:
		v.Measures, v.Paid = "< 10", "—"
	case g.Withheld:
		v.Measures, v.Paid = "—", "—"
	default:
		v.Measures, v.Paid = strconv.Itoa(g.Measures), g.Paid.Format()
	}
	return v
}

func (s *server) handleReport(w http.ResponseWriter, r *http.Request) {
	q := web.NewQuery(r.URL.Query(), "periodo", "formato")
	format := q.Choice("formato", "html", "html", "csv", "json")
	if q.Err() != nil {
		s.RenderError(w, r, http.StatusBadRequest, "funds.bad_format")
		return
	}
	rep, periods, bad, err := s.load(r)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	if bad != "" {
		s.RenderError(w, r, http.StatusBadRequest, bad)
		return
	}
	switch format {
	case "csv":
		s.writeCSV(w, rep)
		return
	case "json":
		s.writeJSON(w, rep)
		return
	}
	d := &reportData{Period: rep.Period.String(), PeriodISO: rep.Period.String()}
	p := s.NewPage(r, "funds.report_title", d)
	p.Public = true
	for _, pp := range periods {
		d.Periods = append(d.Periods, web.Choice{Value: pp.String(), Label: p.T("funds.quarter", "Quarter", pp.Quarter, "Year", pp.Year)})
	}
	d.Period = p.T("funds.quarter", "Quarter", rep.Period.Quarter, "Year", rep.Period.Year)
	d.Totals = showTotals(rep.Report.Totals)
	d.PaidQ = rep.Report.Paid.Format()
	for _, g := range rep.Report.ByKind {
		d.ByKind = append(d.ByKind, showGroup(s.kindLabel(p, g.Key), g))
	}
	d.Total = showGroup(p.T("funds.all_measures"), rep.Report.Total)
	for _, sr := range rep.Suppliers {
		v := supplierView{Name: sr.Name, Committed: sr.Committed.Format(), Paid: "—"}
		if !sr.Withheld {
			v.Paid = sr.Paid.Format()
		}
		d.Suppliers = append(d.Suppliers, v)
	}
	d.Contracts = s.contractViews(p, rep.Contracts, nil, false)
	d.CSV = "/transparencia/fondo?periodo=" + rep.Period.String() + "&formato=csv"
	d.JSON = "/transparencia/fondo?periodo=" + rep.Period.String() + "&formato=json"
	s.Render(w, r, http.StatusOK, "funds_report", p)
}

// figure is a published count or amount, absent when withheld.
type figure struct {
	Key      string `json:"measure_kind"`
	Measures *int   `json:"measures_paid_for,omitempty"`
	Paid     string `json:"paid_mxn,omitempty"`
	Flag     string `json:"flag"` // published | withheld
}

func openFigure(g funds.Group) figure {
	f := figure{Key: g.Key, Flag: "published"}
	if g.Key == "" {
		f.Key = "none"
	}
	if g.Withheld {
		f.Flag = "withheld"
		return f
	}
	n := g.Measures
	f.Measures, f.Paid = &n, g.Paid.Decimal()
	return f
}

func (s *server) writeJSON(w http.ResponseWriter, q *quarter) {
	type supplier struct {
		Name      string `json:"supplier"`
		Committed string `json:"committed_mxn"`
		Paid      string `json:"paid_mxn,omitempty"`
		Flag      string `json:"paid_flag"`
	}
	out := struct {
		Period    string     `json:"period"`
		Budget    string     `json:"budget_mxn"`
		Committed string     `json:"committed_mxn"`
		Paid      string     `json:"paid_to_date_mxn"`
		Available string     `json:"available_mxn"`
		PaidQ     string     `json:"paid_in_quarter_mxn"`
		ByKind    []figure   `json:"by_measure_kind"`
		Total     figure     `json:"all_measures"`
		Suppliers []supplier `json:"by_supplier"`
		Contracts []string   `json:"contracts_signed_ocid"`
	}{Period: q.Period.String(), Budget: q.Report.Totals.Budget.Decimal(), Committed: q.Report.Totals.Committed.Decimal(),
		Paid: q.Report.Totals.Paid.Decimal(), Available: q.Report.Totals.Available.Decimal(), PaidQ: q.Report.Paid.Decimal(),
		Total: openFigure(q.Report.Total), ByKind: []figure{}, Suppliers: []supplier{}, Contracts: []string{}}
	out.Total.Key = "all"
	for _, g := range q.Report.ByKind {
		out.ByKind = append(out.ByKind, openFigure(g))
	}
	for _, sr := range q.Suppliers {
		row := supplier{Name: sr.Name, Committed: sr.Committed.Decimal(), Paid: sr.Paid.Decimal(), Flag: "published"}
		if sr.Withheld {
			row.Paid, row.Flag = "", "withheld"
		}
		out.Suppliers = append(out.Suppliers, row)
	}
	for _, c := range q.Contracts {
		out.Contracts = append(out.Contracts, s.ocid(c))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="fondo-`+q.Period.String()+`.json"`)
	_ = json.NewEncoder(w).Encode(out)
}

func (s *server) writeCSV(w http.ResponseWriter, q *quarter) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="fondo-`+q.Period.String()+`.csv"`)
	cw := csv.NewWriter(w)
	per := q.Period.String()
	t := q.Report.Totals
	_ = cw.Write([]string{"periodo", "seccion", "clave", "medidas_pagadas", "monto_mxn", "estado"})
	for _, row := range [][2]string{{"presupuesto", t.Budget.Decimal()}, {"comprometido", t.Committed.Decimal()},
		{"pagado_acumulado", t.Paid.Decimal()}, {"disponible", t.Available.Decimal()}, {"pagado_trimestre", q.Report.Paid.Decimal()}} {
		_ = cw.Write([]string{per, "totales", row[0], "", row[1], "published"})
	}
	kinds := make([]figure, 0, len(q.Report.ByKind)+1)
	for _, g := range q.Report.ByKind {
		kinds = append(kinds, openFigure(g))
	}
	total := openFigure(q.Report.Total)
	total.Key = "all"
	for _, f := range append(kinds, total) {
		n := ""
		if f.Measures != nil {
			n = strconv.Itoa(*f.Measures)
		}
		_ = cw.Write([]string{per, "tipo_de_medida", f.Key, n, f.Paid, f.Flag})
	}
	for _, sr := range q.Suppliers {
		_ = cw.Write([]string{per, "proveedor_comprometido", sr.Name, "", sr.Committed.Decimal(), "published"})
		if sr.Withheld {
			_ = cw.Write([]string{per, "proveedor_pagado", sr.Name, "", "", "withheld"})
		} else {
			_ = cw.Write([]string{per, "proveedor_pagado", sr.Name, "", sr.Paid.Decimal(), "published"})
		}
	}
	for _, c := range q.Contracts {
		_ = cw.Write([]string{per, "contrato_firmado", s.ocid(c), "", c.Value.Decimal(), "published"})
	}
	cw.Flush()
}

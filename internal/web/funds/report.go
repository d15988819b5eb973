package funds

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"escudo"
	"escudo/internal/disclosure"
	"escudo/internal/funds"
	"escudo/internal/store"
	"escudo/internal/web"
)

// reportData is the public quarterly report: only what the quarter's
// release published (store.FundRelease), or that it is not published yet.
type reportData struct {
	Period      string
	PeriodISO   string
	Periods     []web.Choice
	Unpublished bool
	Published   string // the release's date
	Totals      moneyTotals
	PaidQ       string
	ByKind      []cellView
	Total       cellView
	Suppliers   []cellView
	Contracts   []contractView
	Charts      []chartView
	CSV, JSON   string
	PDF         string
}

// cellView is one row as the report shows it: the count and the amount,
// or the marks "< 10" (a count from 1 to 9) and "—" (withheld).
type cellView struct {
	Label, Payments, Paid, Committed string
}

// quarter is the report's figures, as every output shows them.
type quarter struct {
	Period    funds.Period
	Release   store.FundRelease
	Contracts []store.FundContract // signed in the quarter
}

// load reads ?periodo= (the latest quarter published when absent, else
// the current one); a malformed quarter is a 400. The release is nil
// when the quarter is not published.
func (s *server) load(r *http.Request) (*quarter, []funds.Period, string, error) {
	years, err := s.DB.FundYears(r.Context())
	if err != nil {
		return nil, nil, "", err
	}
	published, err := s.DB.FundReleasePeriods(r.Context())
	if err != nil {
		return nil, nil, "", err
	}
	now := funds.PeriodOf(time.Now().In(web.DisplayZone))
	var periods []funds.Period
	for _, y := range years {
		for qq := 4; qq >= 1; qq-- {
			if p := (funds.Period{Year: y, Quarter: qq}); !p.Start().After(now.Start()) {
				periods = append(periods, p)
			}
		}
	}
	p := now
	if v := r.URL.Query().Get("periodo"); v != "" {
		if p, err = funds.ParsePeriod(v); err != nil {
			return nil, periods, "funds.bad_period", nil
		}
	} else if len(published) > 0 {
		p, _ = funds.ParsePeriod(published[len(published)-1])
	}
	q := &quarter{Period: p}
	q.Release, err = s.DB.FundRelease(r.Context(), p.String())
	if escudo.ErrorCode(err) == escudo.ENOTFOUND {
		return q, periods, "", err
	} else if err != nil {
		return nil, nil, "", err
	}
	cs, err := s.DB.FundContracts(r.Context(), p.Year, false)
	if err != nil {
		return nil, nil, "", err
	}
	for _, c := range cs {
		if p.Contains(c.Signed) {
			q.Contracts = append(q.Contracts, c)
		}
	}
	return q, periods, "", nil
}

func (s *server) kindLabel(p *web.Page, id string) string {
	switch id {
	case funds.NoMeasure:
		return p.T("funds.no_measure")
	case disclosure.TotalLabel:
		return p.T("funds.all_payments")
	}
	label, _ := s.CatalogueLabel(p, id)
	return label
}

func showCell(label string, c store.FundCell) cellView {
	v := cellView{Label: label, Payments: "—", Paid: "—", Committed: c.Committed.Format()}
	switch {
	case c.Status == disclosure.Primary.String():
		v.Payments = "< 10"
	case c.Published():
		v.Payments = strconv.FormatInt(c.Payments, 10)
	}
	if c.PaidPublished {
		v.Paid = c.Paid.Format()
	}
	return v
}

func (s *server) handleReport(w http.ResponseWriter, r *http.Request) {
	q := web.NewQuery(r.URL.Query(), "periodo", "formato")
	format := q.Choice("formato", "html", "html", "csv", "json", "pdf")
	if q.Err() != nil {
		s.RenderError(w, r, http.StatusBadRequest, "funds.bad_format")
		return
	}
	rep, periods, bad, err := s.load(r)
	switch {
	case bad != "":
		s.RenderError(w, r, http.StatusBadRequest, bad)
		return
	case err != nil && (format != "html" || escudo.ErrorCode(err) != escudo.ENOTFOUND):
		s.ErrorPage(w, r, err)
		return
	}
	p := s.NewPage(r, "funds.report_title", nil)
	p.Public = true
	d := s.reportView(p, rep, periods, err != nil)
	p.Data = d
	switch format {
	case "csv":
		s.writeCSV(w, rep)
	case "json":
		s.writeJSON(w, rep)
	case "pdf":
		s.writePDF(w, p, rep, d)
	default:
		s.Render(w, r, http.StatusOK, "funds_report", p)
	}
}

// reportView is the report in the reader's language, for the page and
// the PDF.
func (s *server) reportView(p *web.Page, rep *quarter, periods []funds.Period, unpublished bool) *reportData {
	per := rep.Period.String()
	d := &reportData{PeriodISO: per, Unpublished: unpublished, Period: p.T("funds.quarter", "Quarter", rep.Period.Quarter, "Year", rep.Period.Year)}
	for _, pp := range periods {
		d.Periods = append(d.Periods, web.Choice{Value: pp.String(), Label: p.T("funds.quarter", "Quarter", pp.Quarter, "Year", pp.Year)})
	}
	if unpublished {
		return d
	}
	rel := rep.Release
	d.Published = rel.PublishedAt.In(web.DisplayZone).Format("2006-01-02")
	d.Totals = showTotals(rel.Totals)
	d.PaidQ = rel.PaidQuarter.Format()
	for _, c := range rel.ByKind[:len(rel.ByKind)-1] {
		d.ByKind = append(d.ByKind, showCell(s.kindLabel(p, c.Key), c))
	}
	d.Total = showCell(p.T("funds.all_payments"), rel.Total())
	for _, c := range rel.BySupplier {
		label := c.Key
		if c.Key == disclosure.TotalLabel {
			label = p.T("funds.all_suppliers")
		}
		d.Suppliers = append(d.Suppliers, showCell(label, c))
	}
	d.Contracts = s.contractViews(p, rep.Contracts, nil, false)
	d.Charts = s.charts(p, rel)
	base := "/transparencia/fondo?periodo=" + per + "&formato="
	d.CSV, d.JSON, d.PDF = base+"csv", base+"json", base+"pdf"
	return d
}

// figure is a published count and amount, absent when withheld.
type figure struct {
	Key      string `json:"key"`
	Payments *int64 `json:"payments,omitempty"`
	Paid     string `json:"paid_mxn,omitempty"`
	Flag     string `json:"flag"` // published | primary | secondary
}

func openFigure(key string, c store.FundCell) figure {
	f := figure{Key: key, Flag: c.Status}
	if c.Key == disclosure.TotalLabel {
		f.Key = "all"
	}
	if c.Published() {
		n := c.Payments
		f.Payments = &n
	}
	if c.PaidPublished {
		f.Paid = c.Paid.Decimal()
	}
	return f
}

func (s *server) contractKey(rep *quarter, key string) string {
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return key
	}
	return s.ocid(store.FundContract{ID: id, Year: rep.Period.Year})
}

func (s *server) writeJSON(w http.ResponseWriter, q *quarter) {
	type supplier struct {
		figure
		Committed string `json:"committed_mxn"`
	}
	rel := q.Release
	out := struct {
		Period     string     `json:"period"`
		Published  string     `json:"published"`
		Budget     string     `json:"budget_mxn"`
		Committed  string     `json:"committed_mxn"`
		Paid       string     `json:"paid_to_date_mxn"`
		Available  string     `json:"available_mxn"`
		PaidQ      string     `json:"paid_in_quarter_mxn"`
		ByKind     []figure   `json:"by_measure_kind"`
		Suppliers  []supplier `json:"by_supplier"`
		ByContract []figure   `json:"by_contract_ocid"`
		Contracts  []string   `json:"contracts_signed_ocid"`
	}{Period: q.Period.String(), Published: rel.PublishedAt.UTC().Format(time.RFC3339), Budget: rel.Totals.Budget.Decimal(), Committed: rel.Totals.Committed.Decimal(),
		Paid: rel.Totals.Paid.Decimal(), Available: rel.Totals.Available.Decimal(), PaidQ: rel.PaidQuarter.Decimal(),
		ByKind: []figure{}, Suppliers: []supplier{}, ByContract: []figure{}, Contracts: []string{}}
	for _, c := range rel.ByKind {
		out.ByKind = append(out.ByKind, openFigure(c.Key, c))
	}
	for _, c := range rel.BySupplier {
		out.Suppliers = append(out.Suppliers, supplier{openFigure(c.Key, c), c.Committed.Decimal()})
	}
	for _, c := range rel.ByContract {
		out.ByContract = append(out.ByContract, openFigure(s.contractKey(q, c.Key), c))
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
	rel := q.Release
	t := rel.Totals
	_ = cw.Write([]string{"periodo", "seccion", "clave", "pagos", "monto_mxn", "estado"})
	for _, row := range [][2]string{{"presupuesto", t.Budget.Decimal()}, {"comprometido", t.Committed.Decimal()},
		{"pagado_acumulado", t.Paid.Decimal()}, {"disponible", t.Available.Decimal()}, {"pagado_trimestre", rel.PaidQuarter.Decimal()}} {
		_ = cw.Write([]string{per, "totales", row[0], "", row[1], "published"})
	}
	line := func(section string, f figure) {
		n := ""
		if f.Payments != nil {
			n = strconv.FormatInt(*f.Payments, 10)
		}
		_ = cw.Write([]string{per, section, f.Key, n, f.Paid, f.Flag})
	}
	for _, c := range rel.ByKind {
		line("tipo_de_medida", openFigure(c.Key, c))
	}
	for _, c := range rel.BySupplier {
		if c.Key != disclosure.TotalLabel {
			_ = cw.Write([]string{per, "proveedor_comprometido", c.Key, "", c.Committed.Decimal(), "published"})
		}
		line("proveedor_pagado", openFigure(c.Key, c))
	}
	for _, c := range rel.ByContract {
		line("contrato_pagado", openFigure(s.contractKey(q, c.Key), c))
	}
	for _, c := range q.Contracts {
		_ = cw.Write([]string{per, "contrato_firmado", s.ocid(c), "", c.Value.Decimal(), "published"})
	}
	cw.Flush()
}

package funds

import (
	"bytes"
	"fmt"
	"net/http"

	"codeberg.org/go-pdf/fpdf"

	"escudo/internal/letters"
	"escudo/internal/web"
)

// The fund report's PDF: A4 in the letters' font (letters.NewPDF), dated
// by its release, so the same quarter in the same language always gives
// the same bytes.
const (
	pdfMargin = 18.0
	pdfTextW  = 210.0 - 2*pdfMargin
)

func (s *server) writePDF(w http.ResponseWriter, p *web.Page, rep *quarter, d *reportData) {
	b, err := renderPDF(p, rep, d)
	if err != nil {
		s.Log.Error("fund report pdf", "err", err)
		http.Error(w, "", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="fondo-`+rep.Period.String()+`.pdf"`)
	_, _ = w.Write(b)
}

func renderPDF(p *web.Page, rep *quarter, d *reportData) ([]byte, error) {
	title := p.T("funds.report_heading")
	pdf := letters.NewPDF(title+": "+d.Period, p.Lang(), rep.Release.PublishedAt, pdfMargin)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		letters.SetFont(pdf, false, 7.5)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 4, p.T("report.pdf_page", "Title", title, "Period", d.Period, "N", fmt.Sprint(pdf.PageNo()), "Total", "{nb}"), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	letters.SetFont(pdf, true, 15)
	pdf.MultiCell(pdfTextW, 7, title+": "+d.Period, "", "L", false)
	pdf.Ln(2)
	letters.SetFont(pdf, false, 9.5)
	pdf.MultiCell(pdfTextW, 4.8, p.T("funds.report_lead"), "", "L", false)
	pdf.MultiCell(pdfTextW, 4.8, p.T("report.published_on", "Date", d.Published), "", "L", false)
	heading := func(s string) {
		pdf.Ln(3)
		letters.SetFont(pdf, true, 11.5)
		pdf.MultiCell(pdfTextW, 6, s, "B", "L", false)
		pdf.Ln(1)
	}
	heading(d.Period)
	for _, c := range d.Charts[:1] {
		pdfBars(pdf, c)
	}
	for _, f := range [][2]string{{p.T("funds.budget"), d.Totals.Budget}, {p.T("funds.committed"), d.Totals.Committed},
		{p.T("funds.paid_to_date"), d.Totals.Paid}, {p.T("funds.available"), d.Totals.Available}, {p.T("funds.paid_quarter"), d.PaidQ}} {
		letters.SetFont(pdf, false, 9)
		pdf.CellFormat(90, 5, f[0], "B", 0, "L", false, 0, "")
		pdf.CellFormat(pdfTextW-90, 5, f[1], "B", 1, "R", false, 0, "")
	}
	table := func(head []string, rows []cellView, committed bool) {
		first := 80.0
		col := (pdfTextW - first) / float64(len(head)-1)
		letters.SetFont(pdf, true, 8.5)
		for i, h := range head {
			w, align := col, "R"
			if i == 0 {
				w, align = first, "L"
			}
			pdf.CellFormat(w, 5, h, "B", 0, align, false, 0, "")
		}
		pdf.Ln(-1)
		for i, r := range rows {
			letters.SetFont(pdf, i == len(rows)-1, 8.5)
			pdf.CellFormat(first, 4.6, r.Label, "B", 0, "L", false, 0, "")
			if committed {
				pdf.CellFormat(col, 4.6, r.Committed, "B", 0, "R", false, 0, "")
			}
			pdf.CellFormat(col, 4.6, r.Payments, "B", 0, "R", false, 0, "")
			pdf.CellFormat(col, 4.6, r.Paid, "B", 1, "R", false, 0, "")
		}
	}
	heading(p.T("funds.by_kind"))
	if len(d.Charts) > 1 {
		pdfBars(pdf, d.Charts[1])
	}
	table([]string{p.T("field.measure"), p.T("funds.payments"), p.T("funds.paid_quarter")}, append(append([]cellView(nil), d.ByKind...), d.Total), false)
	heading(p.T("funds.by_supplier"))
	table([]string{p.T("field.supplier"), p.T("funds.committed"), p.T("funds.payments"), p.T("funds.paid_short")}, d.Suppliers, true)
	letters.SetFont(pdf, false, 8.5)
	pdf.Ln(1)
	pdf.MultiCell(pdfTextW, 4.4, "< 10: "+p.T("funds.mark_small")+"  —: "+p.T("funds.mark_hidden"), "", "L", false)
	heading(p.T("funds.contracts_signed"))
	letters.SetFont(pdf, false, 9)
	if len(d.Contracts) == 0 {
		pdf.MultiCell(pdfTextW, 5, p.T("funds.no_contracts"), "", "L", false)
	}
	for _, c := range d.Contracts {
		pdf.MultiCell(pdfTextW, 5, c.Title+" · "+c.Supplier+" · "+c.Value+" · "+c.OCID, "B", "L", false)
	}
	heading(p.T("funds.how_title"))
	letters.SetFont(pdf, false, 9)
	pdf.MultiCell(pdfTextW, 4.6, p.T("funds.how_1"), "", "L", false)
	pdf.Ln(1)
	pdf.MultiCell(pdfTextW, 4.6, p.T("funds.how_2"), "", "L", false)
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("funds: pdf: %w", err)
	}
	return b.Bytes(), nil
}

// pdfBars draws a chart's bars and labels as the page's SVG has them,
// 120 mm wide.
func pdfBars(pdf *fpdf.Fpdf, c chartView) {
	k := 120 / c.SVG.Width
	x0, y0 := pdfMargin, pdf.GetY()+1
	pdf.SetFillColor(31, 95, 139)
	for _, r := range c.SVG.Rects {
		pdf.Rect(x0+r.X*k, y0+r.Y*k, r.W*k, r.H*k, "F")
	}
	pdf.SetDrawColor(200, 200, 200)
	for _, l := range c.SVG.Lines {
		pdf.Line(x0+l.X1*k, y0+l.Y1*k, x0+l.X2*k, y0+l.Y2*k)
	}
	pdf.SetDrawColor(0, 0, 0)
	letters.SetFont(pdf, false, 7.5)
	for _, t := range c.SVG.Texts {
		w := pdf.GetStringWidth(t.S)
		x := x0 + t.X*k
		switch t.Anchor {
		case "end":
			x -= w
		case "middle":
			x -= w / 2
		}
		pdf.Text(x, y0+t.Y*k, t.S)
	}
	pdf.SetY(y0 + c.SVG.Height*k + 2)
}
